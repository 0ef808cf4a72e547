// Frozen features, computed once: when a network's first layers train nothing and draw no random numbers
// (Network.frozenPrefix: a frozen backbone), their output per sample is the same in every epoch. Training computes
// it once per sample and then trains only the layers after it (Network.from), so later epochs cost the head alone:
// Teachable Machine's and Create ML's recipe, without changing a result.
import { sizeOf } from './tensor';
import { BatchReader } from './batches';
import type { Dataset, InMemoryDataset } from './dataset';
import type { Network } from './network';

export interface FeatureProgress {
  readonly done: number;
  readonly total: number;
}

export interface FeatureOptions {
  readonly yieldToHost?: () => Promise<void>;
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (p: FeatureProgress) => void;
}

/** Floats one sample's features take at the output of layer `after`. */
export function featureSize(network: Network, after: number): number {
  // The shape of that output is the input shape of the network seen from it.
  return sizeOf(network.from(after).inputShape);
}

/** The dataset's samples through layers 0…after (inference), as a dataset of their outputs: [1, 1, size] per
 *  sample for a vector, the output's own [h, w, c] otherwise. Undefined when stopped. */
export async function computeFeatures(network: Network, after: number, data: Dataset, batchSize: number, o: FeatureOptions = {}, progress = { done: 0, total: data.count }): Promise<InMemoryDataset | undefined> {
  const shape = network.from(after).inputShape;
  const size = sizeOf(shape);
  const sampleSize = data.shape[0] * data.shape[1] * data.shape[2];
  const features = new Float32Array(data.count * size);
  const bs = Math.max(1, Math.min(batchSize, data.count));
  const reader = new BatchReader(data, bs);
  for (let from = 0, batch = 0; from < data.count; from += bs, batch++) {
    if (o.shouldStop?.()) return undefined;
    const n = Math.min(bs, data.count - from);
    await reader.fill(undefined, from, n, { from: from + n, n: Math.min(bs, data.count - from - n) });
    const out = network.forwardTo({ shape: [n, ...data.shape], data: reader.images.subarray(0, n * sampleSize) }, after);
    features.set(out.data.subarray(0, n * size), from * size);
    progress.done += n;
    o.onProgress?.({ done: progress.done, total: progress.total });
    if (o.yieldToHost && batch % 4 === 3) await o.yieldToHost();
  }
  const featureShape: readonly [number, number, number] = shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [1, 1, size];
  return { images: features, labels: data.labels, count: data.count, shape: featureShape, classes: data.classes, ...(data.files ? { files: data.files } : {}) };
}
