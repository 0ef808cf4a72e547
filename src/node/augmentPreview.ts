// What the network sees: the first training samples after training.augmentation, as a PNG grid (cnn augment-preview;
// the training view can show the same grid). Seeded as training is, so a run of it is repeatable; it is the same kind
// of batch, not epoch 1's exact one (that depends on the shuffle).
import { dirname } from 'node:path';
import { readSampleFloats, type Dataset } from '../engine/dataset';
import { createRng } from '../engine/rng';
import { TRAINING_DEFAULTS } from '../model/defaults';
import type { AugmentationConfig, Model } from '../model/types';
import { makeAugmenter } from './datasets/augment';
import { loadDataSource } from './datasets/load';
import { sampleGridPng, type SampleGrid } from './sampleGridPng';

export interface AugmentPreviewOptions {
  /** Samples to show, from the start of the training data. */
  readonly count: number;
  /** Each sample this many times in a row, each copy drawn anew (one row per sample); default 1. */
  readonly copies?: number;
  /** Default: training.seed. */
  readonly seed?: number;
  /** The dataset cache folder for image folders (as loadDataSource); false decodes without caching. */
  readonly cacheDir?: string | false;
}

export interface AugmentPreview extends SampleGrid {
  /** Training samples shown (fewer than asked when the data has fewer); the grid holds count × copies tiles. */
  readonly count: number;
  readonly copies: number;
  readonly seed: number;
  /** False when the model has no augmentation that changes anything: the grid shows the samples as they are. */
  readonly augmented: boolean;
  /** The data's one-line description and its warnings (skipped files). */
  readonly description: string;
  readonly warnings: readonly string[];
}

/** The first `count` samples of `data` (fewer when it has fewer), each `copies` times in a row, augmented with a
 *  generator seeded with `seed`: [count · copies, h, w, c]. `augmented` is false when the config changes nothing. */
export async function augmentedBatch(data: Dataset, augmentation: AugmentationConfig | undefined, count: number, copies: number, seed: number): Promise<{ batch: Float32Array; count: number; augmented: boolean }> {
  const n = Math.min(count, data.count);
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  const tiles = n * copies;
  const batch = new Float32Array(tiles * size);
  for (let i = 0; i < n; i++) {
    const sample = await readSampleFloats(data, i); // the data may stream from the dataset cache
    for (let k = 0; k < copies; k++) batch.set(sample, (i * copies + k) * size);
  }
  const augment = augmentation ? makeAugmenter(augmentation, data.shape) : undefined;
  augment?.(batch, tiles, createRng(seed));
  return { batch, count: n, augmented: augment !== undefined };
}

/** Throws an Error with a one-line message for a model without training data, data that cannot be read, or an
 *  augmentation value out of range. */
export async function augmentPreview(modelPath: string, model: Model, options: AugmentPreviewOptions): Promise<AugmentPreview> {
  const t = model.training;
  if (!t?.data?.train) throw new Error(`${modelPath} has no training.data.train to preview`);
  const shape = model.input.shape;
  const data = await loadDataSource(t.data.train, dirname(modelPath), shape, { limit: options.count, cacheDir: options.cacheDir });
  const seed = options.seed ?? t.seed ?? TRAINING_DEFAULTS.seed;
  const { batch, count, augmented } = await augmentedBatch(data, t.augmentation, options.count, options.copies ?? 1, seed);
  const copies = options.copies ?? 1;
  const grid = sampleGridPng(batch, count * copies, shape, copies > 1 ? copies : undefined);
  return { ...grid, count, copies, seed, augmented, description: data.description, warnings: data.warnings };
}
