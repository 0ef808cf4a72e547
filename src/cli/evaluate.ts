// `cnn evaluate <model.cnn.json>`: accuracy, loss, per-class accuracy and confusion matrix of the saved
// weights on the model's test data (or the training data when there is no test set, or --data).
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataSource } from '../data/load';
import { readWeights, weightsPath } from '../data/weightsFile';
import { buildNetwork, type Network } from '../engine/network';
import { evaluate } from '../engine/train';
import { loadWeightsInto, weightsClasses, WeightsError } from '../engine/weights';
import { inferShapes } from '../model/shapes';
import type { DataSource, Model } from '../model/types';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { intOption, percent } from './progress';

const USAGE = 'usage: cnn evaluate <model.cnn.json> [--data <folder>] [--limit N] [--json]';

export interface TrainedModel {
  readonly model: Model;
  readonly network: Network;
  /** From the weights' metadata; undefined for weights saved without them. */
  readonly classes?: readonly string[];
}

/** The model with its saved weights loaded, or a UserError saying what is missing or does not fit. */
export async function loadTrainedModel(modelPath: string, io: CliIo): Promise<TrainedModel> {
  const model = loadValidModel(modelPath, io);
  const network = buildNetwork(model, inferShapes(model), model.training?.seed ?? 1);
  try {
    const file = await readWeights(modelPath);
    if (!file) throw new UserError(`${modelPath}: no weights (${weightsPath(modelPath)}); train first: cnn train ${modelPath}`);
    loadWeightsInto(model, network.params, file);
    return { model, network, classes: weightsClasses(file) };
  } catch (e) {
    if (e instanceof WeightsError) throw new UserError(`${weightsPath(modelPath)}: ${e.message}`);
    throw e;
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { data: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (e) {
    throw new UserError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError(USAGE);
  const modelPath = positionals[0];
  const limit = intOption(values.limit, '--limit', 1);
  const { model, network, classes: savedClasses } = await loadTrainedModel(modelPath, io);
  const t = model.training;
  // --data is relative to the working directory (as any shell argument); training.data to the model file.
  const source: DataSource | undefined = values.data !== undefined ? resolve(values.data) : (t?.data?.test ?? t?.data?.train);
  if (source === undefined) throw new UserError(`${modelPath}: no data to evaluate on (no "training.data"; pass --data <folder>)`);
  const which = values.data !== undefined ? values.data : t?.data?.test !== undefined ? 'test data' : 'training data (no test set)';
  let data;
  try {
    data = await loadDataSource(source, dirname(modelPath), model.input.shape, { limit });
  } catch (e) {
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
  for (const w of data.warnings) io.err(`warning: ${w}`);
  if (savedClasses && values.data !== undefined && data.classes.join('\n') !== savedClasses.join('\n')) {
    io.err(`warning: the classes of ${values.data} (${data.classes.join(', ')}) differ from those trained on (${savedClasses.join(', ')})`);
  }
  const ev = await evaluate(network, data, t?.batchSize ?? 32, { loss: t?.loss, topK: t?.topK });
  const names = data.classes.length >= ev.confusion.length ? data.classes : ev.confusion.map((_, i) => data.classes[i] ?? String(i));
  if (values.json) {
    io.out(
      JSON.stringify({
        count: ev.count,
        loss: ev.loss,
        accuracy: ev.accuracy,
        topK: ev.topK ?? null,
        classes: names,
        perClass: Object.fromEntries(names.map((n, i) => [n, Number.isNaN(ev.perClass[i]) ? null : ev.perClass[i]])),
        confusion: ev.confusion,
      }),
    );
    return 0;
  }
  io.out(`${model.name} on ${which}: ${data.description}`);
  io.out(`accuracy ${percent(ev.accuracy)}  loss ${ev.loss.toFixed(4)}${ev.topK ? `  top-${ev.topK.k} ${percent(ev.topK.accuracy)}` : ''}`);
  io.out('');
  io.out('per class:');
  const w = Math.max(5, ...names.map((n) => n.length));
  names.forEach((n, i) => io.out(`  ${n.padEnd(w)}  ${percent(ev.perClass[i]).padStart(7)}  (${ev.confusion[i].reduce((a, b) => a + b, 0)} samples)`));
  io.out('');
  io.out('confusion matrix (rows: actual, columns: predicted):');
  const cell = Math.max(4, ...ev.confusion.flat().map((v) => String(v).length), ...names.map((n) => Math.min(n.length, 6)));
  io.out(`  ${''.padEnd(w)}  ${names.map((n) => n.slice(0, cell).padStart(cell)).join(' ')}`);
  ev.confusion.forEach((row, i) => io.out(`  ${names[i].padEnd(w)}  ${row.map((v) => String(v).padStart(cell)).join(' ')}`));
  return 0;
}
