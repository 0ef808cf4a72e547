// Finite-difference gradient checks for every layer type, on the input and the weights: every type's template from
// the registry (in training mode too where training differs from inference), and hand-picked stride, 'same'
// (asymmetric) padding and dilation variants.
import assert from 'node:assert/strict';
import type { EngineLayer } from '../../../src/engine/layer';
import { createLayer } from '../../../src/engine/layers';
import { Dropout } from '../../../src/engine/layers/dropout';
import { createRng, type Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import type { Layer, Shape } from '../../../src/model/types';
import { awayFromKinks, awayFromZero, checkCoords, distinctOffKinks, distinctValues, gradCheckInputs, infoFor, randomTensor } from './helpers';
import { assertEveryType, TEMPLATE_CASES } from './registryCases';

interface Case {
  readonly title: string;
  readonly input: Shape;
  readonly layer: Layer;
  readonly x?: 'distinct' | 'awayFromZero' | 'awayFromKinks' | 'distinctOffKinks';
  readonly training?: boolean;
}

const cases: Case[] = [
  { title: 'conv2d valid', input: [5, 6, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3 } },
  { title: 'conv2d same, stride 2 (asymmetric pad)', input: [6, 7, 3], layer: { type: 'conv2d', filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same' } },
  { title: 'conv2d dilation 2, same, tanh', input: [7, 7, 2], layer: { type: 'conv2d', filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' } },
  { title: 'conv2d 1×1 no bias, sigmoid', input: [4, 4, 3], layer: { type: 'conv2d', filters: 5, kernelSize: 1, useBias: false, activation: 'sigmoid' } },
  { title: 'conv2d strides [2,1] dilation 1, softmax', input: [6, 5, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 2, strides: [2, 1], activation: 'softmax' } },
  { title: 'conv2d groups 2, same, stride 2, tanh', input: [6, 5, 4], layer: { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', groups: 2, activation: 'tanh' } },
  { title: 'conv2d groups 3, dilation 2, valid, no bias', input: [7, 6, 6], layer: { type: 'conv2d', filters: 3, kernelSize: [3, 2], dilationRate: 2, groups: 3, useBias: false } },
  { title: 'conv2d groups 2, 1×1 (pointwise), sigmoid', input: [3, 4, 4], layer: { type: 'conv2d', filters: 6, kernelSize: 1, groups: 2, activation: 'sigmoid' } },
  { title: 'conv2d groups 2, softmax', input: [4, 4, 2], layer: { type: 'conv2d', filters: 4, kernelSize: 2, groups: 2, activation: 'softmax' } },
  { title: 'depthwise valid', input: [5, 5, 3], layer: { type: 'depthwiseConv2d', kernelSize: 3 } },
  { title: 'depthwise same stride 2 mult 2', input: [6, 7, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 } },
  { title: 'depthwise dilation 2 tanh', input: [7, 6, 2], layer: { type: 'depthwiseConv2d', kernelSize: [2, 3], dilationRate: [2, 1], padding: 'same', activation: 'tanh' } },
  { title: 'maxPool2d 2×2', input: [4, 6, 2], layer: { type: 'maxPool2d', poolSize: 2 }, x: 'distinct' },
  { title: 'maxPool2d 3×3 stride 2 same', input: [6, 7, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 'same' }, x: 'distinct' },
  { title: 'avgPool2d 2×2', input: [4, 6, 2], layer: { type: 'avgPool2d', poolSize: 2 } },
  { title: 'avgPool2d 3×2 stride 2 same (padding excluded)', input: [5, 6, 3], layer: { type: 'avgPool2d', poolSize: [3, 2], strides: 2, padding: 'same' } },
  { title: 'conv2d explicit padding [[0, 2], [1, 0]], stride 2', input: [5, 6, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: [[0, 2], [1, 0]] } },
  { title: 'depthwise padding 1 stride 2 mult 2', input: [5, 6, 2], layer: { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, padding: 1, depthMultiplier: 2 } },
  { title: 'separableConv2d padding [2, 1] dilation 2', input: [5, 5, 2], layer: { type: 'separableConv2d', filters: 3, kernelSize: 3, padding: [2, 1], dilationRate: 2 } },
  { title: 'maxPool2d 3×3 stride 2 padding 1 (ResNet stem)', input: [7, 6, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }, x: 'distinct' },
  { title: 'maxPool2d 3×3 stride 2 ceilMode (GoogLeNet)', input: [6, 8, 2], layer: { type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }, x: 'distinct' },
  { title: 'maxPool2d 2×2 dilation 2 padding [[1, 0], [0, 1]] ceilMode', input: [6, 7, 2], layer: { type: 'maxPool2d', poolSize: 2, dilationRate: 2, padding: [[1, 0], [0, 1]], ceilMode: true }, x: 'distinct' },
  { title: 'avgPool2d 3×3 stride 2 padding 1 (padding excluded)', input: [6, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1 } },
  { title: 'avgPool2d 3×3 stride 2 padding 1 countIncludePad', input: [6, 7, 2], layer: { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, countIncludePad: true } },
  { title: 'avgPool2d 3×2 stride 2 padding [[1, 0], [0, 1]] ceilMode countIncludePad', input: [5, 6, 3], layer: { type: 'avgPool2d', poolSize: [3, 2], strides: 2, padding: [[1, 0], [0, 1]], ceilMode: true, countIncludePad: true } },
  { title: 'globalAvgPool2d', input: [3, 4, 3], layer: { type: 'globalAvgPool2d' } },
  { title: 'globalMaxPool2d', input: [3, 4, 3], layer: { type: 'globalMaxPool2d' }, x: 'distinct' },
  { title: 'globalAvgPool2d keepDims', input: [3, 4, 3], layer: { type: 'globalAvgPool2d', keepDims: true } },
  { title: 'globalMaxPool2d keepDims', input: [3, 4, 3], layer: { type: 'globalMaxPool2d', keepDims: true }, x: 'distinct' },
  { title: 'flatten', input: [2, 3, 2], layer: { type: 'flatten' } },
  { title: 'dense linear', input: [7], layer: { type: 'dense', units: 5 } },
  { title: 'dense softmax', input: [6], layer: { type: 'dense', units: 4, activation: 'softmax' } },
  { title: 'dense relu no bias', input: [6], layer: { type: 'dense', units: 4, activation: 'leakyRelu', useBias: false } },
  { title: 'dropout (inference)', input: [3, 3, 2], layer: { type: 'dropout', rate: 0.5 } },
  { title: 'dropout training (one mask for all perturbations)', input: [3, 3, 2], layer: { type: 'dropout', rate: 0.5 }, training: true },
  { title: 'dropout training, rate 0.2, flat', input: [16], layer: { type: 'dropout', rate: 0.2 }, training: true },
  { title: 'batchNorm training', input: [3, 3, 4], layer: { type: 'batchNorm' }, training: true },
  { title: 'batchNorm training, flat', input: [5], layer: { type: 'batchNorm', epsilon: 0.01 }, training: true },
  { title: 'batchNorm inference', input: [3, 3, 4], layer: { type: 'batchNorm' } },
  { title: 'relu', input: [3, 3, 2], layer: { type: 'relu' }, x: 'awayFromZero' },
  { title: 'leakyRelu alpha 0.2', input: [3, 3, 2], layer: { type: 'leakyRelu', alpha: 0.2 }, x: 'awayFromZero' },
  { title: 'sigmoid', input: [3, 3, 2], layer: { type: 'sigmoid' } },
  { title: 'tanh', input: [3, 3, 2], layer: { type: 'tanh' } },
  { title: 'softmax', input: [2, 2, 5], layer: { type: 'softmax' } },
  { title: 'relu6 (both kinks, 0 and 6, in range)', input: [3, 3, 2], layer: { type: 'relu6' }, x: 'awayFromKinks' },
  { title: 'swish', input: [3, 3, 2], layer: { type: 'swish' }, x: 'awayFromKinks' },
  { title: 'conv2d swish', input: [5, 5, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'swish' } },
  // Slope 1/12 puts the clamps at ±6, where awayFromKinks leaves a gap: both flat parts and the ramp in range.
  { title: 'hardSigmoid alpha 1/12 (clamped and ramp)', input: [3, 3, 2], layer: { type: 'hardSigmoid', alpha: 1 / 12 }, x: 'awayFromKinks' },
  { title: 'gelu (|x| up to 8: both of erf\'s expansions)', input: [3, 3, 2], layer: { type: 'gelu' }, x: 'awayFromKinks' },
  { title: 'conv2d gelu', input: [5, 5, 2], layer: { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'gelu' } },
  { title: 'dense hardSigmoid', input: [6], layer: { type: 'dense', units: 4, activation: 'hardSigmoid' } },
  { title: 'channelShuffle groups 3 of 6', input: [2, 3, 6], layer: { type: 'channelShuffle', groups: 3 } },
  { title: 'zeroPadding2D 1', input: [3, 4, 2], layer: { type: 'zeroPadding2D', padding: 1 } },
  { title: 'zeroPadding2D [2, 1]', input: [3, 3, 3], layer: { type: 'zeroPadding2D', padding: [2, 1] } },
  { title: 'zeroPadding2D [[0, 2], [3, 1]]', input: [4, 3, 2], layer: { type: 'zeroPadding2D', padding: [[0, 2], [3, 1]] } },
  { title: 'separableConv2d valid', input: [5, 6, 2], layer: { type: 'separableConv2d', filters: 3, kernelSize: 3 } },
  { title: 'separableConv2d same stride 2 mult 2 tanh', input: [6, 7, 3], layer: { type: 'separableConv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'tanh' } },
  { title: 'separableConv2d dilation 2, no bias, swish', input: [7, 7, 2], layer: { type: 'separableConv2d', filters: 2, kernelSize: [3, 2], dilationRate: 2, padding: 'same', useBias: false, activation: 'swish' } },
  { title: 'layerNormalization over 5 channels', input: [3, 2, 5], layer: { type: 'layerNormalization' } },
  { title: 'layerNormalization, flat, no scale, ε 0.1', input: [6], layer: { type: 'layerNormalization', scale: false, epsilon: 0.1 } },
  { title: 'layerNormalization, no center', input: [2, 2, 4], layer: { type: 'layerNormalization', center: false } },
  { title: 'channelSlice [1, 3) of 4', input: [3, 2, 4], layer: { type: 'channelSlice', start: 1, end: 3 } },
  { title: 'channelSlice, flat, the last 2 of 5', input: [5], layer: { type: 'channelSlice', start: 3, end: 5 } },
  { title: 'rescaling, flat, scale −3 offset 0.5', input: [5], layer: { type: 'rescaling', scale: -3, offset: 0.5 } },
  { title: 'normalization per channel (ImageNet)', input: [2, 3, 3], layer: { type: 'normalization', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] } },
  { title: 'normalization, flat, one mean, a variance per feature', input: [4], layer: { type: 'normalization', mean: -1, variance: [0.5, 2, 4, 9] } },
  { title: 'separableConv2d softmax', input: [4, 4, 2], layer: { type: 'separableConv2d', filters: 5, kernelSize: 2, activation: 'softmax' } },
];

/** An `activation` field with a kink (relu-like) made smooth: a kink between x − eps and x + eps makes the
 *  difference quotient meaningless. The activations themselves are checked as layers, on inputs off their kinks. */
function smooth(layer: Layer): Layer {
  const activation = (layer as { readonly activation?: string }).activation;
  return activation === 'relu' || activation === 'relu6' || activation === 'leakyRelu' ? ({ ...layer, activation: 'tanh' } as Layer) : layer;
}

/** Every type's template on values off every kink and tie; training differences are checked on the same layer. */
const templateCases: Case[] = TEMPLATE_CASES.map(({ type, input, layer }) => ({ title: `${type} (the registry's template)`, input, layer: smooth(layer), x: 'distinctOffKinks' }));

/** Non-trivial biases / gamma / beta / moving stats so that their gradients are exercised too. */
function perturbParams(layer: EngineLayer, rng: Rng): void {
  for (const p of layer.params) {
    if (p.name.endsWith('.bias') || p.name.endsWith('.beta') || p.name.endsWith('.movingMean')) p.value.forEach((_, i) => (p.value[i] = rng.next() - 0.5));
    if (p.name.endsWith('.gamma') || p.name.endsWith('.movingVariance')) p.value.forEach((_, i) => (p.value[i] = 0.5 + rng.next()));
  }
}

function inputOf(c: Case, shape: readonly number[], rng: Rng): Tensor {
  switch (c.x) {
    case 'distinct': return distinctValues(shape, rng);
    case 'awayFromZero': return awayFromZero(shape, rng);
    case 'awayFromKinks': return awayFromKinks(shape, rng);
    case 'distinctOffKinks': return distinctOffKinks(shape, rng);
    case undefined: return randomTensor(shape, rng);
  }
}

function check(c: Case, layer: EngineLayer, rng: Rng, training: boolean): void {
  const xs = infoFor(c.input, c.layer).inputs.map(() => inputOf(c, [3, ...c.input], rng));
  if (layer instanceof Dropout) layer.freezeMask(false);
  if (layer instanceof Dropout && training) {
    // Draw one mask and keep it: otherwise every perturbed evaluation would be a different function.
    layer.forward(xs[0]!, true);
    const kept = layer.keptMask()!;
    assert.ok(kept.includes(0) && kept.includes(1), 'the mask both keeps and drops');
    layer.freezeMask(true);
  }
  gradCheckInputs(layer, xs, { rng, training });
}

describe('engine gradient check (central differences)', () => {
  it('covers every layer type', () => assertEveryType([...templateCases, ...cases].map((c) => c.layer), 'the gradient checks'));

  templateCases.forEach((c, k) => {
    it(c.title, () => {
      const rng = createRng(300 + k);
      const layer = createLayer(infoFor(c.input, c.layer), rng.fork());
      perturbParams(layer, rng);
      check(c, layer, rng, false);
      if (layer.trainingDiffers) check(c, layer, rng, true);
    });
  });

  cases.forEach((c, k) => {
    it(c.title, () => {
      const rng = createRng(100 + k);
      const layer = createLayer(infoFor(c.input, c.layer), rng.fork());
      perturbParams(layer, rng);
      check(c, layer, rng, c.training ?? false);
    });
  });

  it('the checker fails on a wrong gradient', () => {
    const rng = createRng(7);
    const value = Float32Array.from([0.3, -0.2]);
    const loss = (): number => value[0]! * value[0]! + 3 * value[1]!;
    assert.doesNotThrow(() => checkCoords('ok', value, [0.6, 3], loss, 1e-2, { rng }));
    assert.throws(() => checkCoords('bad', value, [0.6, 3.1], loss, 1e-2, { rng }), /analytic/);
    assert.throws(() => checkCoords('bad', value, [0.3, 3], loss, 1e-2, { rng }), /analytic/);
  });
});
