// `cnn evaluate <model.cnn.json>`: accuracy, loss, per-class accuracy and confusion matrix of the saved
// weights on the model's test data (or the training data when there is no test set, or --data).
import { dirname, resolve } from 'node:path';
import { defaultThreads } from '../node/runtime/kernelThreads';
import { isWasmMemoryExhausted, kernelsRequestFromEnv, loadKernelsWithThreads, withKernels } from '../node/runtime/loadKernels';
import { loadDataSource } from '../node/datasets/load';
import { StreamReadError } from '../node/datasets/cache/packStore';
import { defaultDataMemoryBytes } from '../node/datasets/dataMemory';
import { loadTrainedNetwork, TrainedWeightsError, type TrainedNetwork } from '../node/checkpoint/trainedNetwork';
import { evaluate } from '../engine/train';
import { inputResize, TRAINING_DEFAULTS } from '../model/defaults';
import type { DataSource, Model } from '../model/types';
import { DATA_MEMORY_OPTION, dataMemory, LIMIT_OPTION, THREADS_OPTION } from './commonOptions';
import { UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { parseCommandLine, type CommandSpec, type OptionValues } from './options';
import { percent } from './progress';

export const spec = {
  name: 'evaluate',
  operands: [{ name: '<model.cnn.json>' }],
  summary: 'accuracy, loss, per-class accuracy and confusion matrix of the saved weights on the test data',
  options: {
    data: { kind: 'string', placeholder: 'DIR', help: 'evaluate on this folder of class subfolders instead of training.data' },
    limit: LIMIT_OPTION,
    'data-memory': DATA_MEMORY_OPTION,
    threads: THREADS_OPTION,
    json: { kind: 'boolean', help: 'print one JSON object instead of the tables' },
  },
} as const satisfies CommandSpec;

export interface TrainedModel extends TrainedNetwork {
  readonly model: Model;
}

/** The model with its saved weights loaded, or a UserError saying what is missing or does not fit. */
export async function loadTrainedModel(modelPath: string, io: CliIo): Promise<TrainedModel> {
  const model = loadValidModel(modelPath, io);
  try {
    return { model, ...(await loadTrainedNetwork(modelPath, model)) };
  } catch (e) {
    if (e instanceof TrainedWeightsError) throw new UserError(e.message);
    throw e;
  }
}

/** The kernels on `threads` GEMM threads (default all cores), as cnn train: helpers that cannot start are a warning. */
export async function withThreads(threads: number | undefined, io: CliIo, work: () => Promise<number>): Promise<number> {
  const kernels = await loadKernelsWithThreads(kernelsRequestFromEnv(), threads ?? defaultThreads(), (w) => io.err(`warning: ${w}`));
  try {
    return await withKernels(kernels, work);
  } catch (e) {
    // A network beyond WebAssembly's 4 GiB address space (regnet_y_128gf: 2.6 GB of weights) fails when its arena
    // is planned, before any output: it runs again on the JavaScript kernels, whose arrays have no such limit.
    if (kernels.name === 'js' || !isWasmMemoryExhausted(e)) throw e;
    io.err("warning: the network does not fit WebAssembly's 4 GiB memory; running on the JavaScript kernels (slower)");
    return withKernels(await loadKernelsWithThreads('js', 1, () => undefined), work);
  }
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  // The network is built under these kernels: its memory is theirs and its GEMMs split over their threads.
  return withThreads(values.threads, io, () => evaluateModel(values, operands, io));
}

async function evaluateModel(values: OptionValues<typeof spec.options>, operands: readonly string[], io: CliIo): Promise<number> {
  const [modelPath] = operands;
  const limit = values.limit;
  const { model, network, classes: savedClasses } = await loadTrainedModel(modelPath, io);
  const t = model.training;
  // --data is relative to the working directory (as any shell argument); training.data to the model file.
  const source: DataSource | undefined = values.data !== undefined ? resolve(values.data) : (t?.data?.test ?? t?.data?.train);
  if (source === undefined) throw new UserError(`${modelPath}: no data to evaluate on (no "training.data"; pass --data <folder>)`);
  const which = values.data !== undefined ? values.data : t?.data?.test !== undefined ? 'test data' : 'training data (no test set)';
  let data;
  try {
    const memory = dataMemory(values['data-memory']);
    data = await loadDataSource(source, dirname(modelPath), model.input.shape, { limit, memoryBudget: memory.dataMemoryBytes ?? defaultDataMemoryBytes(), budgetSetting: memory.dataMemorySetting, policy: inputResize(model.input) });
  } catch (e) {
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
  for (const w of data.warnings) io.err(`warning: ${w}`);
  if (savedClasses && values.data !== undefined && data.classes.join('\n') !== savedClasses.join('\n')) {
    io.err(`warning: the classes of ${values.data} (${data.classes.join(', ')}) differ from those trained on (${savedClasses.join(', ')})`);
  }
  const ev = await evaluate(network, data, t?.batchSize ?? TRAINING_DEFAULTS.batchSize, { loss: t?.loss, topK: t?.topK }).catch((e: unknown) => {
    throw e instanceof StreamReadError ? new UserError(e.message) : e;
  });
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
  const w = names.reduce((m, n) => Math.max(m, n.length), 5);
  names.forEach((n, i) => io.out(`  ${n.padEnd(w)}  ${percent(ev.perClass[i]).padStart(7)}  (${ev.confusion[i].reduce((a, b) => a + b, 0)} samples)`));
  io.out('');
  io.out('confusion matrix (rows: actual, columns: predicted):');
  // reduce, not Math.max(...): a spread of classes² values overflows the stack for large class counts.
  const cell = names.reduce((m, n) => Math.max(m, Math.min(n.length, 6)), ev.confusion.reduce((m, row) => row.reduce((r, v) => Math.max(r, String(v).length), m), 4));
  io.out(`  ${''.padEnd(w)}  ${names.map((n) => n.slice(0, cell).padStart(cell)).join(' ')}`);
  ev.confusion.forEach((row, i) => io.out(`  ${names[i].padEnd(w)}  ${row.map((v) => String(v).padStart(cell)).join(' ')}`));
  return 0;
}
