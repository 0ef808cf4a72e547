// One training run of a model file, shared by `cnn train` and the VS Code training worker so both load,
// split, resume, checkpoint and finish a run the same way. The front ends only print: they pass callbacks.
import { dirname } from 'node:path';
import type { Dataset } from '../engine/dataset';
import { buildNetwork, type Network } from '../engine/network';
import { createOptimizer, type Optimizer } from '../engine/optimizers';
import { createRng } from '../engine/rng';
import { train, TRAINING_DEFAULTS, type BatchProgress, type EpochMetrics, type TrainResult } from '../engine/train';
import { loadWeightsInto, WeightsError } from '../engine/weights';
import { inferShapes } from '../model/shapes';
import type { DataSource, Model } from '../model/types';
import { makeAugmenter } from './augment';
import { loadDataSource, splitDataset, type LoadedData } from './load';
import { readOptimizerState, readTrainState, readWeights, saveCheckpoint, saveWeights, writeTrainState, type TrainState } from './weightsFile';

/** A problem the user can fix (missing data, nothing to resume, unwritable folder): shown as one line. */
export class TrainingSetupError extends Error {}

export interface SessionOptions {
  readonly modelPath: string;
  /** The validated model (a snapshot: later edits of the file do not affect this run). */
  readonly model: Model;
  /** Overrides `training.epochs` (total, counting resumed epochs). */
  readonly epochs?: number;
  /** Keep only the first N samples of each data source. */
  readonly limit?: number;
  readonly resume?: boolean;
  /** Non-fatal data problems (skipped files), as they are found. */
  readonly onWarning?: (message: string) => void;
}

export interface PreparedSession {
  readonly modelPath: string;
  readonly model: Model;
  readonly epochs: number;
  readonly seed: number;
  readonly limit?: number;
  readonly all: LoadedData;
  readonly trainSet: Dataset;
  readonly validation?: Dataset;
  readonly test?: LoadedData;
  readonly network: Network;
  readonly optimizer: Optimizer;
  /** Epochs already done (resume), 0 for a fresh run. */
  readonly initialEpoch: number;
  /** The checkpoint resumed from. */
  readonly resumed?: TrainState;
  /** "training lenet5: <train data> (N held out for validation); test <test data>" */
  readonly description: string;
}

export interface RunCallbacks {
  readonly onBatch?: (p: BatchProgress) => void;
  /** Before the epoch's checkpoint is written. */
  readonly onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  readonly shouldStop?: () => boolean;
  readonly yieldToHost?: () => Promise<void>;
  /** Batches between yields: 1 in the worker, so a stop request is seen after at most one batch. */
  readonly yieldEvery?: number;
}

export interface SessionResult {
  readonly result: TrainResult;
  /** train.json as last written; undefined when no epoch completed. */
  readonly state?: TrainState;
  /** Every epoch of the model's history, resumed ones included. */
  readonly history: readonly EpochMetrics[];
  readonly seconds: number;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function prepareSession(o: SessionOptions): Promise<PreparedSession> {
  const { modelPath, model, limit } = o;
  const t = model.training ?? {};
  if (!t.data) throw new TrainingSetupError(`${modelPath}: no "training.data" (add { "train": "<folder or IDX pair>" })`);
  const epochs = o.epochs ?? t.epochs ?? TRAINING_DEFAULTS.epochs;
  const seed = t.seed ?? TRAINING_DEFAULTS.seed;
  const modelDir = dirname(modelPath);
  const load = async (source: DataSource): Promise<LoadedData> => {
    try {
      const d = await loadDataSource(source, modelDir, model.input.shape, { limit });
      for (const w of d.warnings) o.onWarning?.(w);
      return d;
    } catch (e) {
      throw new TrainingSetupError(message(e));
    }
  };
  const all = await load(t.data.train);
  const test = t.data.test !== undefined ? await load(t.data.test) : undefined;
  let trainSet: Dataset = all;
  let validation: Dataset | undefined;
  if (t.validationSplit) ({ train: trainSet, validation } = splitDataset(all, t.validationSplit, createRng(seed)));

  const analysis = inferShapes(model);
  const units = analysis.outputShape?.[analysis.outputShape.length - 1] ?? 0;
  if (all.classes.length > Math.max(units, 2)) {
    throw new TrainingSetupError(`${modelPath}: the data has ${all.classes.length} classes but the last layer has ${units} units`);
  }
  const network = buildNetwork(model, analysis, seed);
  const optimizer = createOptimizer(t.optimizer, network.params);
  const resumed = o.resume ? await resumeInto(modelPath, model, network, optimizer) : undefined;
  const description =
    `training ${model.name}: ${all.description}${validation ? ` (${validation.count} held out for validation)` : ''}` +
    `${test ? `; test ${test.description}` : ''}`;
  return { modelPath, model, epochs, seed, limit, all, trainSet, validation, test, network, optimizer, initialEpoch: resumed?.epoch ?? 0, resumed, description };
}

/** Trains from initialEpoch to epochs, checkpointing after every epoch, and records how the run ended. */
export async function runSession(p: PreparedSession, cb: RunCallbacks = {}): Promise<SessionResult> {
  const { modelPath, model, network, optimizer, all } = p;
  const t = model.training ?? {};
  const history: EpochMetrics[] = [...(p.resumed?.history ?? [])];
  let state = p.resumed;
  const baseState = {
    epochs: p.epochs,
    seed: p.seed,
    data: { train: all.description, validation: p.validation && `${p.validation.count} samples held out`, test: p.test?.description, limit: p.limit },
    classes: all.classes,
    startedAt: state?.startedAt ?? new Date().toISOString(),
  };
  const started = Date.now();
  const result = await train({
    network,
    optimizer,
    train: p.trainSet,
    validation: p.validation,
    test: p.test,
    loss: t.loss,
    batchSize: t.batchSize,
    epochs: p.epochs,
    initialEpoch: p.initialEpoch,
    seed: p.seed,
    earlyStopping: t.earlyStopping,
    topK: t.topK,
    augment: t.augmentation ? makeAugmenter(t.augmentation, model.input.shape) : undefined,
    onBatch: cb.onBatch,
    onEpoch: async (m) => {
      history.push(m);
      await cb.onEpoch?.(m);
      try {
        state = await saveCheckpoint(modelPath, {
          model,
          params: network.params,
          optimizer: optimizer.exportState(),
          classes: all.classes,
          state: { ...baseState, epoch: m.epoch, status: 'running', history },
        });
      } catch (e) {
        throw new TrainingSetupError(`cannot save the checkpoint beside ${modelPath}: ${message(e)}`);
      }
    },
    shouldStop: cb.shouldStop,
    yieldToHost: cb.yieldToHost,
    yieldEvery: cb.yieldEvery,
  });
  const seconds = (Date.now() - started) / 1000;
  if (state) {
    state = { ...state, status: result.status };
    await writeTrainState(modelPath, state);
  }
  // Early stopping restored the best weights after the last checkpoint: they are the ones to keep.
  if (result.status === 'earlyStopped' && result.bestEpoch !== undefined) await saveWeights(modelPath, model, network.params, all.classes);
  return { result, state, history, seconds };
}

/** Loads weights and optimizer state of the last checkpoint into the fresh network/optimizer. */
async function resumeInto(modelPath: string, model: Model, network: Network, optimizer: Optimizer): Promise<TrainState> {
  try {
    const state = await readTrainState(modelPath);
    const weights = await readWeights(modelPath);
    const opt = await readOptimizerState(modelPath);
    if (!state || !weights || !opt) throw new TrainingSetupError(`${modelPath}: nothing to resume (no complete checkpoint beside the model; train without --resume first)`);
    loadWeightsInto(model, network.params, weights);
    optimizer.importState(opt.state);
    return state;
  } catch (e) {
    if (e instanceof TrainingSetupError) throw e;
    if (e instanceof WeightsError || e instanceof Error) throw new TrainingSetupError(`${modelPath}: cannot resume: ${e.message}`);
    throw e;
  }
}
