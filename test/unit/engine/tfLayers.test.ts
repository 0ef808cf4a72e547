// Differential tests, layer by layer: the engine and tfjs-core (CPU) on the same weights and inputs must agree on
// forward outputs and on the gradients of Σ y·r w.r.t. every input and weight, to 1e-4 of the tensor's scale. The
// cases: every type's template from the registry (in training mode too where training differs), and hand-picked
// variants.
import assert from 'node:assert/strict';
import type { EngineLayer } from '../../../src/engine/layer';
import { createLayer } from '../../../src/engine/layers';
import { Dropout } from '../../../src/engine/layers/dropout';
import { createRng, type Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import type { LayerInfo } from '../../../src/model/analysis';
import type { Layer, Shape } from '../../../src/model/types';
import { assertClose, distinctOffKinks, distinctValues, infoFor, randomTensor } from './helpers';
import { assertEveryType, TEMPLATE_CASES } from './registryCases';
import { tf, tfNode, toTf, useCpu } from './tfRef';

interface Case {
  readonly input: Shape;
  readonly layer: Layer;
  readonly training?: boolean;
  readonly distinct?: boolean;
  /** Distinct values off every activation's kink (the templates: whatever the layer, no ties and no kinks). */
  readonly offKinks?: boolean;
  /** tfjs has no gradient for this configuration (dilated conv/depthwise) or a different one (avgPool 'same'
   *  backward counts the padding, unlike its own forward): compare forward only. */
  readonly forwardOnly?: boolean;
  /** Inputs (and outputs) ×4: reach relu6's upper kink. */
  readonly wide?: boolean;
}

const cases: Case[] = [
  { input: [6, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' } },
  { input: [7, 6, 2], layer: { type: 'conv2d', filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same' } },
  { input: [5, 5, 4], layer: { type: 'conv2d', filters: 6, kernelSize: 1, useBias: false, activation: 'tanh' } },
  { input: [6, 7, 2], layer: { type: 'conv2d', filters: 9, kernelSize: 4, strides: [1, 2], padding: 'same', activation: 'sigmoid' } },
  { input: [8, 8, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }, forwardOnly: true },
  { input: [6, 6, 4], layer: { type: 'conv2d', filters: 6, kernelSize: 3, groups: 2, activation: 'relu' } },
  { input: [7, 6, 6], layer: { type: 'conv2d', filters: 9, kernelSize: [3, 2], strides: 2, padding: 'same', groups: 3 } },
  { input: [5, 5, 8], layer: { type: 'conv2d', filters: 4, kernelSize: 1, groups: 4, useBias: false, activation: 'tanh' } },
  { input: [8, 8, 4], layer: { type: 'conv2d', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', groups: 4 }, forwardOnly: true },
  { input: [6, 6, 3], layer: { type: 'depthwiseConv2d', kernelSize: 3, activation: 'leakyRelu' } },
  { input: [7, 6, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 3 } },
  { input: [8, 7, 2], layer: { type: 'depthwiseConv2d', kernelSize: 2, dilationRate: [2, 3], padding: 'same' }, forwardOnly: true },
  { input: [6, 6, 2], layer: { type: 'maxPool2d' }, distinct: true },
  { input: [7, 5, 3], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 'same' }, distinct: true },
  { input: [6, 6, 2], layer: { type: 'avgPool2d' } },
  { input: [7, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2 } },
  { input: [7, 5, 3], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 'same' }, forwardOnly: true },
  { input: [6, 7, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: [[0, 2], [1, 0]] } },
  { input: [6, 6, 2], layer: { type: 'conv2d', filters: 4, kernelSize: [3, 2], padding: [1, 2], dilationRate: 2 }, forwardOnly: true },
  { input: [6, 5, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 1, depthMultiplier: 2 } },
  { input: [7, 7, 3], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }, distinct: true },
  { input: [6, 8, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }, distinct: true },
  { input: [7, 6, 2], layer: { type: 'maxPool2d', poolSize: 2, strides: 1, padding: [[1, 0], [0, 1]], dilationRate: 2 }, distinct: true },
  { input: [7, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1 } },
  { input: [7, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, countIncludePad: true } },
  { input: [5, 6, 3], layer: { type: 'avgPool2d', poolSize: [3, 2], strides: 2, padding: [[1, 0], [0, 1]], ceilMode: true, countIncludePad: true } },
  { input: [5, 6, 3], layer: { type: 'avgPool2d', poolSize: [3, 2], strides: 2, padding: [[1, 0], [0, 1]], ceilMode: true } },
  { input: [4, 5, 3], layer: { type: 'globalAvgPool2d' } },
  { input: [4, 5, 3], layer: { type: 'globalMaxPool2d' }, distinct: true },
  { input: [4, 5, 3], layer: { type: 'globalAvgPool2d', keepDims: true } },
  { input: [4, 5, 3], layer: { type: 'globalMaxPool2d', keepDims: true }, distinct: true },
  { input: [3, 4, 2], layer: { type: 'flatten' } },
  { input: [12], layer: { type: 'dense', units: 7, activation: 'softmax' } },
  { input: [9], layer: { type: 'dense', units: 5, useBias: false, activation: 'relu' } },
  { input: [3, 3, 2], layer: { type: 'dropout', rate: 0.3 } },
  { input: [3, 3, 2], layer: { type: 'dropout', rate: 0.3 }, training: true },
  { input: [5], layer: { type: 'dropout', rate: 0.6 }, training: true },
  { input: [4, 4, 3], layer: { type: 'batchNorm' }, training: true },
  { input: [4, 4, 3], layer: { type: 'batchNorm', epsilon: 0.01 } },
  { input: [6], layer: { type: 'batchNorm' }, training: true },
  { input: [3, 3, 4], layer: { type: 'relu' } },
  { input: [3, 3, 4], layer: { type: 'leakyRelu', alpha: 0.1 } },
  { input: [3, 3, 4], layer: { type: 'sigmoid' } },
  { input: [3, 3, 4], layer: { type: 'tanh' } },
  { input: [3, 3, 4], layer: { type: 'softmax' } },
  { input: [3, 3, 4], layer: { type: 'relu6' }, wide: true },
  { input: [3, 3, 4], layer: { type: 'swish' }, wide: true },
  { input: [6, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'swish' } },
  { input: [3, 3, 4], layer: { type: 'hardSigmoid', alpha: 0.2 }, wide: true },
  { input: [3, 3, 4], layer: { type: 'hardSigmoid' }, wide: true },
  { input: [3, 3, 4], layer: { type: 'gelu' }, wide: true },
  { input: [6, 6, 3], layer: { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'gelu' }, wide: true },
  { input: [8], layer: { type: 'dense', units: 5, activation: 'hardSigmoid' }, wide: true },
  { input: [8], layer: { type: 'dense', units: 5, activation: 'relu6' }, wide: true },
  { input: [3, 3, 6], layer: { type: 'channelShuffle', groups: 3 } },
  { input: [2, 2, 8], layer: { type: 'channelShuffle', groups: 4 } },
  { input: [2, 2, 5], layer: { type: 'channelShuffle', groups: 1 } },
  { input: [4, 5, 3], layer: { type: 'zeroPadding2D' } },
  { input: [4, 5, 3], layer: { type: 'zeroPadding2D', padding: [1, 3] } },
  { input: [4, 5, 2], layer: { type: 'zeroPadding2D', padding: [[2, 0], [1, 3]] } },
  { input: [6, 6, 3], layer: { type: 'separableConv2d', filters: 4, kernelSize: 3, activation: 'relu' } },
  { input: [7, 6, 2], layer: { type: 'separableConv2d', filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 3, activation: 'relu6' }, wide: true },
  { input: [5, 5, 4], layer: { type: 'separableConv2d', filters: 3, kernelSize: [2, 3], useBias: false, activation: 'swish' } },
  { input: [3, 4, 6], layer: { type: 'layerNormalization' } },
  { input: [3, 3, 4], layer: { type: 'layerNormalization', epsilon: 1e-5, center: false } },
  { input: [7], layer: { type: 'layerNormalization', scale: false } },
  { input: [4, 4, 3], layer: { type: 'rescaling', scale: 1 / 255 } },
  { input: [6], layer: { type: 'rescaling', scale: -2.5, offset: 0.75 } },
  { input: [4, 5, 3], layer: { type: 'normalization', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] } },
  { input: [3, 3, 2], layer: { type: 'normalization', mean: 0.2, variance: [3, 0.01] } },
  { input: [5], layer: { type: 'normalization', mean: [1, 2, 3, 4, 5], variance: 7 } },
  { input: [3, 3, 5], layer: { type: 'channelSlice', start: 2, end: 5 } },
  { input: [6], layer: { type: 'channelSlice', start: 1, end: 4 } },
  { input: [8, 8, 2], layer: { type: 'separableConv2d', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same' }, forwardOnly: true },
];

const templateCases: Case[] = TEMPLATE_CASES.map(({ input, layer }) => ({ input, layer, offKinks: true }));

/** Non-kernel params (biases, batch norm's) random: the kernels are already. */
function perturbParams(layer: EngineLayer, rng: Rng): void {
  for (const p of layer.params) {
    if (!p.name.endsWith('.kernel')) p.value.forEach((_, i) => (p.value[i] = p.name.endsWith('Variance') || p.name.endsWith('gamma') ? 0.5 + rng.next() : rng.next() - 0.5));
  }
}

/** Forward and backward of the engine layer, then the same in tfjs on the same weights and inputs. */
function compare(c: Case, info: LayerInfo, layer: EngineLayer, rng: Rng, training: boolean): void {
  for (const p of layer.params) p.grad.fill(0);
  const shape = [4, ...c.input];
  const xs: Tensor[] = info.inputs.map(() => (c.offKinks ? distinctOffKinks(shape, rng) : c.distinct ? distinctValues(shape, rng) : randomTensor(shape, rng, c.wide ? 8 : 2)));
  const y = layer.forwardInputs ? layer.forwardInputs(xs, training) : layer.forward(xs[0]!, training);
  const yData = y.data.slice();
  // Training-mode dropout: tfjs applies the mask the engine drew; a mask without drops would test nothing.
  const masks = new Map<string, Uint8Array>();
  const kept = layer instanceof Dropout ? layer.keptMask() : undefined;
  if (kept) {
    assert.ok(kept.includes(0) && kept.includes(1), 'the mask both keeps and drops');
    masks.set(info.name, kept);
  }
  const r = randomTensor(y.shape, rng);
  const dxs = (layer.backwardInputs ? layer.backwardInputs(r) : [layer.backward(r)]).map((t) => t.data.slice());

  tf.tidy(() => {
    const names = layer.params.map((p) => p.name);
    const consts = layer.params.map((p) => tf.tensor(p.value, [...p.shape]));
    const trainable = layer.params.map((p, i) => (p.trainable ? i : -1)).filter((i) => i >= 0);
    const run = (xts: readonly tf.Tensor[], ws: readonly tf.Tensor[]): tf.Tensor => {
      const map = new Map(names.map((n, i) => [n, consts[i]!]));
      trainable.forEach((pi, j) => map.set(names[pi]!, ws[j]!));
      return tfNode(info, map, xts, training, masks);
    };
    const ref = run(xs.map(toTf), trainable.map((i) => consts[i]!));
    assertClose(yData, ref.dataSync(), 1e-4, 'forward');
    if (c.forwardOnly) return;
    const rt = toTf(r);
    const k = xs.length;
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(run(args.slice(0, k), args.slice(k)), rt)))([...xs.map(toTf), ...trainable.map((i) => consts[i]!)]);
    dxs.forEach((dx, j) => assertClose(dx, grads[j]!.dataSync(), 1e-4, k > 1 ? `dL/dx${j}` : 'dL/dx'));
    trainable.forEach((pi, j) => assertClose(layer.params[pi]!.grad, grads[k + j]!.dataSync(), 1e-4, `dL/d${names[pi]}`));
  });
}

function titleOf(c: Case): string {
  const { type, ...fields } = c.layer;
  return `${type} ${JSON.stringify(fields)} on ${c.input.join('×')}`;
}

describe('engine vs tfjs-core, per layer', () => {
  before(useCpu);

  it('covers every layer type', () => assertEveryType([...templateCases, ...cases].map((c) => c.layer), 'the per-layer differential tests'));

  templateCases.forEach((c, k) => {
    it(`${titleOf(c)} (the registry's template; in training too where it differs)`, () => {
      const rng = createRng(700 + k);
      const info = infoFor(c.input, c.layer);
      const layer = createLayer(info, rng.fork());
      perturbParams(layer, rng);
      compare(c, info, layer, rng, false);
      if (layer.trainingDiffers) compare(c, info, layer, rng, true);
    });
  });

  cases.forEach((c, k) => {
    it(`${titleOf(c)}${c.training ? ' (training)' : ''}`, () => {
      const rng = createRng(500 + k);
      const info = infoFor(c.input, c.layer);
      const layer = createLayer(info, rng.fork());
      perturbParams(layer, rng);
      compare(c, info, layer, rng, c.training ?? false);
    });
  });
});
