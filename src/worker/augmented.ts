// The run's first training samples after augmentation, for the training view ("what the network sees").
import type { Dataset } from '../engine/dataset';
import type { AugmentationConfig } from '../model/types';
import { augmentedBatch } from '../node/augmentPreview';
import type { AugmentedSamplesView } from '../protocol/worker';

/** Enough to see the ops' spread without flooding the channel (8 × 224×224×3 is 1.2 MB of bytes). */
export const AUGMENTED_SAMPLES = 8;

/** The samples as bytes, or undefined when the run has no augmentation that changes anything. */
export async function augmentedSamples(data: Dataset, augmentation: AugmentationConfig | undefined, seed: number): Promise<AugmentedSamplesView | undefined> {
  if (!augmentation || data.count === 0) return undefined;
  const { batch, count, augmented } = await augmentedBatch(data, augmentation, AUGMENTED_SAMPLES, 1, seed);
  if (!augmented) return undefined;
  return { shape: [count, ...data.shape], data: Uint8Array.from(batch, (v) => Math.round(255 * Math.min(1, Math.max(0, v)))), seed };
}
