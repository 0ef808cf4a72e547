// explainCell: for random chain and graph models, seeds, layers and positions (borders of 'same' padding, strides,
// dilation included), the breakdown's shown terms add up to its pre-activation and its last step equals the
// engine's own activation (Network.featureMaps) to 1e-5; the terms read the right inputs and weights; the
// receptive field and the position errors. Every layer type is explained: in the models below, and as its
// template from the registry.
import assert from 'node:assert/strict';
import { explainCell, explainedValue, receptiveField, type CellExplanation, type TapWindow } from '../../../src/engine/explain';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createRng, type Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import type { ModelAnalysis } from '../../../src/model/analysis';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Conv2dLayer, type Layer, type Model } from '../../../src/model/types';
import { randomTensor } from './helpers';
import { assertEveryType, TEMPLATE_CASES } from './registryCases';

function model(input: readonly [number, number, number], layers: Layer[]): Model {
  return { format: MODEL_FORMAT, name: 'explain', input: { shape: input }, layers };
}

const MODELS: Record<string, Model> = {
  // Strides, dilation, 'same' padding at the borders, depthwise with a multiplier, batch norm, pooling with padding,
  // flatten, dropout, dense with softmax.
  chainA: model([9, 9, 3], [
    { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 3, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' },
    { type: 'depthwiseConv2d', kernelSize: [3, 2], depthMultiplier: 2, padding: 'same', activation: 'linear' },
    { type: 'batchNorm' },
    { type: 'leakyRelu', alpha: 0.2 },
    { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 'same' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 13, activation: 'swish' },
    { type: 'dense', units: 5, activation: 'softmax' },
  ]),
  // Zero padding, separable conv with a multiplier and dilation, average pooling with 'same' padding, relu6 and
  // sigmoid layers, a 1×1 conv with softmax over channels, global pooling, a softmax layer.
  chainB: model([8, 7, 2], [
    { type: 'zeroPadding2D', padding: [[1, 2], [0, 1]] },
    { type: 'separableConv2d', filters: 3, kernelSize: 3, dilationRate: [2, 1], depthMultiplier: 2, activation: 'linear' },
    { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 'same' },
    { type: 'relu6' },
    { type: 'conv2d', filters: 4, kernelSize: 1, activation: 'softmax' },
    { type: 'sigmoid' },
    { type: 'globalAvgPool2d' },
    { type: 'dense', units: 3, useBias: false },
    { type: 'softmax' },
  ]),
  // PyTorch's window conventions: explicit uneven padding on a conv, a pool's padding left out, ceil mode (a last
  // window past the padding), counted padding, pool dilation.
  windows: model([9, 8, 2], [
    { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: [[0, 2], [1, 0]], activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2, strides: 1, padding: 1, dilationRate: [2, 1], ceilMode: true },
    { type: 'avgPool2d', poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true },
    { type: 'depthwiseConv2d', kernelSize: 2, padding: 1 },
    { type: 'relu6' },
    { type: 'avgPool2d', poolSize: 2, strides: 2, padding: [[1, 0], [0, 1]], ceilMode: true },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ]),
  // Grouped convolutions (ResNeXt-like): 3×3 in 2 groups, strided; 1×1 in 2 groups; 2×2 in 4 with softmax.
  grouped: model([7, 6, 4], [
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', groups: 2, activation: 'tanh' },
    { type: 'batchNorm' },
    { type: 'conv2d', filters: 8, kernelSize: 1, groups: 2, activation: 'swish' },
    { type: 'maxPool2d', poolSize: 2, strides: 1 },
    { type: 'conv2d', filters: 4, kernelSize: 2, groups: 4, activation: 'softmax' },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ]),
  // A residual block, the same value added twice, a concatenation with the model input, a separable conv with
  // swish, a 1×1 conv and global max pooling.
  graph: model([6, 6, 2], [
    { type: 'conv2d', name: 'stem', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
    { type: 'conv2d', name: 'c1', filters: 3, kernelSize: 3, strides: 1, padding: 'same', activation: 'swish' },
    { type: 'batchNorm', name: 'bn' },
    { type: 'add', name: 'sum', inputs: ['stem', 'bn'] },
    { type: 'add', name: 'twice', inputs: ['sum', 'sum'] },
    { type: 'separableConv2d', name: 'sep', filters: 2, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'swish', useBias: false },
    { type: 'concatenate', name: 'cat', inputs: ['sep', 'input', 'stem'] },
    { type: 'zeroPadding2D', name: 'pad', padding: [[1, 0], [0, 2]] },
    { type: 'conv2d', name: 'perPixel', filters: 4, kernelSize: 1, activation: 'tanh' },
    { type: 'relu', name: 'r' },
    { type: 'globalMaxPool2d', name: 'gmp', inputs: ['r'] },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ]),
};

/** Non-trivial biases, batch-norm parameters and moving statistics. */
function perturb(net: Network, rng: Rng): void {
  for (const p of net.params) {
    const v = p.value;
    if (/\.(bias|beta|movingMean)$/.test(p.name)) v.forEach((_, i) => (v[i] = rng.next() - 0.5));
    if (/\.(gamma|movingVariance)$/.test(p.name)) v.forEach((_, i) => (v[i] = 0.5 + rng.next()));
  }
}

interface Built {
  readonly net: Network;
  readonly analysis: ModelAnalysis;
  readonly image: Tensor;
  readonly maps: Tensor[];
}

function build(m: Model, seed: number): Built {
  const analysis = inferShapes(m);
  assert.equal(analysis.ok, true);
  const net = buildNetwork(m, analysis, seed);
  const rng = createRng(seed * 7919);
  perturb(net, rng);
  const image = randomTensor(m.input.shape, rng, 2);
  return { net, analysis, image, maps: net.featureMaps(image) };
}

/** The value of map `index` (−1: the image) at a position. */
function valueAt(b: Built, index: number, row: number, col: number, ch: number): number {
  const shape = index < 0 ? b.analysis.inputShape : b.analysis.layers[index]!.outputShape!;
  const data = index < 0 ? b.image.data : b.maps[index]!.data;
  if (shape.length === 1) return data[ch]!;
  return data[(row * shape[1]! + col) * shape[2]! + ch]!;
}

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Each tap of the window at the coordinates the window says, inside iff within the input. */
function checkTaps(b: Built, input: number, win: TapWindow, ch: number, values: readonly number[], inside: readonly boolean[]): void {
  const shape = input < 0 ? b.analysis.inputShape : b.analysis.layers[input]!.outputShape!;
  for (let ky = 0; ky < win.rows; ky++) {
    for (let kx = 0; kx < win.cols; kx++) {
      const t = ky * win.cols + kx;
      const r = win.rowStart + ky * win.rowStep;
      const c = win.colStart + kx * win.colStep;
      const ok = r >= 0 && r < shape[0]! && c >= 0 && c < shape[1]!;
      assert.equal(inside[t], ok, `tap ${t} inside`);
      assert.equal(values[t], ok ? valueAt(b, input, r, c, ch) : 0, `tap ${t} value`);
    }
  }
}

/** The shown terms add up (in float64, to rounding) and read the right inputs and weights. */
function checkTerms(b: Built, e: CellExplanation): void {
  const param = (p: string): Float32Array => b.net.params.find((q) => q.name === `${e.layerName}.${p}`)!.value;
  const input = e.inputs[0]!.index;
  const { row, col, channel } = e.position;
  switch (e.kind) {
    case 'conv':
    case 'separable': {
      let s = 0;
      e.channels.forEach((t, j) => {
        checkTaps(b, input, e.window, t.inputChannel, t.patch, t.inside);
        t.products.forEach((p, k) => assert.equal(p, t.patch[k]! * t.kernel[k]!));
        close(t.partialSum, t.products.reduce((a, v) => a + v, 0), 1e-12, 'partial sum');
        if (e.kind === 'separable') {
          const st = e.channels[j]!;
          const filters = b.analysis.layers[e.layerIndex]!.outputShape![2]!;
          assert.deepEqual([st.depthwiseChannel, st.inputChannel], [j, Math.floor(j / e.depthMultiplier)]);
          assert.equal(st.pointwiseWeight, param('pointwiseKernel')[j * filters + channel]);
          close(st.contribution, st.partialSum * st.pointwiseWeight, 1e-15, 'contribution');
          s += st.contribution;
        } else s += t.partialSum;
      });
      close(e.preActivation, s + e.bias, 1e-12, 'pre-activation');
      assert.equal(e.bias, e.useBias ? param('bias')[channel] : 0);
      const inC = b.analysis.layers[e.layerIndex]!.inputShape![2]!;
      if (e.kind === 'separable') assert.equal(e.channels.length, inC * e.depthMultiplier);
      else if (e.layerType === 'conv2d') {
        const groups = (b.analysis.layers[e.layerIndex]!.layer as Conv2dLayer).groups ?? 1;
        const filters = b.analysis.layers[e.layerIndex]!.outputShape![2]!;
        const first = Math.floor(channel / (filters / groups)) * (inC / groups);
        assert.deepEqual(e.channels.map((t) => t.inputChannel), Array.from({ length: inC / groups }, (_, i) => first + i), 'its group\'s input channels');
      }
      else assert.equal(e.channels.length, 1);
      assert.equal(e.activation.input, e.preActivation);
      break;
    }
    case 'dense': {
      assert.equal(e.top.length, Math.min(10, e.inputFeatures));
      assert.equal(e.restCount, e.inputFeatures - e.top.length);
      for (let k = 1; k < e.top.length; k++) assert.ok(Math.abs(e.top[k - 1]!.product) >= Math.abs(e.top[k]!.product));
      const units = b.analysis.layers[e.layerIndex]!.outputShape!.at(-1)!;
      for (const t of e.top) {
        assert.equal(t.input, valueAt(b, input, row, col, t.index));
        assert.equal(t.weight, param('kernel')[t.index * units + channel]);
        assert.equal(t.product, t.input * t.weight);
      }
      close(e.preActivation, e.top.reduce((a, t) => a + t.product, 0) + e.restSum + e.bias, 1e-12, 'pre-activation');
      break;
    }
    case 'pool':
      checkTaps(b, input, e.window, channel, e.values, e.inside);
      if (e.op === 'max') {
        assert.equal(e.values[e.keptIndex!], e.output);
        e.values.forEach((v, k) => e.inside[k] && assert.ok(v <= e.output));
      } else {
        // countIncludePad counts the window's cells in the padded input; else the cells inside the input.
        if (!e.countsPadding) assert.equal(e.count, e.inside.filter(Boolean).length);
        else assert.ok(e.count! >= e.inside.filter(Boolean).length && e.count! <= e.values.length);
        close(e.output, e.sum! / e.count!, 1e-15, 'mean');
      }
      break;
    case 'softmax':
      close(e.softmax.probabilities.reduce((a, p) => a + p, 0), 1, 1e-12, 'Σ probabilities');
      break;
    case 'batchNorm':
      assert.equal(e.x, valueAt(b, input, row, col, channel));
      if (e.layerType === 'batchNorm') assert.equal(e.mean, param('movingMean')[channel]);
      else {
        // Layer normalisation: the statistics of this position's channels.
        const xs = Array.from({ length: b.analysis.layers[e.layerIndex]!.outputShape!.at(-1)! }, (_, j) => valueAt(b, input, row, col, j));
        const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
        close(e.mean, mean, 1e-12, 'layer norm mean');
        close(e.variance, xs.reduce((a, v) => a + (v - mean) ** 2, 0) / xs.length, 1e-12, 'layer norm variance');
      }
      close(e.output, e.gamma * ((e.x - e.mean) / Math.sqrt(e.variance + e.epsilon)) + e.beta, 1e-12, 'batch norm');
      break;
    case 'add':
      assert.equal(e.terms.length, e.inputs.length);
      e.terms.forEach((t) => assert.equal(t.value, valueAt(b, t.index, row, col, channel)));
      break;
    case 'product':
      assert.equal(e.terms.length, e.inputs.length);
      close(e.product, e.terms.reduce((a, t) => a * t.value, 1), 1e-12, 'product');
      break;
    case 'activation':
      assert.equal(e.source.value, valueAt(b, input, row, col, channel));
      assert.equal(e.activation.input, e.source.value);
      break;
    case 'affine':
      assert.equal(e.source.value, valueAt(b, input, row, col, channel));
      if (e.layerType === 'rescaling') close(e.output, e.source.value * e.scale + e.offset, 1e-12, 'rescaling');
      else {
        assert.equal(e.divisor, Math.max(Math.sqrt(e.variance), 1e-7));
        close(e.output, (e.source.value - e.mean) / e.divisor, 1e-12, 'normalization');
      }
      break;
    case 'copy':
      if (e.source) assert.equal(e.source.value, valueAt(b, e.source.index, e.source.position.row, e.source.position.col, e.source.position.channel));
      break;
  }
}

/** The four corners (borders of the padding) and random inner positions, with random channels. */
function positions(shape: readonly number[], rng: Rng, extra: number): [number, number, number][] {
  const [h, w, c] = shape.length === 3 ? shape : [1, 1, shape[0]!];
  const out: [number, number, number][] = [[0, 0, 0], [0, w! - 1, c! - 1], [h! - 1, 0, rng.int(c!)], [h! - 1, w! - 1, rng.int(c!)]];
  for (let k = 0; k < extra; k++) out.push([rng.int(h!), rng.int(w!), rng.int(c!)]);
  return out;
}

/** Explains 8 cells of every layer for 3 seeds (checking each); the kinds of breakdown seen. */
function explainEveryLayer(m: Model): Set<string> {
  let cells = 0;
  const kinds = new Set<string>();
  for (const seed of [1, 2, 3]) {
    const b = build(m, seed);
    const rng = createRng(seed);
    b.analysis.layers.forEach((info, i) => {
      for (const [r, c, ch] of positions(info.outputShape!, rng, 4)) {
        const e = explainCell(b.net, b.analysis, b.image, i, r, c, ch, b.maps);
        assert.equal(e.value, valueAt(b, i, r, c, ch));
        close(explainedValue(e), e.value, 1e-5, `${info.name} at ${r},${c},${ch}`);
        checkTerms(b, e);
        kinds.add(e.kind);
        cells++;
      }
    });
  }
  assert.equal(cells, 3 * m.layers.length * 8);
  return kinds;
}

/** Each type's template on an image (after a flatten when it needs a flat input). */
const TEMPLATE_MODELS: readonly (readonly [string, Model])[] = TEMPLATE_CASES.map(({ type, input, layer }) => [
  `${type}'s template`,
  input.length === 3 ? model(input as [number, number, number], [layer]) : model([1, 2, input[0]! / 2], [{ type: 'flatten' }, layer]),
]);

describe('explainCell', () => {
  it('covers every layer type', () => assertEveryType([...Object.values(MODELS), ...TEMPLATE_MODELS.map(([, m]) => m)].flatMap((m) => m.layers), 'the explained models'));

  for (const [name, m] of Object.entries(MODELS)) {
    it(`${name}: every layer, random positions and seeds: the terms add up to the engine's activation to 1e-5`, () => {
      const kinds = explainEveryLayer(m);
      assert.ok(kinds.size >= 5, [...kinds].join());
    });
  }

  for (const [name, m] of TEMPLATE_MODELS) {
    it(`${name}: random positions and seeds: the terms add up to the engine's activation to 1e-5`, () => {
      explainEveryLayer(m);
    });
  }

  it('computes the feature maps itself when none are given, and agrees with them', () => {
    const b = build(MODELS.graph!, 4);
    const a = explainCell(b.net, b.analysis, b.image, 5, 2, 3, 1);
    const c = explainCell(b.net, b.analysis, b.image, 5, 2, 3, 1, b.maps);
    assert.deepEqual(a, c);
  });

  it("conv2d with 'same' padding, stride 2: the corner's taps in the padding are 0 and flagged", () => {
    const b = build(MODELS.chainA!, 5);
    // 9×9, kernel 3, stride 2, 'same': output 5×5, total padding (5 − 1)·2 + 3 − 9 = 2, one on top.
    const e = explainCell(b.net, b.analysis, b.image, 0, 0, 0, 2, b.maps);
    assert.equal(e.kind, 'conv');
    if (e.kind !== 'conv') return;
    assert.deepEqual(e.window, { rowStart: -1, colStart: -1, rowStep: 1, colStep: 1, rows: 3, cols: 3 });
    assert.deepEqual(e.channels[0]!.inside, [false, false, false, false, true, true, false, true, true]);
    assert.deepEqual(e.channels.map((t) => t.patch[0]), [0, 0, 0]);
    const last = explainCell(b.net, b.analysis, b.image, 0, 4, 4, 0, b.maps);
    assert.ok(last.kind === 'conv');
    if (last.kind === 'conv') assert.deepEqual([last.window.rowStart, last.window.colStart], [7, 7]);
    assert.deepEqual(e.receptiveField, { rows: [0, 1], cols: [0, 1] });
  });

  it('dilation 2: taps 2 apart, and their receptive field in the image', () => {
    const b = build(MODELS.chainA!, 6);
    // Layer 1: 5×5×4 input, kernel 3 dilated to 5, 'same': padding 2 on each side.
    const e = explainCell(b.net, b.analysis, b.image, 1, 0, 2, 1, b.maps);
    assert.ok(e.kind === 'conv');
    if (e.kind !== 'conv') return;
    assert.deepEqual(e.window, { rowStart: -2, colStart: 0, rowStep: 2, colStep: 2, rows: 3, cols: 3 });
    assert.equal(e.channels.length, 4);
    // Layer-0 rows 0..2, cols 0..4 → image rows 2·0 − 1 .. 2·2 − 1 + 2 = 0..5, cols 0..9 clipped to 8.
    assert.deepEqual(e.receptiveField, { rows: [0, 5], cols: [0, 8] });
  });

  it('depthwise with depthMultiplier 2: output channel 5 reads input channel 2 only', () => {
    const b = build(MODELS.chainA!, 7);
    const e = explainCell(b.net, b.analysis, b.image, 2, 1, 1, 5, b.maps);
    assert.ok(e.kind === 'conv' && e.layerType === 'depthwiseConv2d');
    if (e.kind !== 'conv') return;
    assert.deepEqual(e.channels.map((t) => t.inputChannel), [2]);
    assert.equal(e.channels[0]!.kernel.length, 6);
  });

  it('conv2d groups 2: output channel 4 (group 1 of 6 filters) reads input channels 2 and 3 with its kernel slice', () => {
    const b = build(MODELS.grouped!, 9);
    const e = explainCell(b.net, b.analysis, b.image, 0, 1, 1, 4, b.maps);
    assert.ok(e.kind === 'conv' && e.layerType === 'conv2d');
    if (e.kind !== 'conv') return;
    assert.deepEqual(e.channels.map((t) => t.inputChannel), [2, 3]);
    // kernel [3, 3, 2, 6]: tap t, group channel i, filter 4 at (t·2 + i)·6 + 4
    const kernel = b.net.params.find((p) => p.name === `${e.layerName}.kernel`)!.value;
    e.channels.forEach((t, i) => assert.deepEqual(t.kernel, Array.from({ length: 9 }, (_, tap) => kernel[(tap * 2 + i) * 6 + 4]!)));
  });

  it('flatten, concatenate and zero padding say where the value came from', () => {
    const a = build(MODELS.chainA!, 8);
    // maxPool output 3×3×6 (54 features); feature 41 = row 2 (41 ÷ 18), col 0 (5 ÷ 6), channel 5.
    const f = explainCell(a.net, a.analysis, a.image, 6, 0, 0, 41, a.maps);
    assert.ok(f.kind === 'copy');
    if (f.kind === 'copy') assert.deepEqual([f.source?.name, f.source?.position], ['maxPool2d_5', { row: 2, col: 0, channel: 5 }]);
    const g = build(MODELS.graph!, 8);
    // cat = [sep (2), input (2), stem (3)]: channel 3 is the image's channel 1, channel 6 stem's channel 2.
    const c3 = explainCell(g.net, g.analysis, g.image, 6, 4, 1, 3, g.maps);
    const c6 = explainCell(g.net, g.analysis, g.image, 6, 4, 1, 6, g.maps);
    assert.ok(c3.kind === 'copy' && c6.kind === 'copy');
    if (c3.kind === 'copy') assert.deepEqual([c3.source?.index, c3.source?.position], [-1, { row: 4, col: 1, channel: 1 }]);
    if (c6.kind === 'copy') assert.deepEqual([c6.source?.name, c6.source?.position.channel], ['stem', 2]);
    // pad: one row on top, two columns on the right: (0, *) and (*, 6..7) are padding.
    const p = explainCell(g.net, g.analysis, g.image, 7, 0, 3, 0, g.maps);
    assert.ok(p.kind === 'copy');
    if (p.kind === 'copy') assert.equal(p.source, undefined);
    assert.equal(p.value, 0);
    assert.deepEqual(p.receptiveField, { rows: [0, -1], cols: [0, -1] });
    const q = explainCell(g.net, g.analysis, g.image, 7, 3, 5, 4, g.maps);
    if (q.kind === 'copy') assert.deepEqual(q.source?.position, { row: 2, col: 5, channel: 4 });
  });

  it('dense: the ten largest products, the rest summed; softmax row over the units', () => {
    const b = build(MODELS.chainA!, 9);
    const e = explainCell(b.net, b.analysis, b.image, 8, 0, 0, 4, b.maps);
    assert.ok(e.kind === 'dense');
    if (e.kind !== 'dense') return;
    assert.equal(e.inputFeatures, 54);
    assert.equal(e.top.length, 10);
    assert.equal(e.restCount, 44);
    const s = explainCell(b.net, b.analysis, b.image, 9, 0, 0, 2, b.maps);
    assert.ok(s.kind === 'dense' && s.activation.softmax);
    if (s.kind !== 'dense' || !s.activation.softmax) return;
    assert.equal(s.activation.softmax.logits.length, 5);
    assert.equal(s.activation.softmax.logits[2], s.preActivation);
    // The whole output row: every probability equals the engine's.
    s.activation.softmax.probabilities.forEach((p, k) => close(p, b.maps[9]!.data[k]!, 1e-6, `p${k}`));
  });

  it('the receptive field of a graph cell unites its paths; dense after flatten sees the whole image', () => {
    const g = build(MODELS.graph!, 10);
    // sum at (0,0) reads stem (3×3 'same' → rows 0..1) and bn ← c1 ← stem (rows 0..2).
    assert.deepEqual(receptiveField(g.analysis, 3, 0, 0), { rows: [0, 2], cols: [0, 2] });
    // perPixel (1×1) at (1, 0) reads pad (1, 0) = cat (0, 0): sep's 3×3 on twice → stem rows 0..1 directly and
    // rows 0..2 through c1, so image rows 0..3; the image pixel and stem (0, 0) are inside that.
    assert.deepEqual(receptiveField(g.analysis, 8, 1, 0), { rows: [0, 3], cols: [0, 3] });
    assert.deepEqual(receptiveField(g.analysis, 11, 0, 0, 1), { rows: [0, 5], cols: [0, 5] });
    const a = build(MODELS.chainA!, 10);
    assert.deepEqual(receptiveField(a.analysis, 8, 0, 0, 0), { rows: [0, 8], cols: [0, 8] });
  });

  it('names the output shape when the position is outside it, and the layer count for an unknown layer', () => {
    const b = build(MODELS.chainA!, 11);
    assert.throws(() => explainCell(b.net, b.analysis, b.image, 0, 5, 0, 0), /row 5, column 0, channel 0 is outside the output of layer "conv2d_0" \(5×5×4: rows 0–4, columns 0–4, channels 0–3\)/);
    assert.throws(() => explainCell(b.net, b.analysis, b.image, 9, 0, 0, 5), /feature 5 is outside the output of layer "dense_9" \(5: features 0–4\)/);
    assert.throws(() => explainCell(b.net, b.analysis, b.image, 9, 1, 0, 1), /layer "dense_9" has a flat output \(5 features\): row and column must be 0, got row 1, column 0/);
    assert.throws(() => explainCell(b.net, b.analysis, b.image, 0, 0, 0, 1.5), /channel 1.5 is outside/);
    assert.throws(() => explainCell(b.net, b.analysis, b.image, 12, 0, 0, 0), /no layer 12: the model has 10/);
  });
});
