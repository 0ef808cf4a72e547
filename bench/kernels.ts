// Side-by-side throughput of our engine (its JavaScript and its WebAssembly kernels) and @tensorflow/tfjs-core +
// tfjs-backend-cpu (the pure-JS TF backend) in the same process: conv forward/backward, dense, and whole training steps of LeNet-5 and Keras' simple MNIST
// convnet with the same weights, batch sizes and optimizer (Adam). Not a test: numbers vary with the machine.
//   npx tsx bench/kernels.ts [--seconds S] [--filter TEXT] [--tfjs-batch N]
// tfjs-backend-cpu's convolution gradients are very slow (about a sample per second for the 32→64 conv), so tfjs
// runs at most --tfjs-batch samples per iteration (default 16); samples/s is per sample either way.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { parseArgs } from 'node:util';
import {
  LAYER_CASES, MODEL_CASES, engineLayer, engineLayerCases, engineTrainStep, engineTrainStepCase, formatRate, measure,
  randomLabels, type BenchCase, type BenchCaseFactory, type LayerCase, type ModelCase,
} from '../src/cli/bench';
import { loadKernels, type KernelsChoice } from '../src/node/runtime/loadKernels';
import { getKernels, setKernels } from '../src/engine/kernels';
import type { Param } from '../src/engine/layer';
import { createRng } from '../src/engine/rng';
import type { IntOrPair, Layer } from '../src/model/types';

const toTf = (p: Param): tf.Tensor => tf.tensor(p.value, [...p.shape], 'float32');
const pair = (v: IntOrPair): number | [number, number] => (typeof v === 'number' ? v : [v[0], v[1]]);

function tfLayerCases(c: LayerCase): BenchCase[] {
  const { layer, x, dy } = engineLayer(c);
  const xs = tf.tensor(x.data, [...x.shape]);
  const dys = tf.tensor(dy.data, [...dy.shape]);
  const [w, b] = layer.params.map(toTf) as [tf.Tensor, tf.Tensor];
  const l = c.layer;
  let f: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  if (l.type === 'conv2d') {
    const strides = pair(l.strides ?? 1);
    const padding = (l.padding ?? 'valid') as 'valid' | 'same';
    f = (x, w, b) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, padding), b);
  } else if (l.type === 'dense') {
    f = (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
  } else {
    throw new Error(`no tfjs twin for ${l.type}`);
  }
  const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => f(x, w, b));
  return [
    { name: `${c.name} forward`, samples: c.batch, run: () => void tf.tidy(() => f(xs, w, b).dataSync()) },
    {
      name: `${c.name} forward+backward`,
      samples: c.batch,
      run: () => void tf.tidy(() => grads([xs, w, b], dys).forEach((g) => g.dataSync())),
    },
  ];
}

/** The model in tfjs ops over tf variables initialised from the engine's weights; returns the logits. */
function tfForward(layers: readonly Layer[], vars: readonly tf.Variable[], x: tf.Tensor): tf.Tensor {
  let t = x;
  let v = 0;
  for (const l of layers) {
    switch (l.type) {
      case 'conv2d': {
        const w = vars[v++]!;
        const b = vars[v++]!;
        t = tf.add(tf.conv2d(t as tf.Tensor4D, w as tf.Tensor4D, pair(l.strides ?? 1), (l.padding ?? 'valid') as 'valid' | 'same'), b);
        if (l.activation === 'relu') t = tf.relu(t);
        break;
      }
      case 'maxPool2d':
        t = tf.maxPool(t as tf.Tensor4D, pair(l.poolSize ?? 2), pair(l.strides ?? l.poolSize ?? 2), (l.padding ?? 'valid') as 'valid' | 'same');
        break;
      case 'flatten':
        t = tf.reshape(t, [t.shape[0]!, -1]);
        break;
      case 'dropout':
        t = tf.dropout(t, l.rate);
        break;
      case 'dense': {
        const w = vars[v++]!;
        const b = vars[v++]!;
        t = tf.add(tf.matMul(t as tf.Tensor2D, w as tf.Tensor2D), b);
        if (l.activation === 'relu') t = tf.relu(t);
        break;
      }
      default:
        throw new Error(`no tfjs twin for ${l.type}`);
    }
  }
  return t;
}

function tfTrainStep(c: ModelCase): BenchCase {
  const { network } = engineTrainStep(c);
  const vars = network.params.map((p) => tf.variable(toTf(p)));
  const rng = createRng(2);
  const x = tf.randomUniform([c.batch, ...c.model.input.shape], 0, 1, 'float32', 3);
  const classes = network.outputShape[network.outputShape.length - 1]!;
  const labels = tf.oneHot(tf.tensor1d(randomLabels(c.batch, classes, rng), 'int32'), classes);
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  return {
    name: c.name,
    samples: c.batch,
    run: () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, tfForward(c.model.layers, vars, x)) as tf.Scalar, true, vars);
      loss?.dataSync();
      loss?.dispose();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, filter: { type: 'string' }, 'tfjs-batch': { type: 'string' } } });
  const seconds = Number(values.seconds ?? 1);
  const cap = Math.max(1, Number(values['tfjs-batch'] ?? 16));
  const capped = <T extends { batch: number }>(c: T): T => ({ ...c, batch: Math.min(c.batch, cap) });
  const filter = values.filter?.toLowerCase();
  const wanted = (name: string): boolean => !filter || name.toLowerCase().includes(filter);
  await tf.setBackend('cpu');
  await tf.ready();
  const wasm = loadKernels('auto');
  if (wasm.fallback) console.log(`no WebAssembly kernels (${wasm.fallback}): the wasm column repeats js`);
  const js = loadKernels('js');
  const timed = (k: KernelsChoice, c: BenchCaseFactory): number => {
    const previous = getKernels();
    setKernels(k.kernels);
    try {
      return measure(c.create(), seconds).samplesPerSecond;
    } finally {
      setKernels(previous);
    }
  };
  console.log(`ours: js and ${wasm.name} kernels; tfjs ${tf.version_core} (${tf.getBackend()} backend); node ${process.version}; ≥${seconds}s per case`);
  console.log(`${'case'.padEnd(44)} ${'ours js'.padStart(9)} ${'ours wasm'.padStart(9)} ${'tfjs'.padStart(9)}  wasm/js  wasm/tfjs   (samples/s; tfjs batch ≤ ${cap})`);
  const pairs: [BenchCaseFactory, BenchCase][] = [];
  for (const c of LAYER_CASES) {
    const ours = engineLayerCases(c);
    const theirs = tfLayerCases(capped(c));
    ours.forEach((o, i) => pairs.push([o, theirs[i]!]));
  }
  for (const m of MODEL_CASES) pairs.push([engineTrainStepCase(m), tfTrainStep(capped(m))]);
  for (const [ours, theirs] of pairs) {
    if (!wanted(ours.name)) continue;
    const a = timed(js, ours);
    const w = timed(wasm, ours);
    const b = measure(theirs, seconds).samplesPerSecond;
    const note = theirs.samples < ours.samples ? `  (batch ${ours.samples}; tfjs ${theirs.samples})` : `  (batch ${ours.samples})`;
    const rates = [a, w, b].map((r) => formatRate(r).padStart(9)).join(' ');
    console.log(`${ours.name.padEnd(44)} ${rates}  ${(w / a).toFixed(2).padStart(6)}×  ${(w / b).toFixed(2).padStart(8)}×${note}`);
  }
}

void main();
