// `cnn train <model.cnn.json>`: loads the model's training data, trains with a progress bar on stderr,
// checkpoints after every epoch (weights, optimizer state, train.json beside the model), and stops
// cleanly on Ctrl+C keeping the last finished epoch.
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { makeAugmenter } from '../data/augment';
import { loadDataSource, splitDataset, type LoadedData } from '../data/load';
import { readOptimizerState, readTrainState, readWeights, saveCheckpoint, saveWeights, weightsPath, writeTrainState, type TrainState } from '../data/weightsFile';
import type { Dataset } from '../engine/dataset';
import { buildNetwork } from '../engine/network';
import { createOptimizer } from '../engine/optimizers';
import { createRng } from '../engine/rng';
import { train, TRAINING_DEFAULTS, type EpochMetrics, type TrainResult } from '../engine/train';
import { loadWeightsInto, WeightsError } from '../engine/weights';
import { inferShapes } from '../model/shapes';
import type { DataSource, Model } from '../model/types';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { createProgressBar, formatEpochLine, intOption } from './progress';

const USAGE = 'usage: cnn train <model.cnn.json> [--epochs N] [--resume] [--limit N] [--json]';

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args);
  if (positionals.length !== 1) throw new UserError(USAGE);
  const modelPath = positionals[0];
  const model = loadValidModel(modelPath, io);
  const t = model.training ?? {};
  if (!t.data) throw new UserError(`${modelPath}: no "training.data" (add { "train": "<folder or IDX pair>" })`);
  const epochs = intOption(values.epochs, '--epochs', 1) ?? t.epochs ?? TRAINING_DEFAULTS.epochs;
  const limit = intOption(values.limit, '--limit', 1);
  const seed = t.seed ?? TRAINING_DEFAULTS.seed;
  const log = values.json ? io.err : io.out;

  const modelDir = dirname(modelPath);
  const shape = model.input.shape;
  const load = async (source: DataSource): Promise<LoadedData> => {
    try {
      const d = await loadDataSource(source, modelDir, shape, { limit });
      for (const w of d.warnings) io.err(`warning: ${w}`);
      return d;
    } catch (e) {
      throw new UserError(e instanceof Error ? e.message : String(e));
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
    throw new UserError(`${modelPath}: the data has ${all.classes.length} classes but the last layer has ${units} units`);
  }
  const network = buildNetwork(model, analysis, seed);
  const optimizer = createOptimizer(t.optimizer, network.params);
  const now = new Date().toISOString();
  let state: TrainState | undefined;
  let history: EpochMetrics[] = [];
  let initialEpoch = 0;
  if (values.resume) {
    state = await resumeInto(modelPath, model, network.params, optimizer);
    history = [...state.history];
    initialEpoch = state.epoch;
    if (initialEpoch >= epochs) {
      log(`${model.name}: already trained ${initialEpoch} epochs; pass --epochs N (N > ${initialEpoch}) to train longer`);
      return 0;
    }
    log(`resuming ${model.name} after epoch ${initialEpoch} of ${epochs}`);
  }
  log(`training ${model.name}: ${all.description}${validation ? ` (${validation.count} held out for validation)` : ''}${test ? `; test ${test.description}` : ''}`);

  // Ctrl+C: finish the current batch, keep the last checkpoint. A second Ctrl+C quits at once.
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    io.err('\nstopping… (Ctrl+C again to quit immediately)');
  };
  process.on('SIGINT', onSigint);
  const bar = createProgressBar(values.json ? undefined : process.stderr);
  const started = Date.now();
  const baseState = {
    epochs,
    seed,
    data: { train: all.description, validation: validation && `${validation.count} samples held out`, test: test?.description, limit },
    classes: all.classes,
    startedAt: state?.startedAt ?? now,
  };
  let result: TrainResult;
  try {
    result = await train({
      network,
      optimizer,
      train: trainSet,
      validation,
      test,
      loss: t.loss,
      batchSize: t.batchSize,
      epochs,
      initialEpoch,
      seed,
      earlyStopping: t.earlyStopping,
      topK: t.topK,
      augment: t.augmentation ? makeAugmenter(t.augmentation, shape) : undefined,
      onBatch: (p) => bar.update(p),
      onEpoch: async (m) => {
        bar.clear();
        history.push(m);
        log(formatEpochLine(m, epochs));
        try {
          state = await saveCheckpoint(modelPath, {
            model,
            params: network.params,
            optimizer: optimizer.exportState(),
            classes: all.classes,
            state: { ...baseState, epoch: m.epoch, status: 'running', history },
          });
        } catch (e) {
          throw new UserError(`cannot save the checkpoint beside ${modelPath}: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
      shouldStop: () => stopRequested,
      yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
    });
  } finally {
    bar.clear();
    process.off('SIGINT', onSigint);
  }
  const seconds = (Date.now() - started) / 1000;
  if (state) await writeTrainState(modelPath, { ...state, status: result.status === 'completed' ? 'completed' : result.status });
  if (result.status === 'earlyStopped' && result.bestEpoch !== undefined) {
    await saveWeights(modelPath, model, network.params, all.classes);
    log(`early stopping: no improvement for ${t.earlyStopping?.patience} epoch${t.earlyStopping?.patience === 1 ? '' : 's'}; kept the weights of epoch ${result.bestEpoch}`);
  }
  if (result.status === 'stopped') log(`stopped after ${result.epochs} completed epoch${result.epochs === 1 ? '' : 's'}${state ? `; weights in ${weightsPath(modelPath)} (continue with --resume)` : ''}`);
  else if (state) log(`weights saved to ${weightsPath(modelPath)}`);
  const last = history[history.length - 1];
  if (values.json) {
    io.out(
      JSON.stringify({
        status: result.status,
        epochs: result.epochs,
        trainLoss: last?.trainLoss ?? null,
        trainAccuracy: last?.trainAccuracy ?? null,
        valAccuracy: last?.valAccuracy ?? null,
        testAccuracy: last?.testAccuracy ?? null,
        seconds: Math.round(seconds * 1000) / 1000,
      }),
    );
  }
  if (result.error) {
    io.err(`${modelPath}: ${result.error.message}`);
    return 1;
  }
  return result.status === 'stopped' ? 130 : 0;
}

function parseCli(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { epochs: { type: 'string' }, limit: { type: 'string' }, resume: { type: 'boolean' }, json: { type: 'boolean' } },
    });
  } catch (e) {
    throw new UserError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
}

/** Loads weights and optimizer state of the last checkpoint into the fresh network/optimizer. */
async function resumeInto(modelPath: string, model: Model, params: Parameters<typeof loadWeightsInto>[1], optimizer: ReturnType<typeof createOptimizer>): Promise<TrainState> {
  try {
    const state = await readTrainState(modelPath);
    const weights = await readWeights(modelPath);
    const opt = await readOptimizerState(modelPath);
    if (!state || !weights || !opt) throw new UserError(`${modelPath}: nothing to resume (no complete checkpoint beside the model; train without --resume first)`);
    loadWeightsInto(model, params, weights);
    optimizer.importState(opt.state);
    return state;
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof WeightsError || e instanceof Error) throw new UserError(`${modelPath}: cannot resume: ${e.message}`);
    throw e;
  }
}
