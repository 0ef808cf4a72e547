// `cnn train <model.cnn.json>`: loads the model's training data, trains with a progress bar on stderr,
// checkpoints after every epoch (weights, optimizer state, train.json beside the model), and stops
// cleanly on Ctrl+C keeping the last finished epoch. The run itself is data/trainingSession (shared with
// the VS Code worker); this file only parses options and prints.
import { parseArgs } from 'node:util';
import { prepareSession, runSession, TrainingSetupError, type PreparedSession, type SessionResult } from '../data/trainingSession';
import { weightsPath } from '../data/weightsFile';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { createProgressBar, formatEpochLine, intOption } from './progress';

const USAGE = 'usage: cnn train <model.cnn.json> [--epochs N] [--resume] [--limit N] [--json]';

/** Setup and checkpoint problems are one-line user errors, as every other CLI failure. */
async function asUserError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TrainingSetupError) throw new UserError(e.message);
    throw e;
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(args);
  if (positionals.length !== 1) throw new UserError(USAGE);
  const modelPath = positionals[0];
  const model = loadValidModel(modelPath, io);
  const epochsOption = intOption(values.epochs, '--epochs', 1);
  const limit = intOption(values.limit, '--limit', 1);
  const log = values.json ? io.err : io.out;

  const session: PreparedSession = await asUserError(() =>
    prepareSession({ modelPath, model, epochs: epochsOption, limit, resume: values.resume, onWarning: (w) => io.err(`warning: ${w}`) }),
  );
  const { epochs, initialEpoch } = session;
  if (session.resumed) {
    if (initialEpoch >= epochs) {
      log(`${model.name}: already trained ${initialEpoch} epochs; pass --epochs N (N > ${initialEpoch}) to train longer`);
      return 0;
    }
    log(`resuming ${model.name} after epoch ${initialEpoch} of ${epochs}`);
  }
  log(session.description);

  // Ctrl+C: finish the current batch, keep the last checkpoint. A second Ctrl+C quits at once.
  let stopRequested = false;
  const onSigint = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    io.err('\nstopping… (Ctrl+C again to quit immediately)');
  };
  process.on('SIGINT', onSigint);
  const bar = createProgressBar(values.json ? undefined : process.stderr);
  let outcome: SessionResult;
  try {
    outcome = await asUserError(() =>
      runSession(session, {
        onBatch: (p) => bar.update(p),
        onEpoch: (m) => {
          bar.clear();
          log(formatEpochLine(m, epochs));
        },
        shouldStop: () => stopRequested,
        yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
      }),
    );
  } finally {
    bar.clear();
    process.off('SIGINT', onSigint);
  }
  const { result, state, history, seconds } = outcome;
  const patience = model.training?.earlyStopping?.patience;
  if (result.status === 'earlyStopped' && result.bestEpoch !== undefined) {
    log(`early stopping: no improvement for ${patience} epoch${patience === 1 ? '' : 's'}; kept the weights of epoch ${result.bestEpoch}`);
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
