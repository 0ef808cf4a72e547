// Issue 18's round trips for an imported network, shared by `npm run zoo -- --round-trips` and the CI test
// (test/integration/interop/torchvisionZoo.test.ts). On export.py's two-photo batch:
//  (a) ONNX: our ONNX export of the imported model, run by ONNX Runtime, gives our engine's outputs, and the
//      original .onnx file's outputs in ONNX Runtime;
//  (b) PyTorch: our model.py export with the imported weights, in PyTorch, gives the original network's outputs
//      (PyTorch's, which export.py recorded);
//  (c) training: one SGD step (cross-entropy against fixed labels, train mode: batch norm on the batch's statistics)
//      gives, for every trainable parameter, the gradient PyTorch's autograd computes (float64) on model.py with the
//      same weights. Dropout is switched off (rate 0) on both sides: its random mask is not reproducible across
//      engines, and with rate 0 train mode is otherwise the real one. The cross-entropy needs probabilities, so the
//      training variant ends in a softmax (model.py's forward(x, logits=True) leaves it to F.cross_entropy).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildNetwork, type Network } from '../../src/engine/network';
import { createOptimizer } from '../../src/engine/optimizers';
import { architectureFingerprint, decodeSafetensors, encodeWeights, loadWeightsInto, type NamedTensor } from '../../src/engine/weights';
import { exportOnnx } from '../../src/interop/onnx/export';
import { exportPytorch } from '../../src/interop/pytorch/export';
import { className } from '../../src/interop/pytorch/modelPy';
import { analyze } from '../../src/model/shapes';
import type { Layer, Model } from '../../src/model/types';
import { PYTHON, ZOO_DIR, type ExportedNet } from './check';

/** Outputs agree to this, relative to the output's scale max(1, max |y|) (the 1e-4). */
export const MAX_OUTPUT_DIFF = 1e-4;
/**
 * A parameter's gradient agrees when its relative error max |g_ours − g_PyTorch| / max |g_PyTorch| is within
 * max(MAX_GRADIENT_RELATIVE, FLOAT32_FACTOR × PyTorch float32's own relative error on that parameter, FLOAT32_FACTOR ×
 * how far the float64 gradient itself moves when the batch is nudged by 1e-6 relative noise), all against the float64
 * autograd. The last is the step's conditioning: at a kink a float32 engine's rounding lands on either side. Float32 itself limits some gradients: vgg11_bn's features.18.kernel (a sum over 2 × 28 × 28
 * products of activations that cancel) lands 9.4e-3 from float64 in PyTorch's float32 as in ours. A wrong gradient is
 * off by O(1), far above either bound.
 */
export const MAX_GRADIENT_RELATIVE = 1e-3;
export const FLOAT32_FACTOR = 2;
/**
 * Some gradients are 0 in exact arithmetic: a convolution's bias right before a batch norm in train mode (the norm
 * subtracts the batch mean), or a per-channel shift that reaches one through linear layers. PyTorch's float64 gives
 * ~1e-16 of the largest there, our float32 the rounding noise of a sum over batch × height × width terms that cancel: dividing by
 * max |g_PyTorch| would divide noise by noise. A float64 gradient below ZERO_GRADIENT × the network's largest
 * counts as 0, and ours is then measured against its layer's gradient scale (the largest |g_PyTorch| of the
 * layer's parameters; the network's largest when the whole layer gets none), within the same bound.
 */
const ZERO_GRADIENT = 1e-12;
/** The fixed labels of the batch's two photos (modulo the network's classes). */
const LABELS = [281, 967] as const;
const LEARNING_RATE = 1e-3;

export interface OutputCheck {
  /** max |Δ| over every output of the batch, and the scale it is bounded by (× MAX_OUTPUT_DIFF). */
  readonly diff: number;
  readonly scale: number;
  readonly pass: boolean;
}

export interface GradientCheck {
  readonly parameters: number;
  /** The parameter with the largest relative error for its bound, that error and the bound (see FLOAT32_FACTOR). */
  readonly worst: string;
  readonly relative: number;
  readonly bound: number;
  /** Parameters whose exact gradient is 0 (see ZERO_GRADIENT), measured against their layer's gradient scale. */
  readonly zero: number;
  /** PyTorch's own float32 gradients measured the same way: its worst parameter and error (how well conditioned the step is). */
  readonly pytorchFloat32: { readonly worst: string; readonly relative: number };
  readonly lossOurs: number;
  readonly lossPytorch: number;
  /** The loss on the same batch after our SGD step (learning rate 1e-3): lower than before. */
  readonly lossAfterStep: number;
  readonly pass: boolean;
}

export interface RoundTripResult {
  /** (a) ONNX Runtime on our export vs our engine, and vs the original file in ONNX Runtime. */
  readonly onnxVsEngine: OutputCheck;
  readonly onnxVsOriginal: OutputCheck;
  /** (b) model.py in PyTorch vs the original network in PyTorch. */
  readonly pytorchVsOriginal: OutputCheck;
  /** (c) one SGD step's gradients vs autograd's. */
  readonly gradients: GradientCheck;
  /** What failed, one line each (empty when all pass). */
  readonly problems: readonly string[];
  readonly seconds: number;
}

export interface RoundTripInput {
  /** The imported model and its weights (`cnn import`'s .cnn.json and .safetensors, or importOnnx's result). */
  readonly model: Model;
  readonly tensors: readonly NamedTensor[];
  /** export.py's folder: model.onnx, batch.bin, and its reference with the original network's batch logits. */
  readonly exported: ExportedNet;
  /** A folder for the PyTorch exports and Python's answers. */
  readonly workDir: string;
}

/** Reads `cnn import`'s output: the model file and the weights beside it. */
export function readImported(modelPath: string): { model: Model; tensors: readonly NamedTensor[] } {
  const model = JSON.parse(readFileSync(modelPath, 'utf8')) as Model;
  const tensors = decodeSafetensors(readFileSync(modelPath.replace(/\.cnn\.json$/, '.safetensors'))).tensors;
  return { model, tensors };
}

export async function roundTrips({ model, tensors, exported, workDir }: RoundTripInput): Promise<RoundTripResult> {
  const started = performance.now();
  const [h, w, c] = model.input.shape;
  const n = 2;
  const nchw = readFloats(join(exported.dir, 'batch.bin'));
  if (nchw.length !== n * h * w * c) throw new Error(`batch.bin has ${nchw.length} values, not 2 × ${c}×${h}×${w}`);
  const x = toNhwc(nchw, n, c, h, w);
  const original = exported.batchLogits.flat();
  const problems: string[] = [];
  const check = (what: string, ours: Float32Array, theirs: ArrayLike<number>): OutputCheck => {
    const r = compareOutputs(ours, theirs);
    if (!r.pass) problems.push(`${what}: max |Δ| ${r.diff.toExponential(2)} > ${MAX_OUTPUT_DIFF} × ${r.scale.toPrecision(3)}`);
    return r;
  };

  // (a) ONNX: our export in ONNX Runtime (NHWC, any batch) and the original file (NCHW, exported for batch 1).
  const analysis = analyze(model.input.shape, model.layers);
  if (!analysis.ok) throw new Error('the imported model has shape errors');
  const classes = analysis.outputShape?.[analysis.outputShape.length - 1] ?? 1;
  const labels = LABELS.map((l) => l % classes);
  let net: Network | undefined = networkWith(model, tensors);
  const engine = Float32Array.from(net.forward({ shape: [n, h, w, c], data: x }, false).data);
  const weights = new Map(net.params.map((p) => [p.name, p.value]));
  const ourOnnx = await runOrt(exportOnnx({ model, analysis, weights }), [{ data: x, dims: [n, h, w, c] }]);
  const originalBytes = readFileSync(join(exported.dir, 'model.onnx'));
  const sample = c * h * w;
  const originalOnnx = await runOrt(originalBytes, [0, 1].map((i) => ({ data: nchw.subarray(i * sample, (i + 1) * sample), dims: [1, c, h, w] })));
  const onnxVsEngine = check('ONNX Runtime on our export vs our engine', ourOnnx, engine);
  const onnxVsOriginal = check('ONNX Runtime on our export vs on the original file', ourOnnx, originalOnnx);

  // (b) and (c): model.py of the model as imported, and of its training variant, with the same weights.
  mkdirSync(workDir, { recursive: true });
  const trainModel = trainingVariant(model);
  const variants = { eval: model, train: trainModel } as const;
  for (const [kind, m] of Object.entries(variants)) {
    const dir = join(workDir, kind);
    mkdirSync(dir, { recursive: true });
    const code = exportPytorch({ model: m, analysis: analyze(m.input.shape, m.layers), fingerprint: architectureFingerprint(m), modelFile: `${m.name}.cnn.json`, modelDir: '..', weightsSource: 'the imported weights' });
    writeFileSync(join(dir, 'model.py'), code.modelPy);
    writeFileSync(join(dir, 'weights.safetensors'), encodeWeights(m, net.params));
  }
  net = undefined; // a big network's memory can go before the training network's is taken
  writeFileSync(join(workDir, 'batch.bin'), nchw);
  writeFileSync(join(workDir, 'case.json'), JSON.stringify({ n, nchw: [c, h, w], labels, eval: { class: className(model.name) }, train: { class: className(trainModel.name) } }));
  const py = spawnSync(PYTHON, [join(ZOO_DIR, 'roundtrip.py'), workDir], { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' }, maxBuffer: 1 << 24 });
  if (py.status !== 0) throw new Error(`roundtrip.py failed: ${(py.stderr || py.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`);
  const pyOut = JSON.parse(py.stdout) as { loss: number; parameters: number; nudgedLosses: number[] };
  const pytorchVsOriginal = check('model.py in PyTorch vs the original network in PyTorch', readFloats(join(workDir, 'eval_logits.bin')), original);

  // (c) our gradients on the training variant, then the SGD step.
  const trainNet = networkWith(trainModel, tensors);
  trainNet.zeroGrads();
  const batch = { shape: [n, h, w, c], data: x };
  const lossOurs = trainNet.trainBatch(batch, Int32Array.from(labels), 'categoricalCrossentropy').loss;
  const theirs = new Map(decodeSafetensors(readFileSync(join(workDir, 'grads.safetensors'))).tensors.map((t) => [t.name, t.data]));
  const trainable = trainNet.params.filter((p) => p.trainable);
  const ours = gradientErrors(new Map(trainable.map((p) => [p.name, p.grad])), theirs);
  const readGrads = (file: string): Map<string, Float32Array> => new Map(decodeSafetensors(readFileSync(join(workDir, file))).tensors.map((t) => [t.name, t.data]));
  const float32 = gradientErrors(readGrads('grads32.safetensors'), theirs);
  const nudged = [0, 1].map((i) => gradientErrors(readGrads(`gradsNudged${i}.safetensors`), theirs).errors);
  const sensitivity = new Map([...theirs.keys()].map((name) => [name, Math.max(...nudged.map((e) => e.get(name) ?? 0))]));
  const allowed = new Map([...theirs.keys()].map((name) => [name, Math.max(float32.errors.get(name) ?? 0, sensitivity.get(name) ?? 0)]));
  const { worst, relative, bound } = worstForBound(ours.errors, allowed);
  const pytorchFloat32 = worstOf(float32.errors);
  const trainingProblems: string[] = [];
  if (theirs.size !== trainable.length) trainingProblems.push(`PyTorch has gradients of ${theirs.size} parameters, we of ${trainable.length}`);
  if (!(relative <= bound)) {
    const why = `max(${MAX_GRADIENT_RELATIVE}, ${FLOAT32_FACTOR} × max(PyTorch float32's ${(float32.errors.get(worst) ?? NaN).toExponential(2)}, the nudged batch's ${(sensitivity.get(worst) ?? NaN).toExponential(2)}))`;
    trainingProblems.push(`gradient of ${worst}: relative error ${relative.toExponential(2)} > ${bound.toExponential(2)} (${why})`);
  }
  // The loss too is held to the step's conditioning: train-mode batch norm over two samples at 1×1 (inception_v3
  // at its smallest input) moves it by 1e-2 under the nudge.
  const lossMoves = Math.max(0, ...pyOut.nudgedLosses.map((l) => Math.abs(l - pyOut.loss)));
  const lossBound = Math.max(MAX_OUTPUT_DIFF * Math.max(1, pyOut.loss), FLOAT32_FACTOR * lossMoves);
  if (!(Math.abs(lossOurs - pyOut.loss) <= lossBound)) trainingProblems.push(`loss ${lossOurs} (ours) vs ${pyOut.loss} (PyTorch; within ${lossBound.toExponential(2)} under the nudge)`);
  createOptimizer({ type: 'sgd', learningRate: LEARNING_RATE }, trainNet.params).step();
  // The loss of a second training forward pass (train mode again, so the same function of the weights).
  trainNet.zeroGrads();
  const lossAfterStep = trainNet.trainBatch(batch, Int32Array.from(labels), 'categoricalCrossentropy').loss;
  if (!(lossAfterStep < lossOurs)) trainingProblems.push(`the SGD step did not lower the batch's loss: ${lossOurs} → ${lossAfterStep}`);
  problems.push(...trainingProblems);
  const gradients: GradientCheck = { parameters: trainable.length, worst, relative, bound, zero: ours.zero, pytorchFloat32, lossOurs, lossPytorch: pyOut.loss, lossAfterStep, pass: trainingProblems.length === 0 };

  return { onnxVsEngine, onnxVsOriginal, pytorchVsOriginal, gradients, problems, seconds: (performance.now() - started) / 1000 };
}

/** The parameter whose error is largest for its bound: max(MAX_GRADIENT_RELATIVE, FLOAT32_FACTOR × allowed). */
function worstForBound(ours: ReadonlyMap<string, number>, allowed: ReadonlyMap<string, number>): { worst: string; relative: number; bound: number } {
  let worst = { worst: '', relative: 0, bound: MAX_GRADIENT_RELATIVE };
  for (const [name, relative] of ours) {
    const bound = Math.max(MAX_GRADIENT_RELATIVE, FLOAT32_FACTOR * (allowed.get(name) ?? 0));
    // NaN or Infinity (a missing or mis-shaped gradient) must win: a comparison with NaN is false.
    if (!(relative / bound <= worst.relative / worst.bound)) worst = { worst: name, relative, bound };
  }
  return worst;
}

function worstOf(errors: ReadonlyMap<string, number>): { worst: string; relative: number } {
  let worst = { worst: '', relative: 0 };
  for (const [name, relative] of errors) if (!(relative <= worst.relative)) worst = { worst: name, relative };
  return worst;
}

/** Every gradient of `grads`' relative error against the float64 reference `theirs` (see ZERO_GRADIENT). */
function gradientErrors(grads: ReadonlyMap<string, Float32Array>, theirs: ReadonlyMap<string, Float32Array>): { errors: Map<string, number>; zero: number } {
  const errors = new Map<string, number>();
  let zero = 0;
  const largest = Math.max(0, ...[...theirs.values()].map(maxAbs));
  const layerOf = (name: string): string => name.slice(0, name.lastIndexOf('.'));
  const layerScale = new Map<string, number>();
  for (const [name, g] of theirs) layerScale.set(layerOf(name), Math.max(layerScale.get(layerOf(name)) ?? 0, maxAbs(g)));
  for (const [name, ours] of grads) {
    const g = theirs.get(name);
    let r = g && g.length === ours.length ? relativeError(ours, g) : Infinity;
    if (g && g.length === ours.length && maxAbs(g) < ZERO_GRADIENT * largest) {
      zero++;
      const scale = layerScale.get(layerOf(name))!;
      r = maxAbsDiff(ours, g) / (scale >= ZERO_GRADIENT * largest ? scale : largest);
    }
    errors.set(name, r);
  }
  return { errors, zero };
}

/** The model as trained for the comparison: dropout off, and a final softmax for the cross-entropy. */
export function trainingVariant(model: Model): Model {
  const layers: Layer[] = model.layers.map((l) => (l.type === 'dropout' ? { ...l, rate: 0 } : l));
  const last = layers[layers.length - 1]!;
  const activation = 'activation' in last ? last.activation : undefined;
  if (last.type === 'softmax' || activation === 'softmax') return { ...model, name: `${model.name}_train`, layers };
  const tail: Layer[] = last.type === 'dense' && (activation === undefined || activation === 'linear') ? [{ ...last, activation: 'softmax' }] : [last, { type: 'softmax' }];
  return { ...model, name: `${model.name}_train`, layers: [...layers.slice(0, -1), ...tail] };
}

function networkWith(model: Model, tensors: readonly NamedTensor[]): Network {
  const net = buildNetwork(model, analyze(model.input.shape, model.layers), 1);
  loadWeightsInto(model, net.params, { tensors, metadata: {} });
  return net;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |a − b|; NaN anywhere gives Infinity (Math.max would keep the NaN, a comparison with it would pass). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
  }
  return diff;
}

/** max |g − ref| / max |ref| (0 when both are all zeros). */
export function relativeError(g: ArrayLike<number>, ref: ArrayLike<number>): number {
  const diff = maxAbsDiff(g, ref);
  return diff === 0 ? 0 : diff / maxAbs(ref);
}

export function compareOutputs(ours: ArrayLike<number>, theirs: ArrayLike<number>): OutputCheck {
  let diff = ours.length === theirs.length ? 0 : Infinity;
  let scale = 1;
  for (let i = 0; i < theirs.length && diff !== Infinity; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(theirs[i]!));
  }
  return { diff, scale, pass: diff <= MAX_OUTPUT_DIFF * scale };
}

/** Runs an ONNX file on each input (its first input, its first output), outputs concatenated. */
async function runOrt(bytes: Uint8Array, inputs: readonly { data: Float32Array; dims: readonly number[] }[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const parts: Float32Array[] = [];
    for (const { data, dims } of inputs) {
      const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(data), [...dims]) });
      parts.push(Float32Array.from(result[session.outputNames[0]!]!.data as Float32Array));
    }
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  } finally {
    await session.release();
  }
}

function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
  return out;
}
