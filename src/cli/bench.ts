// `cnn bench`: times the engine's hot paths (conv forward/backward, dense, whole training steps of LeNet-5 and
// Keras' simple MNIST convnet) on random data and reports samples per second. Engine only: the side-by-side
// comparison with tfjs lives in bench/kernels.ts, which reuses the cases defined here.
import { kernelsRequestFromEnv, loadKernels, withKernels, type KernelsChoice } from '../data/kernels';
import type { EngineLayer } from '../engine/layer';
import { createLayer } from '../engine/layers';
import { buildNetwork, type Network } from '../engine/network';
import { createOptimizer } from '../engine/optimizers';
import { createRng, type Rng } from '../engine/rng';
import { tensor, type Tensor } from '../engine/tensor';
import { parseModelText } from '../model/parse';
import { analyze } from '../model/shapes';
import type { Layer, Model, Shape } from '../model/types';
import lenet5Example from '../../examples/lenet5.cnn.json';
import simpleConvnetExample from '../../examples/simple-mnist-convnet.cnn.json';
import { UsageError, UserError, type CliIo } from './io';
import { parseCommandLine, type CommandSpec } from './options';

export const spec = {
  name: 'bench',
  operands: [],
  summary: 'engine speed: layers and whole training steps, in samples per second',
  options: {
    seconds: { kind: 'positiveNumber', max: 3600, placeholder: 'S', help: 'time each case for at least S seconds; default 1' },
    filter: { kind: 'string', placeholder: 'TEXT', help: 'run only the cases whose name contains TEXT' },
    kernels: { kind: 'string', placeholder: 'js|wasm|both', help: 'which kernels to time; default both, each case on JavaScript then WebAssembly, with the ratio' },
    json: { kind: 'boolean', help: 'print one JSON object with every result' },
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

export function engineLayerCases(c: LayerCase): BenchCase[] {
  const { layer, x, dy } = engineLayer(c);
  return [
    { name: `${c.name} forward`, samples: c.batch, run: () => void layer.forward(x, true) },
    {
      name: `${c.name} forward+backward`,
      samples: c.batch,
      run: () => {
        layer.forward(x, true);
        layer.backward(dy);
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

export function engineCases(): BenchCase[] {
  const cases = LAYER_CASES.flatMap(engineLayerCases);
  for (const m of MODEL_CASES) {
    const step = engineTrainStep(m);
    cases.push({ name: m.name, samples: m.batch, run: () => void step.run() });
  }
  return cases;
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

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine(spec, args);
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
      const r = await withKernels(pass, () => Promise.resolve(measure(c, seconds)));
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
