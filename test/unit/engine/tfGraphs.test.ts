// Differential tests of graph models against tfjs-core (CPU): the merge layers alone, then random seeded graphs
// with residual shortcuts (identity and projected), concatenations (of branches, of the model input, DenseNet
// style), values read by several layers and the new layers (separableConv2d, zeroPadding2D, relu6, swish), and one
// graph per layer type of the registry with that type's template in it. Same weights, same training loss and
// parameter gradients (fused softmax cross-entropy, batch norm and dropout in training mode), same inference
// outputs and the same input gradient of Σ output·r, to 1e-4.
import assert from 'node:assert/strict';
import { createLayer } from '../../../src/engine/layers';
import { Dropout } from '../../../src/engine/layers/dropout';
import { buildNetwork } from '../../../src/engine/network';
import { createRng, type Rng } from '../../../src/engine/rng';
import { analyze } from '../../../src/model/shapes';
import { LAYER_TYPES } from '../../../src/model/spec';
import { MODEL_FORMAT, type ActivationName, type Layer, type LayerType, type Model } from '../../../src/model/types';
import { assertClose, randomTensor } from './helpers';
import { assertEveryType, isMerge, TEMPLATE_CASES, templateOf } from './registryCases';
import { paramsToTf, tf, tfModel, tfNode, toTf, useCpu } from './tfRef';

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
// No relu-like activation right before a max pool (ties among zeros); avg pools only in these graphs.
const ACTS: ActivationName[] = ['linear', 'tanh', 'sigmoid', 'leakyRelu', 'relu6', 'swish', 'relu'];

/**
 * A random valid graph: a stem, 2–4 blocks, a classifier. Every layer is named; every branch reaches the output.
 * With `featured`, that type's template (the registry's) joins before the classifier: on an image reading fresh tanh
 * convolutions (tie-free: a max pool of relu's zeros would route gradients differently in the two engines), or on
 * the pooled features when the template needs a flat input.
 */
export function randomGraph(rng: Rng, featured?: LayerType): Model {
  for (let attempt = 0; ; attempt++) {
    if (attempt === 1000) throw new Error(`no valid random graph${featured ? ` with ${featured}'s template` : ''} in 1000 attempts`);
    const input = [6 + rng.int(5), 6 + rng.int(5), 1 + rng.int(3)] as const;
    const layers: Layer[] = [];
    let count = 0;
    /** Adds a layer named l<k>, returns its name. */
    const push = (layer: Layer): string => {
      const name = `l${count++}`;
      layers.push({ ...layer, name });
      return name;
    };
    const conv = (filters: number, from?: string, strides = 1): string =>
      push({ type: 'conv2d', filters, kernelSize: 1 + rng.int(3), padding: 'same', strides, activation: pick(rng, ACTS), ...(from ? { inputs: [from] } : {}) });
    let channels = 2 + rng.int(3);
    let prev = conv(channels);
    for (let b = 2 + rng.int(3); b > 0; b--) {
      const kind = rng.int(5);
      if (kind === 0) {
        // Identity shortcut around two layers, optionally with batch norm.
        let t = conv(channels, prev);
        if (rng.next() < 0.5) t = push({ type: 'batchNorm' });
        t = rng.next() < 0.5 ? conv(channels) : push({ type: 'separableConv2d', filters: channels, kernelSize: 3, padding: 'same', depthMultiplier: 1 + rng.int(2), activation: pick(rng, ACTS) });
        prev = push({ type: 'add', inputs: [prev, t] });
        if (rng.next() < 0.5) prev = push({ type: pick(rng, ['relu6', 'swish', 'tanh'] as const) });
      } else if (kind === 1) {
        // Downsampling block with a projected shortcut (1×1, stride 2).
        const next = channels + 1 + rng.int(3);
        const main = conv(next, prev, 2);
        const proj = push({ type: 'conv2d', filters: next, kernelSize: 1, strides: 2, inputs: [prev] });
        prev = push({ type: 'add', inputs: [proj, main] });
        channels = next;
      } else if (kind === 2) {
        // Inception-like: two or three branches concatenated.
        const a = conv(1 + rng.int(3), prev);
        const pad = push({ type: 'zeroPadding2D', padding: 1, inputs: [prev] });
        const bb = push({ type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 1 + rng.int(2), activation: pick(rng, ACTS) });
        const branches = [a, bb];
        if (rng.next() < 0.5) branches.push(push({ type: 'avgPool2d', poolSize: 3, strides: 1, padding: 'valid', inputs: [pad] }));
        prev = push({ type: 'concatenate', inputs: branches });
        channels = 0;
        for (const name of branches) channels += channelsOf(input, layers, name);
      } else if (kind === 3) {
        // DenseNet-like: the block's input concatenated with its output.
        const t = conv(1 + rng.int(3), prev);
        // At the input's resolution, the model input may join too (then read by two layers).
        const withInput = sameSpatial(input, layers, prev) && rng.next() < 0.6;
        prev = push({ type: 'concatenate', inputs: withInput ? ['input', prev, t] : [prev, t] });
        channels = channelsOf(input, layers, prev);
      } else {
        // A sum of one value with itself and with a transformed copy (three readers of `prev`).
        const t = conv(channels, prev);
        prev = push({ type: 'add', inputs: [prev, t, prev] });
      }
    }
    // The model input joins once in a while: a concatenation at the input's resolution.
    if (rng.next() < 0.5 && sameSpatial(input, layers, prev)) prev = push({ type: 'concatenate', inputs: ['input', prev] });
    const onImage = featured !== undefined && TEMPLATE_CASES.find((c) => c.type === featured)!.input.length === 3;
    if (onImage) {
      const from = (): string => push({ type: 'conv2d', filters: channels, kernelSize: 1 + rng.int(3), padding: 'same', activation: 'tanh', inputs: [prev] });
      prev = push({ ...templateOf(featured), inputs: isMerge(featured) ? [from(), from()] : [from()] });
    }
    if ((outputOf(input, layers, prev)?.length ?? 3) === 3) {
      if (rng.next() < 0.5) prev = push({ type: 'globalAvgPool2d', inputs: [prev] });
      else {
        push({ type: 'avgPool2d', poolSize: 2, inputs: [prev] });
        prev = push({ type: 'flatten' });
      }
    }
    if (featured !== undefined && !onImage) prev = push({ ...templateOf(featured), inputs: isMerge(featured) ? [prev, prev] : [prev] });
    if (rng.next() < 0.5) push({ type: 'dropout', rate: pick(rng, [0.25, 0.5]) });
    push({ type: 'dense', units: 2 + rng.int(4), activation: 'softmax' });
    const analysis = analyze(input, layers);
    if (analysis.ok && analysis.layers.every((l) => l.errors.length === 0)) return { format: MODEL_FORMAT, name: 'random graph', input: { shape: input }, layers };
  }
}

function outputOf(input: readonly number[], layers: Layer[], name: string): readonly number[] | undefined {
  const analysis = analyze(input, layers);
  return analysis.layers.find((l) => l.name === name)?.outputShape;
}

function channelsOf(input: readonly number[], layers: Layer[], name: string): number {
  return outputOf(input, layers, name)?.at(-1) ?? 0;
}

function sameSpatial(input: readonly number[], layers: Layer[], name: string): boolean {
  const s = outputOf(input, layers, name);
  return !!s && s[0] === input[0] && s[1] === input[1];
}

describe('engine vs tfjs-core, graph models', () => {
  before(useCpu);

  const merges: { title: string; input: readonly number[]; layers: Layer[] }[] = [
    { title: 'add of 3 inputs (one twice)', input: [4, 4, 3], layers: [{ type: 'conv2d', name: 'a', filters: 3, kernelSize: 1 }, { type: 'add', inputs: ['a', 'input', 'a'] }] },
    { title: 'concatenate of 3 inputs', input: [4, 5, 2], layers: [{ type: 'conv2d', name: 'a', filters: 3, kernelSize: 1 }, { type: 'concatenate', inputs: ['a', 'input', 'a'] }] },
    { title: 'concatenate, flat', input: [7], layers: [{ type: 'dense', name: 'a', units: 2 }, { type: 'concatenate', inputs: ['input', 'a'] }] },
  ];
  for (const c of merges) {
    it(`${c.title}: forward and each input's gradient`, () => {
      const rng = createRng(40);
      const info = analyze(c.input, c.layers).layers[c.layers.length - 1]!;
      const layer = createLayer(info, rng.fork());
      const xs = info.inputs.map((inp) => randomTensor([3, ...inp.shape!], rng, 2));
      const y = layer.forwardInputs!(xs, false);
      const yData = y.data.slice();
      const r = randomTensor(y.shape, rng);
      const dxs = layer.backwardInputs!(r).map((t) => t.data.slice());
      tf.tidy(() => {
        const ref = tfNode(info, new Map(), xs.map(toTf), false);
        assertClose(yData, ref.dataSync(), 1e-6, 'forward');
        // The layer's gradient per input slot (the network sums slots that name the same value).
        const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(tfNode(info, new Map(), ts, false), toTf(r))))(xs.map(toTf));
        grads.forEach((g, k) => assertClose(dxs[k]!, g.dataSync(), 1e-6, `dL/dx${k}`));
      });
    });
  }

  // Twelve random graphs, and one with each layer type's template.
  const graphs = [
    ...Array.from({ length: 12 }, (_, k) => ({ title: `random graph #${k}`, seed: 1200 + k, netSeed: 31 + k, featured: undefined })),
    ...LAYER_TYPES.map((type, k) => ({ title: `random graph with ${type}'s template`, seed: 1300 + k, netSeed: 131 + k, featured: type })),
  ];

  it('the random graphs cover every layer type', () => assertEveryType(graphs.flatMap((g) => randomGraph(createRng(g.seed), g.featured).layers), 'the random graphs'));

  for (const g of graphs) {
    it(`${g.title}: training loss and gradients, inference outputs, input gradient agree`, () => {
      const rng = createRng(g.seed);
      const model = randomGraph(rng, g.featured);
      const analysis = analyze(model.input.shape, model.layers);
      const what = JSON.stringify(model.layers);
      assert.ok(analysis.layers.some((l) => l.inputs.length > 1), `a merge in ${what}`);
      const net = buildNetwork(model, analysis, g.netSeed);
      for (const p of net.params) {
        if (p.name.endsWith('.bias') || p.name.endsWith('.beta')) p.value.forEach((_, i) => (p.value[i] = 0.4 * (rng.next() - 0.5)));
        if (p.name.endsWith('.gamma')) p.value.forEach((_, i) => (p.value[i] = 0.5 + rng.next()));
      }
      const n = 4;
      const x = randomTensor([n, ...model.input.shape], rng, 2);
      const classes = analysis.outputShape![0]!;
      const labels = Int32Array.from({ length: n }, () => rng.int(classes));
      net.zeroGrads();
      const { loss } = net.trainBatch(x, labels, 'sparseCategoricalCrossentropy');
      const masks = new Map<string, Uint8Array>();
      net.layers.forEach((l, i) => {
        const kept = l instanceof Dropout ? l.keptMask() : undefined;
        if (kept) masks.set(analysis.layers[i]!.name, kept);
      });
      const trainGrads = net.params.map((p) => p.grad.slice());
      // Inference reads batch norm's moving statistics as the training step left them.
      const inference = net.forward(x, false).data.slice();
      tf.tidy(() => assertClose(inference, tfModel(analysis.layers, paramsToTf(net.params), toTf(x), false).dataSync(), 1e-4, `inference of ${what}`));
      // dLoss/dInput of Σ output·r after a training forward (fresh dropout masks, read for tfjs).
      const r = randomTensor([n, classes], rng);
      net.forward(x, true);
      const inputMasks = new Map<string, Uint8Array>();
      net.layers.forEach((l, i) => {
        const kept = l instanceof Dropout ? l.keptMask() : undefined;
        if (kept) inputMasks.set(analysis.layers[i]!.name, kept);
      });
      const dInput = net.backward(r).data.slice();

      tf.tidy(() => {
        // Training mode normalises with the batch's statistics: the moving ones (changed since) do not matter.
        const map = paramsToTf(net.params);
        const trainable = net.params.filter((p) => p.trainable);
        const xt = toTf(x);
        const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
        const f = (...ws: tf.Tensor[]): tf.Scalar => {
          const m = new Map(map);
          trainable.forEach((p, i) => m.set(p.name, ws[i]!));
          const probs = tfModel(analysis.layers, m, xt, true, masks);
          return tf.neg(tf.mean(tf.log(tf.sum(tf.mul(probs, onehot), 1)))) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f)(trainable.map((p) => map.get(p.name)!));
        assertClose([loss], value.dataSync(), 1e-4, `loss of ${what}`);
        // A bias right before batch norm has a true gradient of 0 and float noise instead: measure every gradient
        // against 1% of the largest one in the model.
        const refs = grads.map((g) => Float32Array.from(g.dataSync()));
        const floor = 0.01 * Math.max(...refs.map((ref) => ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
        const byName = new Map(net.params.map((p, i) => [p.name, trainGrads[i]!]));
        trainable.forEach((p, i) => assertClose(byName.get(p.name)!, refs[i]!, 1e-4, `d/d${p.name} of ${what}`, floor));
        const rt = toTf(r);
        const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tfModel(analysis.layers, map, xi, true, inputMasks), rt)))(xt);
        assertClose(dInput, gx.dataSync(), 1e-4, `dL/dInput of ${what}`);
      });
    });
  }
});
