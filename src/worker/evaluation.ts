// The after-training evaluation the view shows: confusion matrix, per-class accuracy and which samples were
// misclassified (with small images of the first ones), in one pass over the test data.
import { BatchReader } from '../engine/batches';
import { readSampleBytes, type Dataset } from '../engine/dataset';
import { DEFAULT_LOSS } from '../engine/evaluate';
import { addToConfusion, argmaxRow, confusionAccuracy, emptyConfusion, perClassAccuracy } from '../engine/metrics';
import type { Network } from '../engine/network';
import type { LossName } from '../model/types';
import type { EvaluationView, Misclassified } from '../protocol/worker';

/** Misclassified samples listed (the matrix still counts all of them). */
const MAX_LISTED = 2000;
/** Misclassified samples sent with their image. */
const MAX_THUMBNAILS = 200;

export interface EvaluateRunOptions {
  readonly loss?: LossName;
  readonly batchSize: number;
  readonly on: 'test' | 'train';
  readonly yieldToHost?: () => Promise<void>;
  readonly shouldStop?: () => boolean;
}

export async function evaluateRun(network: Network, ds: Dataset, o: EvaluateRunOptions): Promise<EvaluationView> {
  const numClasses = network.outputShape[network.outputShape.length - 1];
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const bs = Math.max(1, Math.min(o.batchSize, ds.count));
  const reader = new BatchReader(ds, bs);
  const { images, labels } = reader;
  const confusion = emptyConfusion(numClasses);
  const misclassified: Misclassified[] = [];
  let lossSum = 0;
  let seen = 0;
  for (let from = 0; from < ds.count; from += bs) {
    if (o.shouldStop?.()) break;
    const n = Math.min(bs, ds.count - from);
    await reader.fill(undefined, from, n, { from: from + n, n: Math.min(bs, ds.count - from - n) });
    const y = labels.subarray(0, n);
    const r = network.evaluateBatch({ shape: [n, ...ds.shape], data: images.subarray(0, n * size) }, y, o.loss ?? DEFAULT_LOSS);
    lossSum += r.loss * n;
    addToConfusion(confusion, r.outputs.data, y, n, numClasses);
    for (let i = 0; i < n && misclassified.length < MAX_LISTED; i++) {
      const predicted = argmaxRow(r.outputs.data, i, numClasses);
      if (predicted !== y[i]) {
        const index = from + i;
        misclassified.push({ index, actual: y[i], predicted, ...(ds.files ? { file: ds.files[index] } : {}) });
      }
    }
    seen += n;
    await o.yieldToHost?.();
  }
  const shown = misclassified.slice(0, MAX_THUMBNAILS);
  const thumbs = new Uint8Array(shown.length * size);
  for (let k = 0; k < shown.length; k++) thumbs.set(await readSampleBytes(ds, shown[k].index), k * size);
  const classes = Array.from({ length: numClasses }, (_, i) => ds.classes[i] ?? String(i));
  return {
    on: o.on,
    count: seen,
    loss: seen ? lossSum / seen : 0,
    accuracy: confusionAccuracy(confusion),
    classes,
    confusion,
    perClass: perClassAccuracy(confusion).map((v) => (Number.isNaN(v) ? null : v)),
    misclassified,
    thumbnails: { shape: [shown.length, ...ds.shape], data: thumbs },
  };
}
