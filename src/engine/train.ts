// The training loop: seeded shuffled mini-batches, per-epoch learning rate, evaluation on a validation
// and/or test set, early stopping that restores the best weights (chosen on validation data, never on the
// test set, which is only ever evaluated), clean stop, and cooperative yielding
// (the engine owns no timers: the host passes e.g. setImmediate so Ctrl+C and worker messages get through).
import type { EarlyStoppingConfig, LossName } from '../model/types';
import type { Dataset } from './dataset';
import { BatchReader } from './batches';
import { DEFAULT_LOSS, evaluate, type Evaluation } from './evaluate';
import { countCorrect, countTopK } from './metrics';
import type { Network } from './network';
import { learningRateAt, type Optimizer } from './optimizers';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { createRng, type Rng } from './rng';
import { TrainingHealth, type HealthOptions } from './health';
import { computeFeatures, featureDataset, featureSize, readStoredFeatures, storeComputed, streamedFeatures, type FeatureProgress, type FeatureStore } from './frozenFeatures';
import { formatBytes } from '../model/format';

export { evaluate, type Evaluation, type EvaluateOptions } from './evaluate';

/** Batches between yields to the host when the caller does not say. */
const YIELD_EVERY = 4;

/** Changes `count` samples of `batch` ([count, h, w, c]) in place, e.g. random shifts and flips. */
export type AugmentHook = (batch: Float32Array, count: number, rng: Rng) => void;

export interface EpochMetrics {
  /** 1-based: the number of epochs completed including this one. */
  readonly epoch: number;
  readonly learningRate: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly trainTopK?: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  readonly valTopK?: number;
  readonly testLoss?: number;
  readonly testAccuracy?: number;
  readonly testTopK?: number;
  readonly seconds: number;
}

export interface BatchProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** 1-based within the epoch. */
  readonly batch: number;
  readonly batches: number;
  readonly samples: number;
  /** Running means over the epoch so far. */
  readonly loss: number;
  readonly accuracy: number;
  readonly samplesPerSecond: number;
}

export interface TrainOptions {
  readonly network: Network;
  readonly optimizer: Optimizer;
  readonly train: Dataset;
  /** Held-out part of the training data (the caller splits), evaluated after every epoch. */
  readonly validation?: Dataset;
  readonly test?: Dataset;
  readonly loss?: LossName;
  readonly batchSize?: number;
  /** Total epochs, counting those already done. */
  readonly epochs?: number;
  /** Epochs already done (resume): training continues with epoch initialEpoch + 1 and its shuffle order. */
  readonly initialEpoch?: number;
  readonly seed?: number;
  readonly earlyStopping?: EarlyStoppingConfig;
  /** Said once, before the first epoch, when early stopping has no validation data to watch. */
  readonly onNotice?: (message: string) => void;
  readonly topK?: number;
  readonly augment?: AugmentHook;
  readonly onBatch?: (progress: BatchProgress) => void;
  /** Training health (engine/health), measured on a few steps of every epoch and given after the epoch's
   *  evaluation, before onEpoch. Without it nothing is measured. */
  readonly health?: HealthOptions;
  /** Awaited: the place to checkpoint. */
  readonly onEpoch?: (metrics: EpochMetrics, history: readonly EpochMetrics[]) => void | Promise<void>;
  readonly shouldStop?: () => boolean;
  readonly yieldToHost?: () => Promise<void>;
  /** Batches between yields (default 4). */
  readonly yieldEvery?: number;
  /** Clock in milliseconds (tests pin it); default Date.now. */
  readonly now?: () => number;
  /** Compute the network's frozen prefix once per sample and train the layers after it on that (engine/
   *  frozenFeatures) when there is one, nothing random acts before it (no augmentation) and the features of every
   *  sample (training, validation, test) fit in maxBytes, or else a store can stream them (kept in its file and
   *  read a batch at a time). Said through onNotice either way. With a store, the features of datasets that know
   *  their origin are read from it when it has them, and stored when computed. onNotice's `fromCache`: every
   *  sample's output is read from the store, none computed (so progress reports never come). */
  readonly frozenFeatures?: { readonly maxBytes: number; readonly onNotice?: (message: string, fromCache: boolean) => void; readonly onProgress?: (p: FeatureProgress) => void; readonly store?: FeatureStore };
}

export interface TrainFailure {
  readonly message: string;
  readonly epoch: number;
  /** 1-based batch within the epoch. */
  readonly step: number;
}

export interface TrainResult {
  /** completed: all epochs; stopped: shouldStop() (the unfinished epoch is discarded by the caller);
   *  earlyStopped: patience ran out and the best weights are back in the network; diverged: see error. */
  readonly status: 'completed' | 'stopped' | 'earlyStopped' | 'diverged';
  /** Epochs completed, counting initialEpoch. */
  readonly epochs: number;
  readonly history: readonly EpochMetrics[];
  /** Epoch whose weights the network holds after early stopping. */
  readonly bestEpoch?: number;
  /** What early stopping watched, when it was on. */
  readonly monitored?: MonitoredMetric;
  readonly error?: TrainFailure;
}

/** The metric early stopping selects on: validation data when there is any, else the training data (never the test set). */
export interface MonitoredMetric {
  readonly metric: 'loss' | 'accuracy';
  readonly on: 'validation' | 'training';
}

export function monitoredMetric(es: EarlyStoppingConfig, hasValidation: boolean): MonitoredMetric {
  return { metric: es.monitor === 'valAccuracy' ? 'accuracy' : 'loss', on: hasValidation ? 'validation' : 'training' };
}

/** An epoch's sample order and the generator its augmentation draws from: seeded per epoch, so a resumed run shuffles
 *  exactly as an uninterrupted one. The PyTorch export's train.py ports it (epoch_order). */
export function epochRandomness(seed: number, epoch: number, count: number): { order: Int32Array; augmentRng: Rng } {
  const rng = createRng((Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const order = shuffled(count, rng.fork());
  return { order, augmentRng: rng.fork() };
}

function shuffled(count: number, rng: Rng): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function divergence(loss: number, epoch: number, step: number, lr: number): TrainFailure {
  const what = Number.isNaN(loss) ? 'NaN' : 'infinite';
  return {
    epoch,
    step,
    message:
      `training diverged: the loss became ${what} in epoch ${epoch}, step ${step} (learning rate ${lr}). ` +
      `Try a lower learning rate (e.g. ${lr / 10}) or set "clipNorm" in the optimizer.`,
  };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const setupStarted = (options.now ?? Date.now)();
  const frozen = await withFrozenFeatures(options);
  if (!frozen) return { status: 'stopped', epochs: options.initialEpoch ?? 0, history: [] };
  try {
    return await trainOn(options, frozen, setupStarted);
  } finally {
    await frozen.close?.();
  }
}

async function trainOn(options: TrainOptions, frozen: TrainingInputs, setupStarted: number): Promise<TrainResult> {
  const { optimizer } = options;
  const { network, train: data } = frozen;
  // Computing the features is part of the first epoch's time: later epochs show what they save.
  let setupMs = (options.now ?? Date.now)() - setupStarted;
  const loss = options.loss ?? DEFAULT_LOSS;
  const epochs = options.epochs ?? TRAINING_DEFAULTS.epochs;
  const seed = options.seed ?? TRAINING_DEFAULTS.seed;
  const yieldEvery = Math.max(1, options.yieldEvery ?? YIELD_EVERY);
  const now = options.now ?? Date.now;
  const numClasses = network.outputShape[network.outputShape.length - 1];
  const bs = Math.max(1, Math.min(options.batchSize ?? TRAINING_DEFAULTS.batchSize, data.count));
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  const batches = Math.ceil(data.count / bs);
  const reader = new BatchReader(data, bs);
  const { images, labels } = reader;
  const history: EpochMetrics[] = [];
  const evalOptions = { loss, topK: options.topK, yieldToHost: options.yieldToHost, shouldStop: options.shouldStop };

  // Early stopping watches validation data, else the training metrics (saying so once, as Keras warns).
  const es = options.earlyStopping;
  const monitored = es && monitoredMetric(es, (frozen.validation?.count ?? 0) > 0);
  if (monitored?.on === 'training') {
    options.onNotice?.(
      `early stopping monitors the training ${monitored.metric}: there is no validation data (set "validationSplit" to hold some out); the test set is only evaluated, never used to choose weights`,
    );
  }
  let best = Number.NaN;
  let bestEpoch: number | undefined;
  let sinceBest = 0;
  const snapshot = es ? network.params.map((p) => new Float32Array(p.value.length)) : [];
  // Its buffers are made here, once: a measured step allocates nothing.
  const health = options.health && new TrainingHealth(network, options.health.graph, options.health.stepsPerEpoch);

  const done = (status: TrainResult['status'], epochsDone: number, error?: TrainFailure): TrainResult => ({
    status,
    epochs: epochsDone,
    history,
    bestEpoch: status === 'earlyStopped' ? bestEpoch : undefined,
    ...(monitored ? { monitored } : {}),
    error,
  });

  for (let e = options.initialEpoch ?? 0; e < epochs; e++) {
    const epoch = e + 1;
    const started = now() - setupMs;
    setupMs = 0;
    optimizer.learningRate = learningRateAt(optimizer.baseLearningRate, optimizer.schedule, e, epochs);
    const { order, augmentRng } = epochRandomness(seed, e, data.count);
    let lossSum = 0;
    let correct = 0;
    let topHits = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      if (options.shouldStop?.()) return done('stopped', e);
      const n = Math.min(bs, data.count - b * bs);
      await reader.fill(order, b * bs, n, { from: (b + 1) * bs, n: Math.min(bs, data.count - (b + 1) * bs) });
      if (options.augment) options.augment(images, n, augmentRng);
      const y = labels.subarray(0, n);
      network.zeroGrads();
      const measured = health !== undefined && health.monitor.measures(b, batches);
      if (measured) health.monitor.attach();
      let r;
      try {
        r = network.trainBatch({ shape: [n, ...data.shape], data: images.subarray(0, n * size) }, y, loss);
      } finally {
        if (measured) health.monitor.detach();
      }
      // Checked before the update so the weights are not poisoned with NaN.
      if (!Number.isFinite(r.loss)) return done('diverged', e, divergence(r.loss, epoch, b + 1, optimizer.learningRate));
      lossSum += r.loss * n;
      correct += countCorrect(r.outputs.data, y, n, numClasses);
      if (options.topK) topHits += countTopK(r.outputs.data, y, n, numClasses, options.topK);
      seen += n;
      if (measured) health.monitor.afterBackward(n);
      optimizer.step();
      if (measured) health.monitor.afterStep();
      const elapsed = Math.max(1, now() - started) / 1000;
      options.onBatch?.({ epoch, epochs, batch: b + 1, batches, samples: seen, loss: lossSum / seen, accuracy: correct / seen, samplesPerSecond: seen / elapsed });
      if (options.yieldToHost && b % yieldEvery === yieldEvery - 1) await options.yieldToHost();
    }
    let val: Evaluation | undefined;
    let test: Evaluation | undefined;
    if (frozen.validation && frozen.validation.count > 0) val = await evaluate(network, frozen.validation, bs, evalOptions);
    if (frozen.test && frozen.test.count > 0) test = await evaluate(network, frozen.test, bs, evalOptions);
    if (options.shouldStop?.()) return done('stopped', e);
    const metrics: EpochMetrics = {
      epoch,
      learningRate: optimizer.learningRate,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      trainTopK: options.topK ? topHits / seen : undefined,
      valLoss: val?.loss,
      valAccuracy: val?.accuracy,
      valTopK: val?.topK?.accuracy,
      testLoss: test?.loss,
      testAccuracy: test?.accuracy,
      testTopK: test?.topK?.accuracy,
      seconds: (now() - started) / 1000,
    };
    history.push(metrics);
    if (health) options.health?.onEpoch(health.endEpoch(epoch, optimizer.learningRate, history));
    await options.onEpoch?.(metrics, history);
    if (es && monitored) {
      const accuracy = monitored.metric === 'accuracy';
      const watched = monitored.on === 'validation' && val ? val : { loss: metrics.trainLoss, accuracy: metrics.trainAccuracy };
      const value = accuracy ? watched.accuracy : watched.loss;
      const better = bestEpoch === undefined || (accuracy ? value > best : value < best);
      if (better) {
        best = value;
        bestEpoch = epoch;
        sinceBest = 0;
        network.params.forEach((p, i) => snapshot[i].set(p.value));
      } else if (++sinceBest >= es.patience) {
        network.params.forEach((p, i) => p.value.set(snapshot[i]));
        return done('earlyStopped', epoch);
      }
    }
  }
  return done('completed', epochs);
}

interface TrainingInputs {
  readonly network: Network;
  readonly train: Dataset;
  readonly validation?: Dataset;
  readonly test?: Dataset;
  /** Releases what the data holds open (streamed features' file). */
  readonly close?: () => Promise<void>;
}

/** The network and data the loop trains on: the options' own, or the layers after the frozen prefix and every
 *  sample's features (TrainOptions.frozenFeatures), read from its store or computed (and stored). Undefined when
 *  stopped while computing them. */
async function withFrozenFeatures(o: TrainOptions): Promise<TrainingInputs | undefined> {
  const plain = { network: o.network, train: o.train, validation: o.validation, test: o.test };
  const after = o.network.frozenPrefix;
  if (!o.frozenFeatures || after === undefined) return plain;
  const name = o.network.layers[after]!.name;
  const say = (m: string, fromCache = false): void => o.frozenFeatures?.onNotice?.(m, fromCache);
  if (o.augment) {
    say(`the layers up to ${name} are frozen, but augmentation changes every sample: they run every step (inference mode, no weight gradients)`);
    return plain;
  }
  const sets = [o.train, o.validation, o.test];
  const total = sets.reduce((n, d) => n + (d?.count ?? 0), 0);
  const size = featureSize(o.network, after);
  const bytes = size * 4 * total;
  const store = o.frozenFeatures.store;
  const bs = Math.max(1, o.batchSize ?? TRAINING_DEFAULTS.batchSize);
  if (bytes > o.frozenFeatures.maxBytes) {
    const how = `${formatBytes(bytes)}, more than the budget: streamed from the data cache`;
    const streamed =
      store &&
      (await streamedFeatures(o.network, after, sets, store, bs, {
        yieldToHost: o.yieldToHost,
        shouldStop: o.shouldStop,
        onProgress: o.frozenFeatures.onProgress,
        onStart: (missing) => {
          if (missing === 0) say(`the layers up to ${name} are frozen: their outputs for ${total} samples come from the data cache (${how}); the epochs train only the layers after it`, true);
          else if (missing === total) say(`the layers up to ${name} are frozen: computing their output once per sample (${total} samples, ${how}); the epochs train only the layers after it`);
          else say(`the layers up to ${name} are frozen: their outputs for ${total - missing} samples come from the data cache, computing them for ${missing} (${how}); the epochs train only the layers after it`);
        },
      }));
    if (streamed === 'stopped') return undefined;
    if (streamed) {
      const [train, validation, test] = streamed.sets;
      if (train) return { network: o.network.from(after), train, validation, test, close: streamed.close };
      await streamed.close();
    }
    say(`the layers up to ${name} are frozen, but their outputs for ${total} samples would take ${formatBytes(bytes)} (more than ${formatBytes(o.frozenFeatures.maxBytes)}): they run every step`);
    return plain;
  }
  const stored = await readStoredFeatures(sets, size, store);
  const missing = sets.reduce((n, d, i) => n + (d && !stored.done[i] ? d.count : 0), 0);
  const kept = store ? ' (stored in the data cache for the next runs)' : '';
  if (missing === 0) say(`the layers up to ${name} are frozen: their outputs for ${total} samples come from the data cache (${formatBytes(bytes)}); the epochs train only the layers after it`, true);
  else if (missing === total) say(`the layers up to ${name} are frozen: computing their output once per sample (${total} samples, ${formatBytes(bytes)}); the epochs train only the layers after it${kept}`);
  else say(`the layers up to ${name} are frozen: their outputs for ${total - missing} samples come from the data cache, computing them for ${missing} (${formatBytes(bytes)} in all); the epochs train only the layers after it${kept}`);
  const progress = { done: 0, total: missing };
  const out: (Dataset | undefined)[] = [];
  for (let i = 0; i < sets.length; i++) {
    const d = sets[i];
    const into = stored.features[i];
    if (!d || !into) {
      out.push(undefined);
      continue;
    }
    if (stored.done[i]) {
      out.push(featureDataset(o.network, after, d, into));
      continue;
    }
    const f = await computeFeatures(o.network, after, d, bs, { yieldToHost: o.yieldToHost, shouldStop: o.shouldStop, onProgress: o.frozenFeatures?.onProgress, into }, progress);
    if (!f) return undefined;
    out.push(f);
  }
  if (store) await storeComputed(sets, stored, size, store);
  const [train, validation, test] = out;
  if (!train) return undefined;
  return { network: o.network.from(after), train, validation, test };
}
