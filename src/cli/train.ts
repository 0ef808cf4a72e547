// `cnn train <model.cnn.json>`: loads the model's training data, trains with a progress bar on stderr,
// checkpoints after every epoch (weights, optimizer state, train.json beside the model), and stops
// cleanly on Ctrl+C keeping the last finished epoch. The run itself is data/trainingSession (shared with
// the VS Code worker); this file only parses options and prints.
import { defaultThreads } from '../node/runtime/kernelThreads';
import { activeKernels, describeKernelsAndThreads, kernelsRequestFromEnv, loadKernelsWithThreads, withKernels } from '../node/runtime/loadKernels';
import { prepareSession, runSession, TrainingSetupError, type PreparedSession, type SessionResult } from '../node/runtime/trainingSession';
import { weightsPath } from '../node/checkpoint/weightsFile';
import { formatBytes } from '../model/format';
import { TRAINING_SPEC } from '../model/modelSpec';
import { DATA_MEMORY_OPTION, dataMemory, LIMIT_OPTION, THREADS_OPTION } from './commonOptions';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { formatLimits, parseCommandLine, type CommandSpec, type OptionValues } from './options';
import { createDataProgress, createProgressBar, formatEpochLine } from './progress';
import { DataLoadCancelled, formatFeatureProgress } from '../node/datasets/progress';
import { StreamReadError } from '../node/datasets/cache/packStore';
import type { Model } from '../model/types';

export const spec = {
  name: 'train',
  operands: [{ name: '<model.cnn.json>' }],
  summary: 'trains on training.data with a progress bar; checkpoints each epoch; Ctrl+C stops cleanly',
  options: {
    epochs: { kind: 'integer', ...formatLimits(TRAINING_SPEC.fields.epochs), placeholder: 'N', help: 'epochs in all, overriding training.epochs' },
    resume: { kind: 'boolean', help: 'continue from the checkpoint beside the model' },
    'warm-start': { kind: 'boolean', help: 'a new run starting from the weights beside the model, by layer name (after inserting or moving layers)' },
    limit: LIMIT_OPTION,
    'data-memory': DATA_MEMORY_OPTION,
    threads: THREADS_OPTION,
    json: { kind: 'boolean', help: 'log to stderr and end with one JSON line on stdout' },
  },
} as const satisfies CommandSpec;

/** Setup and checkpoint problems are one-line user errors, as every other CLI failure. */
async function asUserError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TrainingSetupError || e instanceof StreamReadError) throw new UserError(e.message);
    throw e;
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const threads = values.threads ?? defaultThreads();
  const kernels = await loadKernelsWithThreads(kernelsRequestFromEnv(), threads, (w) => io.err(`warning: ${w}`));
  return withKernels(kernels, () => train(values, operands, io));
}

async function train(values: OptionValues<typeof spec.options>, operands: readonly string[], io: CliIo): Promise<number> {
  const [modelPath] = operands;
  const model = loadValidModel(modelPath, io);
  const log = values.json ? io.err : io.out;

  // Ctrl+C: while the data is prepared, stop there (what was decoded stays cached); while training, finish the
  // current batch and keep the last checkpoint. A second Ctrl+C quits at once.
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    io.err('\nstopping… (Ctrl+C again to quit immediately)');
  };
  process.on('SIGINT', onSigint);
  try {
    return await trainWithStop(values, modelPath, model, io, log, () => stopRequested);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function trainWithStop(
  values: OptionValues<typeof spec.options>,
  modelPath: string,
  model: Model,
  io: CliIo,
  log: (line: string) => void,
  stopRequested: () => boolean,
): Promise<number> {
  let session: PreparedSession;
  try {
    session = await asUserError(() =>
      prepareSession({
        modelPath,
        model,
        epochs: values.epochs,
        limit: values.limit,
        resume: values.resume,
        warmStart: values['warm-start'],
        onWarning: (w) => io.err(`warning: ${w}`),
        onDataProgress: createDataProgress(values.json ? undefined : process.stderr, log),
        shouldStopLoading: stopRequested,
        ...dataMemory(values['data-memory']),
      }),
    );
  } catch (e) {
    if (!(e instanceof DataLoadCancelled)) throw e;
    log('stopped while preparing the data; the images decoded so far are cached for the next run');
    return 130;
  }
  const initial = session.initialWeights;
  if (initial) {
    const fresh = initial.fresh.length ? `; from the seed: ${listNames(initial.fresh)}` : '';
    log(`starting from ${initial.path}: ${initial.loaded.length} of ${initial.loaded.length + initial.fresh.length} tensors${fresh}`);
  }
  const warm = session.warmStarted;
  if (warm) {
    const fresh = warm.fresh.length ? `; from the seed: ${warm.fresh.join(', ')}` : '';
    const unused = warm.unused.length ? `; not used: ${warm.unused.join(', ')}` : '';
    log(`starting from ${weightsPath(modelPath)}: ${warm.loaded.length} of ${warm.loaded.length + warm.fresh.length} tensors${fresh}${unused}`);
  }
  const { epochs, initialEpoch } = session;
  if (session.resumed) {
    if (initialEpoch >= epochs) {
      log(`${model.name}: already trained ${initialEpoch} epochs; pass --epochs N (N > ${initialEpoch}) to train longer`);
      return 0;
    }
    log(`resuming ${model.name} after epoch ${initialEpoch} of ${epochs}`);
  }
  log(session.description);
  log(describeKernelsAndThreads(activeKernels()));

  const bar = createProgressBar(values.json ? undefined : process.stderr);
  let outcome: SessionResult;
  let healthWarnings: string[] = [];
  try {
    outcome = await asUserError(() =>
      runSession(session, {
        onBatch: (p) => bar.update(p),
        // Training health's warnings (layer and remedy) follow their epoch's line.
        onHealth: (h) => (healthWarnings = h.warnings.map((w) => `warning: ${w.message} ${w.remedy}`)),
        onEpoch: (m) => {
          bar.clear();
          log(formatEpochLine(m, epochs));
          for (const w of healthWarnings) io.err(w);
          healthWarnings = [];
        },
        shouldStop: stopRequested,
        yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
        onNotice: (m) => io.err(`warning: ${m}`),
        onFrozenFeatures: log,
        onFeatureProgress: (p) => bar.message(formatFeatureProgress(p)),
      }),
    );
  } finally {
    bar.clear();
  }
  const { result, state, history, seconds } = outcome;
  const patience = model.training?.earlyStopping?.patience;
  const selection = state?.selection;
  if (result.status === 'earlyStopped' && selection) {
    log(`early stopping: no improvement in ${selection.on} for ${patience} epoch${patience === 1 ? '' : 's'}; kept the weights of epoch ${selection.bestEpoch}`);
  }
  if (result.status === 'stopped') log(`stopped after ${result.epochs} completed epoch${result.epochs === 1 ? '' : 's'}${state ? `; weights in ${weightsPath(modelPath)} (continue with --resume)` : ''}`);
  else if (state) log(`weights saved to ${weightsPath(modelPath)}`);
  log(`memory: engine ${formatBytes(session.network.arena.memoryBytes)} (planned once for batch ${session.network.plannedBatch}), process peak ${formatBytes(process.resourceUsage().maxRSS * 1024)}`);
  // The figures of the weights that were kept: the last epoch's, or the best one's after early stopping.
  const kept = selection ? history[selection.bestEpoch - 1] : history[history.length - 1];
  if (values.json) {
    io.out(
      JSON.stringify({
        status: result.status,
        epochs: result.epochs,
        keptEpoch: kept?.epoch ?? null,
        selectedOn: selection?.on ?? null,
        trainLoss: kept?.trainLoss ?? null,
        trainAccuracy: kept?.trainAccuracy ?? null,
        valLoss: kept?.valLoss ?? null,
        valAccuracy: kept?.valAccuracy ?? null,
        testLoss: kept?.testLoss ?? null,
        testAccuracy: kept?.testAccuracy ?? null,
        sources: {
          train: session.all.description + (session.validation ? ` (${session.trainSet.count} used for training)` : ''),
          validation: session.validation ? `${session.validation.count} samples held out from the training data` : null,
          test: session.test ? `${session.test.description} (evaluated only)` : null,
        },
        seconds: Math.round(seconds * 1000) / 1000,
        engine_memory_mb: mb(session.network.arena.memoryBytes),
        peak_rss_mb: mb(process.resourceUsage().maxRSS * 1024),
      }),
    );
  }
  if (result.error) {
    io.err(`${modelPath}: ${result.error.message}`);
    return 1;
  }
  return result.status === 'stopped' ? 130 : 0;
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 102.4) / 10;

/** At most 6 names, then how many more (a backbone has hundreds). */
function listNames(names: readonly string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}
