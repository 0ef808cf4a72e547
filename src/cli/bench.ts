// `cnn bench`: without a model, times the engine's hot paths (conv forward/backward, dense, whole training steps of
// LeNet-5 and Keras' simple MNIST convnet) on random data; with a model file, times that model's plain training
// (SGD) or inference steps and reports samples/s, GFLOP/s, kernels, threads and peak memory. Engine only: the
// comparisons with tfjs and PyTorch live in bench/ (run.ts runs this command in its own process).
import { defaultThreads } from '../node/runtime/kernelThreads';
import { activeKernels, describeKernels, kernelsLabel, kernelsRequestFromEnv, loadKernels, loadKernelsWithThreads, withKernels, type KernelsChoice } from '../node/runtime/loadKernels';
import type { EngineLayer } from '../engine/layer';
import { createLayer } from '../engine/layers';
import { buildNetwork, type Network } from '../engine/network';
import { createOptimizer } from '../engine/optimizers';
import { createRng, type Rng } from '../engine/rng';
import { tensor, type Tensor } from '../engine/tensor';
import { parseModelText } from '../model/parse';
import type { ModelAnalysis } from '../model/analysis';
import { TRAINING_SPEC } from '../model/modelSpec';
import { analyze, inferShapes } from '../model/shapes';
import type { Layer, LossName, Model, Shape } from '../model/types';
import lenet5Example from '../../examples/lenet5.cnn.json';
import simpleConvnetExample from '../../examples/simple-mnist-convnet.cnn.json';
import { isWinogradMode, setWinograd, winogradMode, type WinogradMode } from '../model/layers/winograd';
import { THREADS_OPTION } from './commonOptions';
import { UsageError, UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { formatLimits, parseCommandLine, type CommandSpec, type OptionValues } from './options';

export const spec = {
  name: 'bench',
  operands: [{ name: '<model.cnn.json>', optional: true }],
  summary: 'engine speed in samples per second: a model\'s training or inference steps, or without a model the layer cases and reference training steps',
  options: {
    mode: { kind: 'string', placeholder: 'train|infer', help: 'with a model: time training steps (forward, softmax cross-entropy, backward, SGD) or inference (forward); default train' },
    batch: { kind: 'integer', ...formatLimits(TRAINING_SPEC.fields.batchSize), placeholder: 'N', help: 'with a model: samples per step; default the model\'s training.batchSize, else 32' },
    seconds: { kind: 'positiveNumber', max: 3600, placeholder: 'S', help: 'time for at least S seconds: with a model after 1 s of warm-up, default 5; without, per case, default 1' },
    threads: { ...THREADS_OPTION, help: `with a model: ${THREADS_OPTION.help}` },
    filter: { kind: 'string', placeholder: 'TEXT', help: 'without a model: run only the cases whose name contains TEXT' },
    kernels: { kind: 'string', placeholder: 'js|wasm|both', help: 'which kernels to time; without a model default both, each case on JavaScript then WebAssembly, with the ratio; with a model js or wasm, default the best' },
    winograd: { kind: 'string', placeholder: 'auto|off|always', help: 'with a model: 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) where the measured rule says (auto, the default), never (off: im2col + GEMM, to compare) or wherever the shape allows (always)' },
    unfolded: { kind: 'boolean', help: 'with a model in infer mode: run every batch norm as a layer of its own instead of folded into the convolution before it (to compare)' },
    json: { kind: 'boolean', help: 'print one JSON object with every result (with a model: one line at the end)' },
  },
} as const satisfies CommandSpec;

/** The two reference models of the performance goals: the example files themselves (bundled by esbuild),
 *  so the benchmark measures exactly what `cnn train examples/…` runs. Their training sections are ignored here. */
export const BENCH_MODELS: Readonly<Record<'lenet5' | 'simpleConvnet', Model>> = {
  lenet5: checkedModel(lenet5Example),
  simpleConvnet: checkedModel(simpleConvnetExample),
};

/** A bundled example through the real validator, so a broken example fails loudly instead of being cast. */
function checkedModel(json: unknown): Model {
  const { model, diagnostics } = parseModelText(JSON.stringify(json));
  if (!model) throw new Error(`bundled example is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  return model;
}

/** One layer benchmarked alone: its input shape (one sample), the layer and the batch size. */
export interface LayerCase {
  readonly name: string;
  readonly input: Shape;
  readonly layer: Layer;
  readonly batch: number;
}

/** Shapes taken from the two models, so the layer timings explain the training-step timings. */
export const LAYER_CASES: readonly LayerCase[] = [
  { name: 'conv 5×5 same 1→6, 28×28', input: [28, 28, 1], layer: { type: 'conv2d', filters: 6, kernelSize: 5, padding: 'same' }, batch: 32 },
  { name: 'conv 5×5 6→16, 14×14', input: [14, 14, 6], layer: { type: 'conv2d', filters: 16, kernelSize: 5 }, batch: 32 },
  { name: 'conv 3×3 1→32, 28×28', input: [28, 28, 1], layer: { type: 'conv2d', filters: 32, kernelSize: 3 }, batch: 128 },
  { name: 'conv 3×3 32→64, 13×13', input: [13, 13, 32], layer: { type: 'conv2d', filters: 64, kernelSize: 3 }, batch: 128 },
  { name: 'dense 400→120', input: [400], layer: { type: 'dense', units: 120 }, batch: 32 },
  { name: 'dense 1600→10', input: [1600], layer: { type: 'dense', units: 10 }, batch: 128 },
];

/** A whole training step (forward, loss, backward, optimizer update) of one of BENCH_MODELS. */
export interface ModelCase {
  readonly name: string;
  readonly model: Model;
  readonly batch: number;
}

export const MODEL_CASES: readonly ModelCase[] = [
  { name: 'LeNet-5 train step', model: BENCH_MODELS.lenet5, batch: 32 },
  { name: 'simple convnet train step', model: BENCH_MODELS.simpleConvnet, batch: 128 },
];

/** Something to time: `run` does one iteration over `samples` samples. */
export interface BenchCase {
  readonly name: string;
  readonly samples: number;
  readonly run: () => void;
}

/** A case whose layer or network is built by `create`, under the kernels it is timed with: a network's arena
 *  belongs to the kernels active when it was built (a heap arena would send the wasm kernels back to JS). */
export interface BenchCaseFactory {
  readonly name: string;
  readonly samples: number;
  create(): BenchCase;
}

export interface BenchResult {
  readonly name: string;
  readonly samplesPerSecond: number;
  readonly msPerIteration: number;
  readonly iterations: number;
}

export function randomInput(shape: readonly number[], rng: Rng): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.next();
  return t;
}

export function randomLabels(count: number, classes: number, rng: Rng): Int32Array {
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(classes);
  return labels;
}

/** The engine layer of a LayerCase with a seeded input and upstream gradient. */
export function engineLayer(c: LayerCase, seed = 1): { layer: EngineLayer; x: Tensor; dy: Tensor } {
  const analysis = analyze(c.input, [c.layer]);
  const info = analysis.layers[0]!;
  if (!analysis.ok || !info.outputShape) throw new Error(`bench case ${c.name}: invalid layer`);
  const rng = createRng(seed);
  const layer = createLayer(info, rng.fork());
  return { layer, x: randomInput([c.batch, ...c.input], rng), dy: randomInput([c.batch, ...info.outputShape], rng) };
}

export function engineLayerCases(c: LayerCase): BenchCaseFactory[] {
  const forward = `${c.name} forward`;
  const backward = `${c.name} forward+backward`;
  return [
    {
      name: forward,
      samples: c.batch,
      create: () => {
        const { layer, x } = engineLayer(c);
        return { name: forward, samples: c.batch, run: () => void layer.forward(x, true) };
      },
    },
    {
      name: backward,
      samples: c.batch,
      create: () => {
        const { layer, x, dy } = engineLayer(c);
        const run = (): void => {
          layer.forward(x, true);
          layer.backward(dy);
        };
        return { name: backward, samples: c.batch, run };
      },
    },
  ];
}

/** A network with Adam (the examples' optimizer) and a fixed random batch. */
export function engineTrainStep(c: ModelCase, seed = 1): { network: Network; run: () => number } {
  const network = buildNetwork(c.model, analyze(c.model.input.shape, c.model.layers), seed);
  const optimizer = createOptimizer({ type: 'adam' }, network.params);
  const rng = createRng(seed + 1);
  const x = randomInput([c.batch, ...c.model.input.shape], rng);
  const classes = network.outputShape[network.outputShape.length - 1]!;
  const labels = randomLabels(c.batch, classes, rng);
  return {
    network,
    run: () => {
      network.zeroGrads();
      const r = network.trainBatch(x, labels, 'categoricalCrossentropy');
      optimizer.step();
      return r.loss;
    },
  };
}

export function engineTrainStepCase(m: ModelCase): BenchCaseFactory {
  return {
    name: m.name,
    samples: m.batch,
    create: () => {
      const step = engineTrainStep(m);
      return { name: m.name, samples: m.batch, run: () => void step.run() };
    },
  };
}

export function engineCases(): BenchCaseFactory[] {
  return [...LAYER_CASES.flatMap(engineLayerCases), ...MODEL_CASES.map(engineTrainStepCase)];
}

/** Runs `c` for a warm-up (≥ 1 run, up to ~200 ms), then repeatedly for at least `seconds` (≥ 1 run);
 *  the result is the mean over the timed runs. */
export function measure(c: BenchCase, seconds: number, now: () => number = defaultNow): BenchResult {
  const warm = now();
  let warmRuns = 0;
  do {
    c.run();
    warmRuns++;
  } while (now() - warm < Math.min(200, seconds * 250) && warmRuns < 50);
  const start = now();
  let iterations = 0;
  let elapsed = 0;
  do {
    c.run();
    iterations++;
    elapsed = now() - start;
  } while (elapsed < seconds * 1000);
  const ms = elapsed / iterations;
  return { name: c.name, samplesPerSecond: (c.samples * 1000) / ms, msPerIteration: ms, iterations };
}

function defaultNow(): number {
  return performance.now();
}

export function formatRate(samplesPerSecond: number): string {
  return samplesPerSecond >= 100 ? Math.round(samplesPerSecond).toString() : samplesPerSecond.toPrecision(3);
}

const KERNEL_PASSES = ['js', 'wasm', 'both'] as const;

/** The kernels to time, JavaScript first; a requested WebAssembly pass that cannot load is an error, in `both` a note. */
function kernelPasses(which: string, note: (line: string) => void): KernelsChoice[] {
  if (!(KERNEL_PASSES as readonly string[]).includes(which)) throw new UsageError(`cnn bench: --kernels must be one of ${KERNEL_PASSES.join(', ')}, got "${which}"`);
  const passes: KernelsChoice[] = which === 'wasm' ? [] : [loadKernels('js')];
  if (which === 'js') return passes;
  // CNN_KERNELS=wasm-simd times the plain-SIMD variant instead of the best one.
  const env = kernelsRequestFromEnv();
  const wasm = loadKernels(env === 'wasm-simd' || env === 'wasm-relaxed-simd' ? env : 'wasm');
  if (!wasm.fallback) return [...passes, wasm];
  if (which === 'wasm') throw new UserError(`cnn bench: no WebAssembly kernels: ${wasm.fallback}`);
  note(`WebAssembly kernels unavailable (${wasm.fallback}): timing js only`);
  return passes;
}

interface KernelResult extends BenchResult {
  readonly kernels: string;
}

type BenchValues = OptionValues<typeof spec.options>;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const [modelPath] = operands;
  if (modelPath !== undefined) return runModel(modelPath, values, io);
  for (const name of ['mode', 'batch', 'threads'] as const) {
    if (values[name] !== undefined) throw new UsageError(`cnn bench: --${name} needs a model file (usage: cnn bench <model.cnn.json> --${name} …)`);
  }
  const seconds = values.seconds ?? 1;
  const filter = values.filter?.toLowerCase();
  const cases = engineCases().filter((c) => !filter || c.name.toLowerCase().includes(filter));
  if (cases.length === 0) throw new UserError(`cnn bench: no benchmark matches "${values.filter}"`);
  const passes = kernelPasses(values.kernels ?? 'both', values.json ? io.err : io.out);
  const names = passes.map((p) => p.name);
  if (!values.json) io.out(`kernels: ${names.join(' vs ')}; node ${process.version}; at least ${seconds}s per case and kernels`);
  const results: KernelResult[] = [];
  for (const c of cases) {
    // The passes of one case back to back, so that load from other processes hits both alike.
    const row: KernelResult[] = [];
    for (const pass of passes) {
      const r = await withKernels(pass, () => Promise.resolve(measure(c.create(), seconds)));
      row.push({ ...r, kernels: pass.name });
      // Let Ctrl+C and other output through between measurements.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    results.push(...row);
    if (!values.json) io.out(formatRow(c.name, row));
  }
  if (values.json) io.out(JSON.stringify({ kernels: names, node: process.version, results }));
  return 0;
}

/** `name  js 123 samples/s  wasm-relaxed-simd 456 samples/s  3.71×` (the ratio: last pass over the first). */
function formatRow(name: string, row: readonly KernelResult[]): string {
  const cells = row.map((r) => `${r.kernels} ${formatRate(r.samplesPerSecond).padStart(8)} samples/s`);
  const ratio = row.length > 1 ? `  ${(row[row.length - 1]!.samplesPerSecond / row[0]!.samplesPerSecond).toFixed(2).padStart(6)}×` : '';
  return `${name.padEnd(44)} ${cells.join('  ')}${ratio}`;
}

// ---- cnn bench MODEL: one model's plain training or inference steps ----

export const BENCH_MODES = ['train', 'infer'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

/** Plain SGD as in the comparisons of bench/ (tfjs, PyTorch): no momentum, no decay, no clipping. */
export const BENCH_LEARNING_RATE = 0.01;
const WARMUP_SECONDS = 1;

/** FLOPs of one sample's step: 2 per multiply-add of the shape function (conv and dense layers; pooling,
 *  activations and the loss are not counted), and 3× the forward pass for training (forward, input gradient,
 *  weight gradient), the usual convention, so figures compare across engines. */
export function flopsPerSample(analysis: ModelAnalysis, mode: BenchMode): number {
  return 2 * analysis.totals.macs * (mode === 'train' ? 3 : 1);
}

export const FLOP_COUNTING = '2 FLOPs per multiply-add of the conv and dense layers (from the shape function), training counted as 3× the forward pass';

/** One step of `model` on a fixed seeded batch (inputs uniform in [0, 1), random labels). `run` returns the loss
 *  (training) or a checksum of the outputs (inference), so every step's result is read back. */
export function modelStep(model: Model, mode: BenchMode, batch: number, seed = 1, fold = true): { analysis: ModelAnalysis; run: () => number } {
  const analysis = inferShapes(model);
  const network = buildNetwork(model, analysis, seed);
  const rng = createRng(seed + 1);
  const x = randomInput([batch, ...model.input.shape], rng);
  const classes = network.outputShape[network.outputShape.length - 1]!;
  const loss: LossName = model.training?.loss ?? 'categoricalCrossentropy';
  // One sigmoid output still needs both label values.
  const labels = randomLabels(batch, loss === 'binaryCrossentropy' && classes === 1 ? 2 : classes, rng);
  if (mode === 'infer') {
    // Inference as `cnn predict` runs it: batch norms folded into their convolutions (unless asked not to).
    network.foldBatchNorms = fold;
    return {
      analysis,
      run: () => {
        const y = network.forward(x, false).data;
        let sum = 0;
        for (let i = 0; i < y.length; i++) sum += y[i]!;
        return sum;
      },
    };
  }
  const optimizer = createOptimizer({ type: 'sgd', learningRate: BENCH_LEARNING_RATE }, network.params);
  return {
    analysis,
    run: () => {
      network.zeroGrads();
      const r = network.trainBatch(x, labels, loss);
      optimizer.step();
      return r.loss;
    },
  };
}

export interface StepTiming {
  readonly steps: number;
  readonly seconds: number;
  /** The last step's result (loss or output checksum). */
  readonly last: number;
}

/** At least `warmupSeconds` (≥ 1 step) untimed, then at least `seconds` (≥ 1 step) timed. */
export function timeSteps(step: () => number, seconds: number, warmupSeconds = WARMUP_SECONDS, now: () => number = defaultNow): StepTiming {
  const warm = now();
  do step();
  while (now() - warm < warmupSeconds * 1000);
  const start = now();
  let steps = 0;
  let last = Number.NaN;
  let elapsed = 0;
  do {
    last = step();
    steps++;
    elapsed = now() - start;
  } while (elapsed < seconds * 1000);
  return { steps, seconds: elapsed / 1000, last };
}

/** The `--json` line of `cnn bench MODEL` (the first five fields are the ones bench/run.ts reads). */
export interface ModelBenchJson {
  readonly samples_per_s: number;
  readonly gflops: number;
  readonly threads: number;
  readonly kernels: string;
  readonly peak_rss_mb: number;
  readonly model: string;
  readonly mode: BenchMode;
  readonly batch: number;
  /** Infer mode: whether batch norms were folded into their convolutions. */
  readonly folded?: boolean;
  /** --winograd: when 3×3 stride-1 convolutions ran by Winograd. */
  readonly winograd: WinogradMode;
  readonly steps: number;
  readonly seconds: number;
  readonly gflop_per_sample: number;
  readonly last: number;
}

/** The kernels of `--kernels` (default the best, or CNN_KERNELS) on `threads` GEMM threads (1 for JavaScript). */
async function modelKernels(which: string | undefined, threads: number, log: (line: string) => void): Promise<KernelsChoice> {
  if (which === 'js') {
    if (threads > 1) log(`threads: the JavaScript kernels run on 1 thread (${threads} asked)`);
    return loadKernels('js');
  }
  if (which !== undefined && which !== 'wasm') throw new UsageError(`cnn bench: with a model file --kernels must be js or wasm, got "${which}"`);
  const env = kernelsRequestFromEnv();
  const request = which === undefined ? env : env === 'wasm-simd' || env === 'wasm-relaxed-simd' ? env : 'wasm';
  const choice = await loadKernelsWithThreads(request, threads, (w) => log(`warning: ${w}`));
  if (which === 'wasm' && choice.fallback) throw new UserError(`cnn bench: no WebAssembly kernels: ${choice.fallback}`);
  return choice;
}

async function runModel(path: string, values: BenchValues, io: CliIo): Promise<number> {
  if (values.filter !== undefined) throw new UsageError('cnn bench: --filter selects the cases of cnn bench without a model file');
  const mode = values.mode ?? 'train';
  if (!(BENCH_MODES as readonly string[]).includes(mode)) throw new UsageError(`cnn bench: --mode must be train or infer, got "${mode}"`);
  const benchMode = mode as BenchMode;
  if (values.kernels !== undefined && values.kernels !== 'js' && values.kernels !== 'wasm') {
    throw new UsageError(`cnn bench: with a model file --kernels must be js or wasm, got "${values.kernels}"`);
  }
  if (values.unfolded && benchMode !== 'infer') throw new UsageError('cnn bench: --unfolded is for --mode infer (training never folds)');
  const winograd = values.winograd ?? 'auto';
  if (!isWinogradMode(winograd)) throw new UsageError(`cnn bench: --winograd must be auto, off or always, got "${winograd}"`);
  const model = loadValidModel(path, io);
  const batch = values.batch ?? model.training?.batchSize ?? 32;
  const seconds = values.seconds ?? 5;
  // Human lines go to stderr with --json, so stdout is the one JSON line.
  const log = values.json ? io.err : io.out;
  const choice = await modelKernels(values.kernels, values.threads ?? defaultThreads(), log);
  const threads = choice.threads;
  // The mode applies to networks planned while it is set (this one plans on its first step): set for the run.
  const was = winogradMode();
  setWinograd(winograd);
  const { timing, flops, kernels } = await withKernels(choice, () => {
    const step = modelStep(model, benchMode, batch, 1, !values.unfolded);
    log(`bench ${model.name}: ${benchMode}, batch ${batch}, at least ${seconds} s after ${WARMUP_SECONDS} s of warm-up`);
    log(describeKernels(activeKernels()));
    const t = timeSteps(step.run, seconds);
    return Promise.resolve({ timing: t, flops: flopsPerSample(step.analysis, benchMode), kernels: kernelsLabel(activeKernels()) });
  }).finally(() => setWinograd(was));
  const samplesPerSecond = (timing.steps * batch) / timing.seconds;
  const gflops = (samplesPerSecond * flops) / 1e9;
  // maxRSS is in KiB: the peak of the whole process (the model, its data and Node itself).
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  if (values.json) {
    const line: ModelBenchJson = {
      samples_per_s: round(samplesPerSecond, 1),
      gflops: round(gflops, 3),
      threads,
      kernels,
      peak_rss_mb: round(peakRssMb, 1),
      model: model.name,
      mode: benchMode,
      batch,
      ...(benchMode === 'infer' ? { folded: !values.unfolded } : {}),
      winograd,
      steps: timing.steps,
      seconds: round(timing.seconds, 3),
      gflop_per_sample: flops / 1e9,
      last: timing.last,
    };
    io.out(JSON.stringify(line));
    return 0;
  }
  io.out(`threads: ${threads}`);
  io.out(`samples/s: ${formatRate(samplesPerSecond)} (${timing.steps} steps of ${batch} in ${timing.seconds.toFixed(2)} s; last ${benchMode === 'train' ? 'loss' : 'output sum'} ${timing.last.toPrecision(4)})`);
  io.out(`GFLOP/s: ${gflops.toFixed(2)} (${(flops / 1e6).toFixed(2)} MFLOP per sample: ${FLOP_COUNTING})`);
  io.out(`peak memory: ${peakRssMb.toFixed(1)} MB (maximum resident set of the process)`);
  return 0;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
