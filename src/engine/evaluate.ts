// Evaluation of a network over a whole Dataset, batch by batch: loss, accuracy, top-k, confusion.
import type { LossName } from '../model/types';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { BatchReader } from './batches';
import type { Dataset } from './dataset';
import { addToConfusion, confusionAccuracy, countTopK, emptyConfusion, perClassAccuracy, type ConfusionMatrix } from './metrics';
import type { Network } from './network';

export interface Evaluation {
  readonly count: number;
  /** Mean loss over all samples. */
  readonly loss: number;
  readonly accuracy: number;
  /** Present when a k was asked for. */
  readonly topK?: { readonly k: number; readonly accuracy: number };
  /** [actual][predicted]. */
  readonly confusion: ConfusionMatrix;
  /** Recall per class; NaN for classes without samples. */
  readonly perClass: readonly number[];
}

export interface EvaluateOptions {
  readonly loss?: LossName;
  readonly topK?: number;
  /** Awaited every few batches so a host event loop (Ctrl+C, worker messages) stays responsive. */
  readonly yieldToHost?: () => Promise<void>;
  /** Checked every batch; when true the evaluation ends early over the samples seen so far. */
  readonly shouldStop?: () => boolean;
}

/** The spec's default loss (model/defaults). */
export const DEFAULT_LOSS: LossName = TRAINING_DEFAULTS.loss;

export async function evaluate(network: Network, dataset: Dataset, batchSize: number, options: EvaluateOptions = {}): Promise<Evaluation> {
  const loss = options.loss ?? DEFAULT_LOSS;
  const numClasses = network.outputShape[network.outputShape.length - 1];
  if (dataset.classes.length > Math.max(2, numClasses)) {
    throw new Error(`the data has ${dataset.classes.length} classes but the model has ${numClasses} output units`);
  }
  const size = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  const bs = Math.max(1, Math.min(batchSize, dataset.count));
  const reader = new BatchReader(dataset, bs);
  const { images, labels } = reader;
  const confusion = emptyConfusion(numClasses);
  let lossSum = 0;
  let topHits = 0;
  let seen = 0;
  for (let from = 0, batch = 0; from < dataset.count; from += bs, batch++) {
    if (options.shouldStop?.()) break;
    const n = Math.min(bs, dataset.count - from);
    await reader.fill(undefined, from, n, { from: from + n, n: Math.min(bs, dataset.count - from - n) });
    const y = labels.subarray(0, n);
    const r = network.evaluateBatch({ shape: [n, ...dataset.shape], data: images.subarray(0, n * size) }, y, loss);
    lossSum += r.loss * n;
    addToConfusion(confusion, r.outputs.data, y, n, numClasses);
    if (options.topK) topHits += countTopK(r.outputs.data, y, n, numClasses, options.topK);
    seen += n;
    if (options.yieldToHost && batch % 4 === 3) await options.yieldToHost();
  }
  return {
    count: seen,
    loss: seen ? lossSum / seen : Number.NaN,
    accuracy: confusionAccuracy(confusion),
    topK: options.topK ? { k: options.topK, accuracy: seen ? topHits / seen : 0 } : undefined,
    confusion,
    perClass: perClassAccuracy(confusion),
  };
}
