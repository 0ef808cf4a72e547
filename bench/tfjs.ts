// One TensorFlow.js backend (wasm or cpu, 4.22) running the same plain steps as `cnn bench MODEL`: the model file
// built from tfjs ops (fused conv/matmul + bias + ReLU, as tfjs-layers runs them), Glorot weights, zero biases,
// the same seeded synthetic batch (our mulberry32: uniform [0, 1) inputs, random labels), softmax cross-entropy,
// SGD 0.01. Run by bench/run.ts, one process per backend and case; prints one JSON line.
//   npx tsx bench/tfjs.ts --backend wasm|cpu MODEL --mode train|infer --batch N [--seconds S] [--runs R]
//   npx tsx bench/tfjs.ts --backend wasm --check      (only the Conv2DBackpropFilter self-check; the timed runs
//                                                     check first too unless --skip-check, as run.ts passes)
//   --filter-grad conv|im2col picks the formulation of that kernel (default conv, the faster one here)
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so conv training throws out of the box; bench/
// tfjsWasmConvFilter.ts registers one built from the backend's own ops, checked here against tfjs-cpu before timing.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createRng } from '../src/engine/rng';
import { parseModelText } from '../src/model/parse';
import { inferShapes } from '../src/model/shapes';
import type { IntOrPair, Layer, Model } from '../src/model/types';
import { checkConv2DBackpropFilter, registerWasmConv2DBackpropFilter, type FilterGradStrategy } from './tfjsWasmConvFilter';
import { median, timeRuns } from './timing';

type Backend = 'wasm' | 'cpu';

const pair = (v: IntOrPair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Loads the wasm backend from the package's own .wasm files (offline), single-threaded with SIMD. */
async function useWasm(strategy: FilterGradStrategy): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // No threaded build: the comparison is one core against our one core.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  registerWasmConv2DBackpropFilter(strategy);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (!simd) throw new Error('tfjs wasm backend without SIMD: not the configuration to compare with');
  return `tfjs-wasm ${tf.version_core} (XNNPACK, SIMD, ${wasm.getThreadsCount()} thread)`;
}

interface TfModel {
  /** Logits (no final softmax) of x. */
  readonly logits: (x: tf.Tensor4D) => tf.Tensor2D;
  readonly vars: tf.Variable[];
  readonly finalSoftmax: boolean;
}

/** The model in tfjs ops, shapes from our shape function. Weights: Glorot uniform (Keras' fans), biases zero,
 *  as our engine's defaults. */
function buildTfModel(model: Model, seed: number): TfModel {
  const analysis = inferShapes(model);
  if (!analysis.ok) throw new Error(`${model.name}: the model has shape errors`);
  const vars: tf.Variable[] = [];
  const glorot = (shape: number[], fanIn: number, fanOut: number): tf.Variable => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const v = tf.variable(tf.randomUniform(shape, -limit, limit, 'float32', seed + vars.length));
    vars.push(v);
    return v;
  };
  const ops: ((t: tf.Tensor) => tf.Tensor)[] = [];
  const last = model.layers[model.layers.length - 1];
  const finalSoftmax = last !== undefined && 'activation' in last && last.activation === 'softmax';
  for (const info of analysis.layers) {
    const l: Layer = info.layer;
    const isLast = info.index === model.layers.length - 1;
    const activation = 'activation' in l ? (l.activation ?? 'linear') : 'linear';
    if (activation !== 'relu' && activation !== 'linear' && !(isLast && activation === 'softmax')) throw new Error(`no tfjs twin for activation ${activation}`);
    // The final softmax is fused into the loss (training) or applied after (inference), as in our engine.
    const fusedActivation = activation === 'relu' ? 'relu' : 'linear';
    const input = info.inputShape!;
    if ('useBias' in l && l.useBias === false) throw new Error('no tfjs twin for layers without bias');
    // Only the layers the benchmark models use have a twin here; anything else is an error, not a guess.
    if (l.type === 'conv2d') {
      const [kh, kw] = pair(l.kernelSize);
      const channels = input[2]!;
      const w = glorot([kh, kw, channels, l.filters], kh * kw * channels, kh * kw * l.filters);
      const b = tf.variable(tf.zeros([l.filters]));
      vars.push(b);
      const strides = pair(l.strides ?? 1);
      const dilations = pair(l.dilationRate ?? 1);
      const pad = (l.padding ?? 'valid') as 'valid' | 'same';
      ops.push((t) => tf.fused.conv2d({ x: t as tf.Tensor4D, filter: w as tf.Tensor4D, strides, pad, dilations, bias: b, activation: fusedActivation }));
    } else if (l.type === 'maxPool2d') {
      const size = pair(l.poolSize ?? 2);
      const strides = pair(l.strides ?? l.poolSize ?? 2);
      ops.push((t) => tf.maxPool(t as tf.Tensor4D, size, strides, (l.padding ?? 'valid') as 'valid' | 'same'));
    } else if (l.type === 'flatten') {
      ops.push((t) => tf.reshape(t, [t.shape[0]!, -1]));
    } else if (l.type === 'dense') {
      const features = input[0]!;
      const w = glorot([features, l.units], features, l.units);
      const b = tf.variable(tf.zeros([l.units]));
      vars.push(b);
      ops.push((t) => tf.fused.matMul({ a: t as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: fusedActivation }));
    } else {
      throw new Error(`no tfjs twin for layer ${l.type}`);
    }
  }
  return { logits: (x) => ops.reduce<tf.Tensor>((t, op) => op(t), x) as tf.Tensor2D, vars, finalSoftmax };
}

function loadModel(path: string): Model {
  const { model, diagnostics } = parseModelText(readFileSync(path, 'utf8'));
  if (!model) throw new Error(`${path}: ${diagnostics.map((d) => d.message).join('; ')}`);
  return model;
}

/** The same batch as `cnn bench` (src/cli/bench.ts modelStep: createRng(seed + 1), inputs then labels). */
function syntheticBatch(model: Model, batch: number, classes: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = createRng(seed + 1);
  const x = new Float32Array(batch * model.input.shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = rng.int(classes);
  return { x, labels };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      backend: { type: 'string' }, mode: { type: 'string' }, batch: { type: 'string' }, seconds: { type: 'string' },
      runs: { type: 'string' }, check: { type: 'boolean' }, 'skip-check': { type: 'boolean' }, seed: { type: 'string' }, 'filter-grad': { type: 'string' }, 'slow-step': { type: 'string' },
    },
  });
  const backend = values.backend as Backend;
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error('--backend must be wasm or cpu');
  let label: string;
  if (backend === 'wasm') {
    const strategy = values['filter-grad'] ?? 'conv';
    if (strategy !== 'im2col' && strategy !== 'conv') throw new Error('--filter-grad must be im2col or conv');
    label = await useWasm(strategy);
    // bench/run.ts runs the check once, in its own process, before timing (--skip-check for the timed ones).
    if (!values['skip-check']) {
      const check = await checkConv2DBackpropFilter();
      console.error(`Conv2DBackpropFilter self-check against tfjs-cpu: ${check.cases} cases, max relative error ${check.maxRelativeError.toExponential(2)}`);
      await tf.setBackend('wasm');
    }
    if (values.check) return;
  } else {
    await tf.setBackend('cpu');
    label = `tfjs-cpu ${tf.version_core}`;
  }
  await tf.ready();
  const [path] = positionals;
  if (!path) throw new Error('usage: tfjs.ts --backend wasm|cpu MODEL --mode train|infer --batch N');
  const mode = values.mode ?? 'train';
  if (mode !== 'train' && mode !== 'infer') throw new Error('--mode must be train or infer');
  const batch = Number(values.batch ?? 32);
  const seconds = Number(values.seconds ?? 3);
  const runs = Number(values.runs ?? 3);
  const seed = Number(values.seed ?? 1);
  const model = loadModel(path);
  const net = buildTfModel(model, seed);
  const classes = inferShapes(model).outputShape![0]!;
  const data = syntheticBatch(model, batch, classes, seed);
  const x = tf.tensor4d(data.x, [batch, ...model.input.shape]);
  const labels = tf.oneHot(tf.tensor1d(data.labels, 'int32'), classes);
  const optimizer = tf.train.sgd(0.01);
  const step =
    mode === 'train'
      ? (): number => {
          const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, net.logits(x)) as tf.Scalar, true, net.vars);
          const v = loss!.dataSync()[0]!;
          loss!.dispose();
          return v;
        }
      : (): number => {
          const y = tf.tidy(() => (net.finalSoftmax ? tf.softmax(net.logits(x)) : net.logits(x)));
          const out = y.dataSync();
          y.dispose();
          return out[0]!;
        };
  const timing = timeRuns(step, batch, seconds, runs, Number(values['slow-step'] ?? Infinity));
  console.log(JSON.stringify({
    backend: label, samples_per_s: median(timing.rates), runs: timing.rates, threads: 1,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...(timing.singleStepSeconds !== undefined ? { single_step_s: timing.singleStepSeconds } : {}),
    // Still alive after every step: the variables, the batch and the labels (more would be a leak per step).
    tensors: tf.memory().numTensors,
  }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
