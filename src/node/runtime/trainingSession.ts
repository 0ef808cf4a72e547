// One training run of a model file, shared by `cnn train` and the VS Code training worker so both load,
// split, resume, checkpoint and finish a run the same way. The front ends only print: they pass callbacks.
import { totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isInMemory, memoryBytesOf, type Dataset } from '../../engine/dataset';
import { buildNetwork, type Network } from '../../engine/network';
import { createOptimizer, type Optimizer } from '../../engine/optimizers';
import { createRng } from '../../engine/rng';
import { inputResize, TRAINING_DEFAULTS } from '../../model/defaults';
import { monitoredMetric, train, type BatchProgress, type EpochMetrics, type MonitoredMetric, type TrainResult } from '../../engine/train';
import type { EpochHealth } from '../../engine/health';
import type { FeatureProgress } from '../../engine/frozenFeatures';
import { loadMatchingWeights, loadWeightsInto, type WarmStart } from '../../engine/weights';
import type { ModelAnalysis } from '../../model/analysis';
import { estimateTrainingMemory, type MemoryOptions } from '../../engine/plan/memory';
import { memoryVerdict } from '../../engine/plan/memoryVerdict';
import { inferShapes } from '../../model/shapes';
import type { DataSource, Model } from '../../model/types';
import { makeAugmenter } from '../datasets/augment';
import { defaultDataMemoryBytes } from '../datasets/dataMemory';
import { DiskFeatureStore, type BackboneIdentity } from '../datasets/cache/featureStore';
import { datasetCacheDir } from '../datasets/cache/location';
import { getKernels } from '../../engine/kernels';
import { loadDataSource, splitDataset, type LoadedData } from '../datasets/load';
import { DataLoadCancelled, type DataProgress } from '../datasets/progress';
import { checkCheckpointRoom, removeStaleTempFiles } from '../checkpoint/preflight';
import type { Checkpoint } from '../checkpoint/weightsFile';
import { InitialWeightsError, loadInitialWeights, type InitialWeights } from '../checkpoint/initialWeights';
import { optimizerStatePath, readOptimizerState, readTrainState, readWeights, saveCheckpoint, trainStatePath, weightsPath, writeTrainState, type TrainState } from '../checkpoint/weightsFile';

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
  /** Start from the weights beside the model where names and shapes match (after an architecture edit); the rest
   *  from the seed. The optimizer and the epoch count start afresh. */
  readonly warmStart?: boolean;
  /** Non-fatal data problems (skipped files), as they are found. */
  readonly onWarning?: (message: string) => void;
  /** The machine's memory (default os.totalmem()): training refuses to need more than half of it. */
  readonly machineMemoryBytes?: number;
  /** Image folders being prepared (decoded, or read from the dataset cache): at most every 100 ms, and once when
   *  a source is ready. */
  readonly onDataProgress?: (p: DataProgress) => void;
  /** Checked while the data is prepared: true ends prepareSession with DataLoadCancelled (decoded images stay
   *  cached). */
  readonly shouldStopLoading?: () => boolean;
  /** Bytes the samples may take in memory; image folders beyond it stream from the dataset cache (default
   *  datasets/dataMemory.ts). `dataMemorySetting` names where the user sets it, for messages. */
  readonly dataMemoryBytes?: number;
  readonly dataMemorySetting?: string;
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
  /** The model's analysis the network was built from (its graph: training health follows its paths). */
  readonly analysis: ModelAnalysis;
  readonly optimizer: Optimizer;
  /** Epochs already done (resume), 0 for a fresh run. */
  readonly initialEpoch: number;
  /** The checkpoint resumed from. */
  readonly resumed?: TrainState;
  /** What a warm start took from the weights beside the model. */
  readonly warmStarted?: WarmStart;
  /** What a new run took from `training.initialWeights` (not on resume). */
  readonly initialWeights?: InitialWeights;
  /** "training lenet5: <train data> (N held out for validation); test <test data>" */
  readonly description: string;
  /** Bytes the samples (or a frozen backbone's outputs for them) may take in memory. */
  readonly dataMemoryBytes: number;
}

export interface RunCallbacks {
  readonly onBatch?: (p: BatchProgress) => void;
  /** Before the epoch's checkpoint is written. */
  readonly onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /** Training health of each epoch (engine/health), just before onEpoch; without it nothing is measured. */
  readonly onHealth?: (h: EpochHealth) => void;
  readonly shouldStop?: () => boolean;
  readonly yieldToHost?: () => Promise<void>;
  /** Batches between yields: 1 in the worker, so a stop request is seen after at most one batch. */
  readonly yieldEvery?: number;
  /** Said once before training, e.g. that early stopping has no validation data to watch. */
  readonly onNotice?: (message: string) => void;
  /** Whether a frozen backbone's outputs are computed once per sample (engine/frozenFeatures), and why not;
   *  `fromCache`: all of them are read from the data cache. */
  readonly onFrozenFeatures?: (message: string, fromCache: boolean) => void;
  /** While they are computed (before the first epoch's batches). */
  readonly onFeatureProgress?: (p: FeatureProgress) => void;
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
  if (o.resume && o.warmStart) throw new TrainingSetupError(`${modelPath}: resume continues a checkpoint as it is; a warm start begins a new run from its weights: choose one`);
  if (!t.data) throw new TrainingSetupError(`${modelPath}: no "training.data" (add { "train": "<folder or IDX pair>" })`);
  const epochs = o.epochs ?? t.epochs ?? TRAINING_DEFAULTS.epochs;
  const seed = t.seed ?? TRAINING_DEFAULTS.seed;
  const modelDir = dirname(modelPath);
  const dataMemoryBytes = o.dataMemoryBytes ?? defaultDataMemoryBytes(o.machineMemoryBytes);
  const load = async (source: DataSource): Promise<LoadedData> => {
    try {
      const d = await loadDataSource(source, modelDir, model.input.shape, {
        limit,
        onProgress: o.onDataProgress,
        shouldStop: o.shouldStopLoading,
        memoryBudget: dataMemoryBytes,
        budgetSetting: o.dataMemorySetting,
        policy: inputResize(model.input),
      });
      for (const w of d.warnings) o.onWarning?.(w);
      if (d.prepared) o.onDataProgress?.(d.prepared);
      return d;
    } catch (e) {
      if (e instanceof DataLoadCancelled) throw e;
      throw new TrainingSetupError(message(e));
    }
  };
  // Refuse what cannot fit before loading data or allocating; again once the data's size is known.
  const analysis = inferShapes(model);
  checkMemory(modelPath, analysis, model, o.machineMemoryBytes);
  const all = await load(t.data.train);
  const test = t.data.test !== undefined ? await load(t.data.test) : undefined;
  let trainSet: Dataset = all;
  let validation: Dataset | undefined;
  if (t.validationSplit) ({ train: trainSet, validation } = splitDataset(all, t.validationSplit, createRng(seed)));
  if (trainSet.count === 0) {
    throw new TrainingSetupError(
      `${modelPath}: "validationSplit": ${t.validationSplit} of ${all.count} sample${all.count === 1 ? '' : 's'} leaves no training samples (${validation?.count ?? 0} held out for validation); lower it or add data`,
    );
  }
  checkMemory(modelPath, analysis, model, o.machineMemoryBytes, { samples: all.count + (test?.count ?? 0), dataBytes: memoryBytesOf(all) + (test ? memoryBytesOf(test) : 0), streamed: !isInMemory(all) || (test !== undefined && !isInMemory(test)) });
  checkClasses(modelPath, all.classes, analysis.outputShape?.[analysis.outputShape.length - 1] ?? 0, o.onWarning);
  let network: Network;
  try {
    network = buildNetwork(model, analysis, seed);
  } catch (e) {
    // The memory estimate refuses what cannot fit; this catches what an allocator still refuses.
    if (e instanceof RangeError) throw new TrainingSetupError(`${modelPath}: cannot allocate the network's buffers (${e.message}); reduce units, filters or the batch size`);
    throw e;
  }
  const optimizer = createOptimizer(t.optimizer, network.params);
  // A new run starts from the pretrained weights the model names; a warm start or a resume loads over them.
  const initialWeights = o.resume ? undefined : await loadInitialWeights(modelPath, model, network).catch((e: unknown) => {
    throw e instanceof InitialWeightsError ? new TrainingSetupError(e.message) : e;
  });
  if (initialWeights && initialWeights.frozenFresh.length > 0) {
    const list = initialWeights.frozenFresh.slice(0, 5).join(', ') + (initialWeights.frozenFresh.length > 5 ? `, and ${initialWeights.frozenFresh.length - 5} more` : '');
    o.onWarning?.(`${initialWeights.path} has nothing for ${initialWeights.frozenFresh.length} parameter${initialWeights.frozenFresh.length === 1 ? '' : 's'} of frozen layers (${list}): they keep their random initial values and never learn`);
  }
  const resumed = o.resume ? await resumeInto(modelPath, model, network, optimizer) : undefined;
  const warmStarted = o.warmStart ? await warmStartInto(modelPath, network) : undefined;
  await prepareCheckpointFolder(modelPath, network, optimizer, o.onWarning);
  const monitored = t.earlyStopping && monitoredMetric(t.earlyStopping, (validation?.count ?? 0) > 0);
  const description =
    `training ${model.name}: ${all.description}${validation ? ` (${validation.count} held out for validation)` : ''}` +
    `${test ? `; test ${test.description} (evaluated only)` : ''}` +
    `${monitored ? `; early stopping on ${monitoredLabel(monitored)}` : ''}`;
  return { modelPath, model, epochs, seed, limit, all, trainSet, validation, test, network, analysis, optimizer, initialEpoch: resumed?.epoch ?? 0, resumed, ...(warmStarted ? { warmStarted } : {}), ...(initialWeights ? { initialWeights } : {}), description, dataMemoryBytes };
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
  // Its problems (a damaged file, a full disk) are notices: the frozen-features line keeps saying what training does.
  const onFrozen = cb.onFrozenFeatures;
  const featureStore = frozenFeatureStore(p, cb.onNotice ?? (onFrozen && ((m: string) => onFrozen(m, false))));
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
    onNotice: cb.onNotice,
    topK: t.topK,
    augment: t.augmentation ? makeAugmenter(t.augmentation, model.input.shape) : undefined,
    onBatch: cb.onBatch,
    health: cb.onHealth && { graph: p.analysis.layers, onEpoch: cb.onHealth },
    onEpoch: async (m) => {
      history.push(m);
      await cb.onEpoch?.(m);
      state = await checkpoint({ ...baseState, epoch: m.epoch, status: 'running', history });
    },
    shouldStop: cb.shouldStop,
    yieldToHost: cb.yieldToHost,
    yieldEvery: cb.yieldEvery,
    frozenFeatures: { maxBytes: p.dataMemoryBytes, onNotice: cb.onFrozenFeatures, onProgress: cb.onFeatureProgress, ...(featureStore ? { store: featureStore } : {}) },
  });
  await featureStore?.prune();
  const seconds = (Date.now() - started) / 1000;
  if (state && result.status === 'earlyStopped' && result.bestEpoch !== undefined) {
    // Early stopping put the best weights back after the last checkpoint: they become a checkpoint of their own.
    const selection = { bestEpoch: result.bestEpoch, on: result.monitored ? monitoredLabel(result.monitored) : 'validation loss' };
    state = await checkpoint({ ...baseState, epoch: result.epochs, status: 'earlyStopped', selection, history });
  } else if (state) {
    state = { ...state, status: result.status };
    await writeTrainState(modelPath, state).catch((e: unknown) => {
      throw new TrainingSetupError(message(e));
    });
  }
  return { result, state, history, seconds };

  async function checkpoint(s: Checkpoint['state']): Promise<TrainState> {
    try {
      return await saveCheckpoint(modelPath, { model, params: network.params, optimizer: optimizer.exportState(), classes: all.classes, state: s });
    } catch (e) {
      throw new TrainingSetupError(`cannot save the checkpoint of ${modelPath}: ${message(e)}`);
    }
  }
}

/** The data cache's store of the frozen layers' outputs (node/datasets/cache/featureStore), keyed by those layers
 *  as the run has them once its weights are loaded; none when the network has no frozen prefix. */
function frozenFeatureStore(p: PreparedSession, onNotice?: (message: string) => void): DiskFeatureStore | undefined {
  const after = p.network.frozenPrefix;
  if (after === undefined) return undefined;
  const identity = (): BackboneIdentity => ({
    model: p.model.name,
    modelPath: resolve(p.modelPath),
    cut: p.network.layers[after]!.name,
    config: JSON.stringify({ input: p.model.input, resize: inputResize(p.model.input), layers: p.model.layers.slice(0, after + 1) }),
    params: p.network.layers.slice(0, after + 1).flatMap((l) => l.params.map((x) => x.value)),
    kernels: getKernels().name,
  });
  return new DiskFeatureStore(datasetCacheDir(), identity, (m) => onNotice?.(m));
}

/** "validation loss", "training accuracy": what early stopping selects the weights on. */
export function monitoredLabel(m: MonitoredMetric): string {
  return `${m.on} ${m.metric}`;
}

function checkMemory(modelPath: string, analysis: ModelAnalysis, model: Model, machineBytes = totalmem(), data: MemoryOptions = {}): void {
  const verdict = memoryVerdict(estimateTrainingMemory(analysis, model.training, data), machineBytes);
  if (!verdict.ok) throw new TrainingSetupError(`${modelPath}: ${verdict.message}`);
}

/** The data's classes against the output layer: more classes than outputs cannot train; fewer is worth a word. */
function checkClasses(modelPath: string, classes: readonly string[], units: number, onWarning?: (message: string) => void): void {
  // One sigmoid unit serves two classes.
  const outputs = units === 1 ? 2 : units;
  const found = `${classes.length} class${classes.length === 1 ? '' : 'es'}`;
  if (classes.length > outputs) throw new TrainingSetupError(`${modelPath}: the data has ${found} but the last layer has ${units} units`);
  if (classes.length < outputs) {
    const list = classes.length <= 10 ? ` (${classes.join(', ')})` : '';
    onWarning?.(`the training data has ${found}${list} but the last layer has ${units} units: ${outputs - classes.length} of them will never be the right answer`);
  }
}

/** Clears what a killed save left behind, then checks the folder takes a whole checkpoint before the first epoch. */
async function prepareCheckpointFolder(modelPath: string, network: Network, optimizer: Optimizer, onWarning?: (message: string) => void): Promise<void> {
  const removed = await removeStaleTempFiles(modelPath);
  if (removed.length > 0) onWarning?.(`removed ${removed.length} temporary file${removed.length === 1 ? '' : 's'} an interrupted save left beside ${modelPath}`);
  const floats = (xs: Iterable<{ length: number }>): number => {
    let n = 0;
    for (const x of xs) n += x.length;
    return n;
  };
  // Weights and optimizer slots as float32, plus headers and train.json (a few hundred bytes an epoch).
  const bytes = 4 * (floats(network.params.map((p) => p.value)) + floats(Object.values(optimizer.exportState().slots))) + 256 * 1024;
  try {
    await checkCheckpointRoom(modelPath, bytes);
  } catch (e) {
    throw new TrainingSetupError(message(e));
  }
}

async function warmStartInto(modelPath: string, network: Network): Promise<WarmStart> {
  try {
    const weights = await readWeights(modelPath);
    if (!weights) throw new TrainingSetupError(`${modelPath}: no weights to start from (${weightsPath(modelPath)} does not exist; train without --warm-start first)`);
    return loadMatchingWeights(network.params, weights);
  } catch (e) {
    if (e instanceof TrainingSetupError) throw e;
    throw new TrainingSetupError(`${modelPath}: cannot warm-start from ${weightsPath(modelPath)}: ${message(e)}`);
  }
}

/** Loads weights and optimizer state of the last checkpoint into the fresh network/optimizer, after checking the three files are one checkpoint. */
async function resumeInto(modelPath: string, model: Model, network: Network, optimizer: Optimizer): Promise<TrainState> {
  try {
    const state = await readTrainState(modelPath);
    const weights = await readWeights(modelPath);
    const opt = await readOptimizerState(modelPath);
    if (!state || !weights || !opt) throw new TrainingSetupError(`${modelPath}: nothing to resume (no complete checkpoint beside the model; train without --resume first)`);
    const ids = { weights: weights.metadata.checkpoint, optimizer: opt.checkpoint, state: state.checkpoint };
    const mixed =
      ids.weights !== ids.state || ids.optimizer !== ids.state
        ? `${weightsPath(modelPath)} is from checkpoint ${ids.weights ?? '(none)'}, ${optimizerStatePath(modelPath)} from ${ids.optimizer ?? '(none)'} and ${trainStatePath(modelPath)} from ${ids.state ?? '(none)'}`
        : opt.state.step !== state.optimizer.step
          ? `${optimizerStatePath(modelPath)} is at step ${opt.state.step} but ${trainStatePath(modelPath)} says ${state.optimizer.step}`
          : undefined;
    if (mixed) {
      throw new TrainingSetupError(`${modelPath}: cannot resume: the checkpoint files do not belong together (${mixed}); a save was interrupted. Train again without --resume.`);
    }
    const named = (path: string, load: () => void): void => {
      try {
        load();
      } catch (e) {
        throw new Error(`${path}: ${message(e)}`);
      }
    };
    named(weightsPath(modelPath), () => loadWeightsInto(model, network.params, weights));
    named(optimizerStatePath(modelPath), () => optimizer.importState(opt.state));
    return state;
  } catch (e) {
    if (e instanceof TrainingSetupError) throw e;
    if (e instanceof Error) throw new TrainingSetupError(`${modelPath}: cannot resume: ${e.message}`);
    throw e;
  }
}
