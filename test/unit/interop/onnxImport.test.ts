// Import of hand-made ONNX graphs: every supported operator pattern converts to layers that ONNX Runtime agrees
// with, and unsupported operators are listed by name and node, with nothing returned. The operator table
// (ONNX_IMPORTERS) is the list of supported operators, and each entry says exactly what it reads and makes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeightsInto } from '../../../src/engine/weights';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { FOLDED_ATTRIBUTES } from '../../../src/interop/onnx/importFold';
import { Attrs, ImportGraph } from '../../../src/interop/onnx/importGraph';
import { importerOf, ONNX_IMPORTERS, ONNX_OPERATORS } from '../../../src/interop/onnx/importOps';
import { encodeModel, floatAttr, floatTensor, int64Tensor, intAttr, stringAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { analyze } from '../../../src/model/shapes';
import { engineOutput, layerTypeModels, maxAbsDiff, networkOf, ortOutput, ROOT, rngFor, weightsOf } from './helpers';

const rng = rngFor(4242);
const rand = (n: number, scale = 0.5): Float32Array => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);

function modelOf(nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[], input: (number | string)[], output: (number | string)[]): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'hand',
    graph: { name: 'hand', node: nodes, initializer: initializers, input: [valueInfo('x', input)], output: [valueInfo('y', output)] },
  });
}

const node = (opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, name, input, output, attribute });

function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
  return out;
}

/** ONNX Runtime on the NCHW file against our engine on the imported model (NHWC input). */
async function assertAgrees(bytes: Uint8Array, nchw: [number, number, number, number]): Promise<ReturnType<typeof importOnnx>> {
  const imported = importOnnx(bytes, { name: 'hand' });
  const [n, c, h, w] = nchw;
  const x = rand(n * c * h * w, 1);
  const nhwc = toNhwc(x, n, c, h, w);
  const net = networkOf(imported.model);
  loadWeightsInto(imported.model, net.params, { tensors: imported.tensors, metadata: {} });
  const ours = engineOutput(net, imported.model, nhwc, n);
  const theirs = await ortOutput(bytes, x, nchw, 'x');
  // An image output is NCHW in ONNX, NHWC for us.
  const [, oc, oh, ow] = theirs.dims as number[];
  const expected = theirs.dims.length === 4 ? toNhwc(theirs.data, n, oc!, oh!, ow!) : theirs.data;
  const diff = maxAbsDiff(ours, expected);
  assert.ok(diff <= 1e-4, `differs from ONNX Runtime by ${diff}`);
  return imported;
}

/** What the importers read and make while this file's imports run: "<op>:<attribute>" and "<op> → <layer type>". */
const reads = new Set<string>();
const made = new Set<string>();

/** Records every attribute read (by the read node's op_type) and every layer added; returns the undo. */
function record(): () => void {
  const attrs = Attrs.prototype;
  const { has, int, ints, string } = attrs;
  const note = (a: Attrs, name: string): void => void reads.add(`${a.node.opType ?? ''}:${name}`);
  attrs.has = function (this: Attrs, name) { note(this, name); return has.call(this, name); };
  attrs.int = function (this: Attrs, name, fallback) { note(this, name); return int.call(this, name, fallback); };
  attrs.ints = function (this: Attrs, name, fallback) { note(this, name); return ints.call(this, name, fallback); };
  attrs.string = function (this: Attrs, name, fallback) { note(this, name); return string.call(this, name, fallback); };
  const { add } = ImportGraph.prototype;
  ImportGraph.prototype.add = function (this: ImportGraph, layer, node) {
    const result = add.call(this, layer, node);
    made.add(`${node.opType ?? ''} → ${layer.layer.type}`);
    return result;
  };
  return () => {
    Object.assign(attrs, { has, int, ints, string });
    ImportGraph.prototype.add = add;
  };
}

describe('ONNX import', function () {
  this.timeout(60_000);
  let undo = (): void => {};
  before(() => (undo = record()));
  after(() => undo());

  it('converts Pad, explicit conv pads, an average counting its padding, Clip, x·Sigmoid(x), an NCHW flatten and MatMul + Add', async () => {
    const nodes = [
      node('Pad', '/pad/Pad', ['x', 'pads'], ['p']),
      // Pads (1, 0, 0, 2) are neither 'valid' nor 'same': the conv takes them as they are.
      node('Conv', '/conv/Conv', ['p', 'conv.weight', 'conv.bias'], ['c'], [intAttr('kernel_shape', [3, 3]), intAttr('pads', [1, 0, 0, 2])]),
      node('Constant', '/act/Constant', [], ['lo'], [{ name: 'value', type: 4, t: floatTensor('', [], Float32Array.of(0)) }]),
      node('Constant', '/act/Constant_1', [], ['hi'], [{ name: 'value', type: 4, t: floatTensor('', [], Float32Array.of(6)) }]),
      node('Clip', '/act/Clip', ['c', 'lo', 'hi'], ['r6']),
      node('AveragePool', '/avg/AveragePool', ['r6'], ['a'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [1, 1]), intAttr('pads', [1, 1, 1, 1]), intAttr('count_include_pad', 1)]),
      node('Sigmoid', '/silu/Sigmoid', ['a'], ['s']),
      node('Mul', '/silu/Mul', ['a', 's'], ['sw']),
      node('LeakyRelu', '/lrelu/LeakyRelu', ['sw'], ['l'], [floatAttr('alpha', 0.1)]),
      node('Reshape', '/Reshape', ['l', 'shape'], ['f']),
      node('MatMul', '/fc/MatMul', ['f', 'fc.weight'], ['m']),
      node('Add', '/fc/Add', ['m', 'fc.bias'], ['y']),
    ];
    // 2×7×6 input → pad to 9×10 (top 1, bottom 1, left 2, right 2) → conv 3×3 (pads 1 top, 2 right) → 8×10×3 → avg 2×2 s1 pads 1 → 9×11×3.
    const inits = [
      int64Tensor('pads', [0, 0, 1, 2, 0, 0, 1, 2]),
      floatTensor('conv.weight', [3, 2, 3, 3], rand(54)),
      floatTensor('conv.bias', [3], rand(3)),
      int64Tensor('shape', [0, -1]),
      floatTensor('fc.weight', [9 * 11 * 3, 4], rand(9 * 11 * 3 * 4, 0.1)),
      floatTensor('fc.bias', [4], rand(4)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 7, 6], ['N', 4]), [2, 2, 7, 6]);
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['zeroPadding2D', 'conv2d', 'relu6', 'avgPool2d', 'swish', 'leakyRelu', 'flatten', 'dense']);
    assert.deepEqual(imported.model.layers[0], { type: 'zeroPadding2D', name: 'pad', padding: [1, 2] });
    assert.deepEqual(imported.model.layers[1], { type: 'conv2d', name: 'conv', filters: 3, kernelSize: 3, padding: [[1, 0], [0, 2]] });
    assert.deepEqual(imported.model.layers[3], { type: 'avgPool2d', name: 'avg', poolSize: 2, strides: 1, padding: 1, countIncludePad: true });
    assert.deepEqual(imported.model.layers[5], { type: 'leakyRelu', name: 'lrelu', alpha: 0.1 });
    assert.deepEqual(imported.model.layers[7], { type: 'dense', name: 'fc', units: 4 });
  });

  it('converts Gemm (transB), BatchNormalization on features, Dropout, Sum and Concat of branches, global pooling', async () => {
    const nodes = [
      node('Conv', 'a', ['x', 'a.w'], ['ya'], [intAttr('kernel_shape', [1, 1])]),
      node('Conv', 'b', ['x', 'b.w', 'b.b'], ['yb'], [intAttr('kernel_shape', [3, 3]), stringAttr('auto_pad', 'SAME_UPPER')]),
      node('Conv', 'dw', ['x', 'dw.w'], ['yd'], [intAttr('kernel_shape', [3, 3]), intAttr('group', 2), intAttr('pads', [1, 1, 1, 1])]),
      node('Concat', 'cat', ['ya', 'yb'], ['cat'], [intAttr('axis', 1)]),
      node('Sum', 'sum', ['cat', 'yd', 'cat'], ['sum']),
      node('MaxPool', 'mp', ['sum'], ['mp'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [2, 2])]),
      node('GlobalMaxPool', 'gp', ['mp'], ['gp']),
      node('Flatten', 'flat', ['gp'], ['f']),
      node('BatchNormalization', 'bn', ['f', 'g', 'be', 'mu', 'var'], ['bn'], [floatAttr('epsilon', 1e-5)]),
      node('Dropout', 'drop', ['bn', 'ratio'], ['d']),
      node('Gemm', 'fc', ['d', 'fc.w', 'fc.b'], ['z'], [intAttr('transB', 1)]),
      node('Softmax', 'sm', ['z'], ['y'], [intAttr('axis', -1)]),
    ];
    const inits = [
      floatTensor('a.w', [2, 2, 1, 1], rand(4)),
      floatTensor('b.w', [2, 2, 3, 3], rand(36)),
      floatTensor('b.b', [2], rand(2)),
      floatTensor('dw.w', [4, 1, 3, 3], rand(36)),
      floatTensor('g', [4], rand(4)),
      floatTensor('be', [4], rand(4)),
      floatTensor('mu', [4], rand(4)),
      floatTensor('var', [4], Float32Array.of(0.5, 1, 1.5, 2)),
      floatTensor('ratio', [], Float32Array.of(0.25)),
      floatTensor('fc.w', [3, 4], rand(12)),
      floatTensor('fc.b', [3], rand(3)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 6, 6], ['N', 3]), [3, 2, 6, 6]);
    const layers = imported.model.layers;
    assert.deepEqual(layers.map((l) => l.type), ['conv2d', 'conv2d', 'depthwiseConv2d', 'concatenate', 'add', 'maxPool2d', 'globalMaxPool2d', 'batchNorm', 'dropout', 'dense', 'softmax']);
    assert.deepEqual(layers[1], { type: 'conv2d', name: 'b', inputs: ['input'], filters: 2, kernelSize: 3, padding: 'same' });
    assert.deepEqual(layers[4], { type: 'add', name: 'sum', inputs: ['cat', 'dw', 'cat'] });
    assert.deepEqual(layers[8], { type: 'dropout', name: 'drop', rate: 0.25 });
    assert.deepEqual(analyze(imported.model.input.shape, layers).totals.nonTrainable, 8);
  });

  it('converts a grouped Conv to conv2d groups (RegNet, ResNeXt) and group = channels to depthwiseConv2d, as ONNX Runtime computes them', async () => {
    const nodes = [
      node('Conv', 'grouped', ['x', 'g.w', 'g.b'], ['g'], [intAttr('kernel_shape', [3, 3]), intAttr('group', 2), intAttr('strides', [2, 2]), intAttr('pads', [1, 1, 1, 1])]),
      node('Relu', 'relu', ['g'], ['r']),
      node('Conv', 'pw', ['r', 'pw.w'], ['p'], [intAttr('kernel_shape', [1, 1]), intAttr('group', 3)]),
      node('Conv', 'dw', ['p', 'dw.w'], ['d'], [intAttr('kernel_shape', [2, 2]), intAttr('group', 6)]),
      node('Flatten', 'flat', ['d'], ['f']),
      node('Gemm', 'fc', ['f', 'fc.w'], ['y'], [intAttr('transB', 1)]),
    ];
    const inits = [
      floatTensor('g.w', [6, 2, 3, 3], rand(108)), floatTensor('g.b', [6], rand(6)),
      floatTensor('pw.w', [6, 2, 1, 1], rand(12)),
      floatTensor('dw.w', [12, 1, 2, 2], rand(48)),
      floatTensor('fc.w', [3, 108], rand(324)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 4, 7, 7], ['N', 3]), [2, 4, 7, 7]);
    assert.deepEqual(imported.model.layers.slice(0, 4), [
      { type: 'conv2d', name: 'g', filters: 6, kernelSize: 3, strides: 2, padding: 'same', groups: 2 },
      { type: 'relu', name: 'relu' },
      { type: 'conv2d', name: 'pw', filters: 6, kernelSize: 1, useBias: false, groups: 3 },
      { type: 'depthwiseConv2d', name: 'dw', kernelSize: 2, useBias: false, depthMultiplier: 2 },
    ]);
    assert.deepEqual(imported.tensors.find((t) => t.name === 'g.kernel')?.shape, [3, 3, 2, 6]);
  });

  it('refuses a grouped Conv whose weight does not fit its input, naming the node', () => {
    const bad = (group: number, wDims: number[]): string[] => {
      const bytes = modelOf([node('Conv', 'c', ['x', 'w'], ['y'], [intAttr('kernel_shape', [1, 1]), intAttr('group', group)])], [floatTensor('w', wDims, rand(wDims.reduce((a, b) => a * b, 1)))], ['N', 4, 3, 3], ['N', wDims[0]!, 3, 3]);
      try {
        importOnnx(bytes, { name: 'm' });
      } catch (e) {
        assert.ok(e instanceof OnnxImportError, String(e));
        return [...e.problems];
      }
      return [];
    };
    assert.deepEqual(bad(2, [6, 1, 1, 1]), ['Conv (node "c"): its weight expects 2 input channels (1 in each of 2 groups), the input has 4']);
    assert.deepEqual(bad(2, [5, 2, 1, 1]), ['Conv (node "c"): group 2 does not divide its 4 input channels and 5 outputs']);
    assert.deepEqual(bad(0, [4, 4, 1, 1]), ['Conv (node "c"): group 0 does not divide its 4 input channels and 4 outputs']);
    assert.deepEqual(bad(1, [4, 2, 1, 1]), ['Conv (node "c"): its weight expects 2 input channels, the input has 4']);
  });

  it('lists every unsupported operator by name and node, and returns nothing', () => {
    const nodes = [
      node('Conv', '/c/Conv', ['x', 'w'], ['c'], [intAttr('kernel_shape', [1, 1]), intAttr('group', 3)]),
      node('LRN', '/lrn/LRN', ['x'], ['l'], [intAttr('size', 3)]),
      node('Upsample', '', ['l'], ['u']),
      node('Relu', '/r/Relu', ['u'], ['y']),
    ];
    const bytes = modelOf(nodes, [floatTensor('w', [4, 2, 1, 1], rand(8))], ['N', 4, 5, 5], ['N', 4, 5, 5]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), (e: unknown) => {
      assert.ok(e instanceof OnnxImportError);
      assert.deepEqual(e.problems, [
        'Conv (node "/c/Conv"): group 3 does not divide its 4 input channels and 4 outputs',
        'LRN (node "/lrn/LRN"): operator LRN is not supported',
        'Upsample (node #2): operator Upsample is not supported',
      ]);
      return true;
    });
  });

  it('converts Clip(0, ∞) to relu and a Clip with other bounds to nothing', async () => {
    // One channel: NCHW and NHWC are the same values, so the image outputs compare as they are.
    const nodes = [node('Clip', 'clip', ['x', 'lo'], ['y'])];
    const imported = await assertAgrees(modelOf(nodes, [floatTensor('lo', [], Float32Array.of(0))], ['N', 1, 3, 3], ['N', 1, 3, 3]), [2, 1, 3, 3]);
    assert.deepEqual(imported.model.layers, [{ type: 'relu', name: 'clip' }]);
    const other = modelOf(nodes, [floatTensor('lo', [], Float32Array.of(-1))], ['N', 1, 3, 3], ['N', 1, 3, 3]);
    assert.throws(() => importOnnx(other, { name: 'm' }), /Clip \(node "clip"\): only Clip\(0, 6\) \(relu6\) and Clip\(0, ∞\) \(relu\) are supported/);
  });

  it('converts Mul of activations to multiply: a squeeze-and-excitation gate (Unsqueeze to [N, C, 1, 1]) and a spatial mask', async () => {
    const nodes = [
      node('Conv', '/conv/Conv', ['x', 'c.w', 'c.b'], ['c'], [intAttr('kernel_shape', [3, 3]), intAttr('pads', [1, 1, 1, 1])]),
      node('GlobalAveragePool', '/se/pool/GlobalAveragePool', ['c'], ['p']),
      node('Flatten', '/se/Flatten', ['p'], ['pf']),
      node('Gemm', '/se/fc/Gemm', ['pf', 'fc.w', 'fc.b'], ['z'], [intAttr('transB', 1)]),
      node('Sigmoid', '/se/Sigmoid', ['z'], ['s']),
      node('Unsqueeze', '/se/Unsqueeze', ['s', 'axes'], ['gate']),
      node('Mul', '/se/Mul', ['c', 'gate'], ['scaled']),
      node('Conv', '/mask/Conv', ['x', 'm.w'], ['m'], [intAttr('kernel_shape', [1, 1])]),
      node('Mul', '/masked/Mul', ['m', 'scaled'], ['masked']),
      node('Conv', '/head/Conv', ['masked', 'h.w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    const inits = [
      floatTensor('c.w', [4, 2, 3, 3], rand(72)), floatTensor('c.b', [4], rand(4)), floatTensor('fc.w', [4, 4], rand(16)), floatTensor('fc.b', [4], rand(4)),
      int64Tensor('axes', [2, 3]), floatTensor('m.w', [1, 2, 1, 1], rand(2)), floatTensor('h.w', [1, 4, 1, 1], rand(4)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 5, 6], ['N', 1, 5, 6]), [2, 2, 5, 6]);
    const layers = imported.model.layers;
    assert.deepEqual(layers.map((l) => l.type), ['conv2d', 'globalAvgPool2d', 'dense', 'sigmoid', 'multiply', 'conv2d', 'multiply', 'conv2d']);
    assert.deepEqual(layers[4], { type: 'multiply', name: 'se_1', inputs: ['c', 'se'] });
    assert.deepEqual(analyze(imported.model.input.shape, layers).layers[6]!.inputs.map((i) => i.shape), [[5, 6, 1], [5, 6, 4]]);
  });

  it('folds a Mul by a per-channel or scalar constant into the layer before it, and refuses one it cannot fold', async () => {
    const nodes = [
      node('Conv', '/conv/Conv', ['x', 'c.w', 'c.b'], ['c'], [intAttr('kernel_shape', [3, 3])]),
      node('Transpose', '/t/Transpose', ['c'], ['t'], [intAttr('perm', [0, 2, 3, 1])]),
      node('Transpose', '/t/Transpose_1', ['t'], ['tb'], [intAttr('perm', [0, 3, 1, 2])]),
      node('Mul', '/scale/Mul', ['layer_scale', 'tb'], ['s']),
      node('BatchNormalization', '/bn/BatchNormalization', ['s', 'g', 'be', 'mu', 'var'], ['b']),
      node('Mul', '/half/Mul', ['b', 'half'], ['h']),
      node('Conv', '/head/Conv', ['h', 'h.w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    const inits = [
      floatTensor('c.w', [3, 2, 3, 3], rand(54)), floatTensor('c.b', [3], rand(3)), floatTensor('layer_scale', [3, 1, 1], Float32Array.of(0.5, -2, 3)),
      floatTensor('g', [3], rand(3)), floatTensor('be', [3], rand(3)), floatTensor('mu', [3], rand(3)), floatTensor('var', [3], Float32Array.of(0.5, 1, 2)),
      floatTensor('half', [], Float32Array.of(0.5)), floatTensor('h.w', [1, 3, 1, 1], rand(3)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 6, 5], ['N', 1, 4, 3]), [2, 2, 6, 5]);
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['conv2d', 'batchNorm', 'conv2d']);
    // Read twice, the conv's output cannot take the scale; nor can a relu.
    const twice = [...nodes.slice(0, 4), node('Add', '/sum/Add', ['s', 'c'], ['y'])];
    assert.throws(() => importOnnx(modelOf(twice, inits, ['N', 2, 6, 5], ['N', 3, 4, 3]), { name: 'm' }), /Mul \(node "\/scale\/Mul"\): multiplies by the constant "layer_scale", which is supported only folded into the convolution, dense or normalization layer before it: "c" is read elsewhere too/);
    const relu = [nodes[0]!, node('Relu', '/r/Relu', ['c'], ['r']), node('Mul', '/scale/Mul', ['r', 'layer_scale'], ['y'])];
    assert.throws(() => importOnnx(modelOf(relu, inits, ['N', 2, 6, 5], ['N', 3, 4, 3]), { name: 'm' }), /"r" is not made by a convolution, dense or normalization layer/);
    const wide = [nodes[0]!, node('Mul', '/scale/Mul', ['c', 'wide'], ['y'])];
    const wideInits = [...inits, floatTensor('wide', [3, 4, 1], rand(12))];
    assert.throws(() => importOnnx(modelOf(wide, wideInits, ['N', 2, 6, 5], ['N', 3, 4, 3]), { name: 'm' }), /multiplies by the constant "wide" of dims \[3, 4, 1\], which is not one value per channel/);
  });

  it('converts LayerNormalization over channels-last values and its opset-13 decomposition over NCHW channels', async () => {
    const decomposed = (p: string, x: string, out: string, axes: number[]): onnx.INodeProto[] => [
      node('ReduceMean', `${p}/ReduceMean`, [x], [`${p}.m`], [intAttr('axes', axes)]),
      node('Sub', `${p}/Sub`, [x, `${p}.m`], [`${p}.d`]),
      node('Pow', `${p}/Pow`, [`${p}.d`, 'two'], [`${p}.p`]),
      node('ReduceMean', `${p}/ReduceMean_1`, [`${p}.p`], [`${p}.v`], [intAttr('axes', axes)]),
      node('Add', `${p}/Add`, [`${p}.v`, 'eps'], [`${p}.ve`]),
      node('Sqrt', `${p}/Sqrt`, [`${p}.ve`], [`${p}.s`]),
      node('Div', `${p}/Div`, [`${p}.d`, `${p}.s`], [`${p}.n`]),
      node('Mul', `${p}/Mul`, [`${p}.n`, `${p}.weight`], [`${p}.g`]),
      node('Add', `${p}/Add_1`, [`${p}.g`, `${p}.bias`], [out]),
    ];
    const nodes = [
      node('Conv', '/conv/Conv', ['x', 'c.w'], ['c'], [intAttr('kernel_shape', [1, 1])]),
      ...decomposed('/ln2d', 'c', 'n1', [1]),
      node('Transpose', '/t/Transpose', ['n1'], ['t'], [intAttr('perm', [0, 2, 3, 1])]),
      node('LayerNormalization', '/ln/LayerNormalization', ['t', 'ln.weight', 'ln.bias'], ['l'], [intAttr('axis', -1), floatAttr('epsilon', 1e-6)]),
      node('Transpose', '/t/Transpose_1', ['l'], ['lb'], [intAttr('perm', [0, 3, 1, 2])]),
      node('Conv', '/head/Conv', ['lb', 'h.w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    const inits = [
      floatTensor('c.w', [5, 2, 1, 1], rand(10, 2)), floatTensor('two', [], Float32Array.of(2)), floatTensor('eps', [], Float32Array.of(1e-5)),
      floatTensor('/ln2d.weight', [5, 1, 1], rand(5)), floatTensor('/ln2d.bias', [5, 1, 1], rand(5)),
      floatTensor('ln.weight', [5], rand(5)), floatTensor('ln.bias', [5], rand(5)), floatTensor('h.w', [1, 5, 1, 1], rand(5)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 4, 3], ['N', 1, 4, 3]), [3, 2, 4, 3]);
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['conv2d', 'layerNormalization', 'layerNormalization', 'conv2d']);
    assert.deepEqual(imported.model.layers[1], { type: 'layerNormalization', name: 'ln2d', epsilon: 0.00001 });
    assert.deepEqual(imported.model.layers[2], { type: 'layerNormalization', name: 'ln', epsilon: 0.000001 });
    // Normalising NCHW from axis 1 takes height and width in too; a decomposition missing its Sqrt is not one.
    const wrong = [nodes[0]!, node('LayerNormalization', '/ln/LayerNormalization', ['c', 'ln.weight'], ['y'], [intAttr('axis', 1)])];
    assert.throws(() => importOnnx(modelOf(wrong, inits, ['N', 2, 4, 3], ['N', 5, 4, 3]), { name: 'm' }), /LayerNormalization \(node "\/ln\/LayerNormalization"\): normalizes a nchw tensor from axis 1: only over the channels/);
    const broken = decomposed('/ln2d', 'c', 'y', [1]).filter((n) => n.opType !== 'Sqrt').map((n) => (n.opType === 'Div' ? { ...n, input: ['/ln2d.d', '/ln2d.ve'] } : n));
    assert.throws(() => importOnnx(modelOf([nodes[0]!, ...broken], inits, ['N', 2, 4, 3], ['N', 5, 4, 3]), { name: 'm' }), /ReduceMean \(node "\/ln2d\/ReduceMean"\): axes \[1\] of a nchw tensor: only a mean over height and width \(global average pooling\), or over the channels starting a layer normalisation/);
  });

  it('converts Split and Slice of the channels to channelSlice, and refuses other axes', async () => {
    const nodes = [
      node('Conv', '/conv/Conv', ['x', 'c.w'], ['c'], [intAttr('kernel_shape', [1, 1])]),
      node('Split', '/split/Split', ['c', 'sizes'], ['a', 'b'], [intAttr('axis', 1)]),
      node('Slice', '/tail/Slice', ['c', 'starts', 'ends', 'axes'], ['t']),
      node('Relu', '/r/Relu', ['a'], ['ra']),
      node('Concat', '/cat/Concat', ['b', 'ra', 't'], ['cat'], [intAttr('axis', 1)]),
      node('Conv', '/head/Conv', ['cat', 'h.w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    const inits = [
      floatTensor('c.w', [5, 2, 1, 1], rand(10)), int64Tensor('sizes', [2, 3]), int64Tensor('starts', [-2]), int64Tensor('ends', [Number.MAX_SAFE_INTEGER]),
      int64Tensor('axes', [1]), floatTensor('h.w', [1, 7, 1, 1], rand(7)),
    ];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 2, 3, 4], ['N', 1, 3, 4]), [2, 2, 3, 4]);
    assert.deepEqual(imported.model.layers.slice(1, 4), [
      { type: 'channelSlice', name: 'split/0', start: 0, end: 2 },
      { type: 'channelSlice', name: 'split/1', inputs: ['c'], start: 2, end: 5 },
      { type: 'channelSlice', name: 'tail', inputs: ['c'], start: 3, end: 5 },
    ]);
    const rows = [nodes[0]!, node('Slice', '/rows/Slice', ['c', 'starts', 'ends', 'two'], ['y'])];
    assert.throws(() => importOnnx(modelOf(rows, [...inits, int64Tensor('two', [2])], ['N', 2, 3, 4], ['N', 5, 2, 4]), { name: 'm' }), /Slice \(node "\/rows\/Slice"\): cuts axis 2 of a nchw tensor: only the channel axis \(1\) is supported/);
  });

  it('converts exactly the operators of its table: each one is taken, any other is "not supported"', () => {
    for (const op of [...ONNX_OPERATORS, 'LRN', 'Upsample', 'Conv3d', 'toString', '__proto__']) {
      const bytes = modelOf([node(op, 'n', ['x'], ['y'])], [], ['N', 1, 4, 4], ['N', 1, 4, 4]);
      let problems: readonly string[] = [];
      try {
        importOnnx(bytes, { name: 'm' });
      } catch (e) {
        assert.ok(e instanceof OnnxImportError, `${op}: ${String(e)}`);
        problems = e.problems;
      }
      const refused = problems.includes(`${op} (node "n"): operator ${op} is not supported`);
      assert.equal(refused, !ONNX_OPERATORS.includes(op as never), `${op}: ${problems.join('; ')}`);
    }
  });

  it('lists every operator of its table in docs/onnx.md', () => {
    const docs = readFileSync(join(ROOT, 'docs/onnx.md'), 'utf8');
    const supported = docs.slice(docs.indexOf('Supported ('), docs.indexOf('- **Input**'));
    for (const op of ONNX_OPERATORS) assert.ok(supported.includes(`\`${op}`), `docs/onnx.md does not list ${op}`);
  });

  it('reads only the attributes and makes only the layer types each ONNX_IMPORTERS entry declares (and makes each one)', () => {
    // Every layer type's export, and the patterns our export never writes (the file's other imports add more).
    for (const { model } of layerTypeModels()) {
      importOnnx(exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(networkOf(model)) }), { name: 'm' });
    }
    const patterns = [
      node('Conv', 'c', ['x', 'c.w'], ['c'], [intAttr('pads', [1, 0, 0, 2])]),
      node('Clip', 'clip', ['c', 'lo'], ['r']),
      node('AveragePool', 'avg', ['r'], ['a'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [1, 1]), intAttr('pads', [1, 1, 1, 1]), intAttr('count_include_pad', 1)]),
      node('Sum', 'sum', ['a', 'a'], ['s']),
      node('Reshape', 'flat', ['s', 'shape'], ['f']),
      node('MatMul', 'fc/MatMul', ['f', 'fc.w'], ['m']),
      node('Add', 'fc/Add', ['m', 'fc.b'], ['z']),
      // A GELU met at its Mul(x, 0.5) (`0.5 * x * (1 + erf(x / √2))` in PyTorch): Mul → gelu.
      node('Mul', 'g/half', ['z', 'half'], ['gh']),
      node('Div', 'g/div', ['z', 'sqrt2'], ['gd']),
      node('Erf', 'g/erf', ['gd'], ['ge']),
      node('Add', 'g/add', ['ge', 'one'], ['ga']),
      node('Mul', 'g/mul', ['gh', 'ga'], ['y']),
    ];
    // 6×6 padded to 7×8, 3×3 conv → 5×6, padded to 7×8, 2×2 average → 6×7 (×3 channels).
    const inits = [floatTensor('c.w', [3, 2, 3, 3], rand(54)), floatTensor('lo', [], Float32Array.of(0)), int64Tensor('shape', [0, -1]), floatTensor('fc.w', [126, 2], rand(252)), floatTensor('fc.b', [2], rand(2)), floatTensor('half', [], Float32Array.of(0.5)), floatTensor('sqrt2', [], Float32Array.of(Math.SQRT2)), floatTensor('one', [], Float32Array.of(1))];
    importOnnx(modelOf(patterns, inits, ['N', 2, 6, 6], ['N', 2]), { name: 'm' });
    // A channels-last linear layer (a 1×1 conv), a mean over height and width, a 1×1 conv on its [N, C, 1, 1].
    const lastAxis = [
      node('Transpose', 't', ['x'], ['t'], [intAttr('perm', [0, 2, 3, 1])]), node('MatMul', 'mm', ['t', 'mm.w'], ['m']),
      node('Transpose', 'tb', ['m'], ['b'], [intAttr('perm', [0, 3, 1, 2])]), node('ReduceMean', 'mean', ['b'], ['p'], [intAttr('axes', [2, 3])]),
      node('Conv', 'pc', ['p', 'pc.w'], ['y'], [intAttr('kernel_shape', [1, 1])]),
    ];
    importOnnx(modelOf(lastAxis, [floatTensor('mm.w', [2, 3], rand(6)), floatTensor('pc.w', [2, 3, 1, 1], rand(6))], ['N', 2, 4, 4], ['N', 2, 1, 1]), { name: 'm' });
    assert.ok(reads.has('Conv:group') && reads.has('Gemm:transB'), 'the reads were not recorded');
    for (const r of reads) {
      const [op, name] = r.split(':') as [string, string];
      assert.ok(importerOf(op)?.attributes.includes(name) || FOLDED_ATTRIBUTES[op]?.includes(name), `${op} reads attribute "${name}", which its entry does not declare`);
    }
    const declared = Object.entries(ONNX_IMPORTERS).flatMap(([op, e]) => e.yields.map((t) => `${op} → ${t}`));
    assert.deepEqual([...made].sort(), declared.sort());
  });

  it('converts MaxPool and AveragePool pads, ceil_mode, count_include_pad and dilations into the pool itself', async () => {
    const nodes = [
      // ResNet's stem pool: PyTorch's symmetric padding 1, which Keras' 'same' (stride 2) is not.
      node('MaxPool', 'stem', ['x'], ['a'], [intAttr('kernel_shape', [3, 3]), intAttr('strides', [2, 2]), intAttr('pads', [1, 1, 1, 1])]),
      // Ceil mode adds a row (whose last window reaches past the padding: not counted) …
      node('AveragePool', 'counted', ['a'], ['b'], [intAttr('kernel_shape', [3, 3]), intAttr('strides', [2, 2]), intAttr('pads', [1, 1, 1, 1]), intAttr('ceil_mode', 1), intAttr('count_include_pad', 1)]),
      // … and a column (GoogLeNet's pools).
      node('MaxPool', 'ceil', ['b'], ['c'], [intAttr('kernel_shape', [3, 3]), intAttr('strides', [2, 2]), intAttr('ceil_mode', 1)]),
      node('MaxPool', 'dilated', ['c'], ['d'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [1, 1]), intAttr('dilations', [2, 1]), intAttr('pads', [0, 1, 1, 0])]),
      node('AveragePool', 'left_out', ['d'], ['e'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [1, 1]), intAttr('pads', [1, 0, 0, 1])]),
      // Symmetric 1 around a 3×3 stride-1 window is Keras' 'same'.
      node('MaxPool', 'same', ['e'], ['y'], [intAttr('kernel_shape', [3, 3]), intAttr('strides', [1, 1]), intAttr('pads', [1, 1, 1, 1])]),
    ];
    // 23×22 → stem 12×11 → counted 7×6 → ceil 3×3 → dilated 2×3 → left_out 2×3 → same 2×3.
    const imported = await assertAgrees(modelOf(nodes, [], ['N', 2, 23, 22], ['N', 2, 2, 3]), [2, 2, 23, 22]);
    assert.deepEqual(imported.model.layers, [
      { type: 'maxPool2d', name: 'stem', poolSize: 3, strides: 2, padding: 1 },
      { type: 'avgPool2d', name: 'counted', poolSize: 3, strides: 2, padding: 1, ceilMode: true, countIncludePad: true },
      { type: 'maxPool2d', name: 'ceil', poolSize: 3, strides: 2, ceilMode: true },
      { type: 'maxPool2d', name: 'dilated', poolSize: 2, strides: 1, padding: [[0, 1], [1, 0]], dilationRate: [2, 1] },
      { type: 'avgPool2d', name: 'left_out', poolSize: 2, strides: 1, padding: [[1, 0], [0, 1]] },
      { type: 'maxPool2d', name: 'same', poolSize: 3, strides: 1, padding: 'same' },
    ]);
    const analysis = analyze(imported.model.input.shape, imported.model.layers);
    assert.deepEqual(analysis.layers.map((l) => l.outputShape), [[12, 11, 2], [7, 6, 2], [3, 3, 2], [2, 3, 2], [2, 3, 2], [2, 3, 2]]);
  });

  it('refuses a file that is not ONNX, a pool whose window holds padding alone, and a dilated average', () => {
    assert.throws(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]), { name: 'm' }), /not an ONNX model|no graph/);
    const bytes = modelOf([node('MaxPool', 'mp', ['x'], ['y'], [intAttr('kernel_shape', [2, 2]), intAttr('strides', [2, 2]), intAttr('pads', [2, 0, 0, 0])])], [], ['N', 1, 8, 8], ['N', 1, 5, 4]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), /MaxPool \(node "mp"\): the window of output row 0 holds padding alone/);
    const avg = modelOf([node('AveragePool', 'ap', ['x'], ['y'], [intAttr('kernel_shape', [2, 2]), intAttr('dilations', [2, 2])])], [], ['N', 1, 8, 8], ['N', 1, 6, 6]);
    assert.throws(() => importOnnx(avg, { name: 'm' }), /AveragePool \(node "ap"\): dilations \[2, 2\]: average pooling has no dilation/);
  });
});

describe('ONNX import: hardSigmoid, GELU, channel shuffle, keepDims', () => {
  const scalar = (name: string, v: number): onnx.ITensorProto => floatTensor(name, [], Float32Array.of(v));

  it("HardSigmoid keeps ONNX's default slope 0.2 as a field and gives ONNX Runtime's outputs", async () => {
    const nodes = [node('Conv', 'c', ['x', 'c.w'], ['c']), node('HardSigmoid', 'hs', ['c'], ['y'])];
    const imported = await assertAgrees(modelOf(nodes, [floatTensor('c.w', [3, 2, 1, 1], rand(6).map((v) => v * 8))], ['N', 2, 4, 4], ['N', 3, 4, 4]), [2, 2, 4, 4]);
    assert.deepEqual(imported.model.layers.map(({ name: _, ...l }) => l), [{ type: 'conv2d', filters: 3, kernelSize: 1, useBias: false }, { type: 'hardSigmoid', alpha: 0.2 }]);
  });

  it('refuses a HardSigmoid whose beta is not 0.5, or whose slope is not positive, naming both', () => {
    for (const [attrs, shown] of [[[floatAttr('beta', 0.6)], 'alpha 0.2, beta 0.6'], [[floatAttr('alpha', -1)], 'alpha -1, beta 0.5']] as const) {
      const bytes = modelOf([node('HardSigmoid', 'hs', ['x'], ['y'], [...attrs])], [], ['N', 2, 4, 4], ['N', 2, 4, 4]);
      assert.throws(() => importOnnx(bytes, { name: 'm' }), (e: unknown) => e instanceof OnnxImportError && e.message.includes(`HardSigmoid (node "hs"): ${shown}: only beta 0.5`));
    }
  });

  it('reads a GELU written as (1 + erf(x · 1/√2)) · 0.5 · x (the other association) as gelu, as ONNX Runtime computes it', async () => {
    const nodes = [
      node('Mul', 'g/scale', ['x', 'rsqrt2'], ['u']), node('Erf', 'g/erf', ['u'], ['e']), node('Add', 'g/add', ['one', 'e'], ['a']),
      node('Mul', 'g/half', ['a', 'half'], ['h']), node('Mul', 'g/out', ['h', 'x'], ['y']),
    ];
    const imported = await assertAgrees(modelOf(nodes, [scalar('rsqrt2', Math.SQRT1_2), scalar('one', 1), scalar('half', 0.5)], ['N', 3, 3, 3], ['N', 3, 3, 3]), [2, 3, 3, 3]);
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['gelu']);
  });

  it('refuses an Erf that is not part of a GELU (x / 2 instead of x / √2), at its Div', () => {
    const nodes = [node('Div', 'd', ['x', 'two'], ['u']), node('Erf', 'e', ['u'], ['e']), node('Add', 'a', ['e', 'one'], ['a']), node('Mul', 'm', ['x', 'a'], ['m']), node('Mul', 'm2', ['m', 'half'], ['y'])];
    const bytes = modelOf(nodes, [scalar('two', 2), scalar('one', 1), scalar('half', 0.5)], ['N', 2, 3, 3], ['N', 2, 3, 3]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), (e: unknown) => e instanceof OnnxImportError && /Div \(node "d"\): only as part of a GELU/.test(e.message));
  });

  it('reads Reshape [0, 3, -1, h, w], Transpose [0, 2, 1, 3, 4], Reshape [-1, 0·…] as channelShuffle with 3 groups, as ONNX Runtime computes it', async () => {
    const nodes = [
      node('Reshape', 'shuffle/r1', ['x', 's1'], ['r1']), node('Transpose', 'shuffle/t', ['r1'], ['t'], [intAttr('perm', [0, 2, 1, 3, 4])]),
      node('Reshape', 'shuffle/r2', ['t', 's2'], ['y']),
    ];
    const inits = [int64Tensor('s1', [0, 3, -1, 2, 3]), int64Tensor('s2', [-1, 6, 2, 3])];
    const imported = await assertAgrees(modelOf(nodes, inits, ['N', 6, 2, 3], ['N', 6, 2, 3]), [2, 6, 2, 3]);
    assert.deepEqual(imported.model.layers.map(({ name: _, ...l }) => l), [{ type: 'channelShuffle', groups: 3 }]);
  });

  it('refuses a Reshape / Transpose that swaps other axes than the two channel ones', () => {
    const nodes = [
      node('Reshape', 'r1', ['x', 's1'], ['r1']), node('Transpose', 't', ['r1'], ['t'], [intAttr('perm', [0, 1, 2, 4, 3])]), node('Reshape', 'r2', ['t', 's2'], ['y']),
    ];
    const bytes = modelOf(nodes, [int64Tensor('s1', [-1, 3, 2, 2, 3]), int64Tensor('s2', [-1, 6, 2, 3])], ['N', 6, 2, 3], ['N', 6, 2, 3]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), (e: unknown) => e instanceof OnnxImportError && /Reshape \(node "r1"\): only a reshape to \[batch, features\] or a channel shuffle/.test(e.message));
  });

  it('keeps a global pool 1×1 (keepDims) for a 1×1 Conv, drops it for a Flatten', async () => {
    const se = [node('GlobalAveragePool', 'gap', ['x'], ['p']), node('Conv', 'fc', ['p', 'fc.w', 'fc.b'], ['c']), node('Flatten', 'f', ['c'], ['y'])];
    const kept = await assertAgrees(modelOf(se, [floatTensor('fc.w', [4, 3, 1, 1], rand(12)), floatTensor('fc.b', [4], rand(4))], ['N', 3, 5, 5], ['N', 4]), [2, 3, 5, 5]);
    assert.deepEqual(kept.model.layers.map((l) => [l.type, (l as { keepDims?: boolean }).keepDims]), [['globalAvgPool2d', true], ['conv2d', undefined], ['flatten', undefined]]);
    const flat = importOnnx(modelOf([node('GlobalMaxPool', 'gmp', ['x'], ['p']), node('Flatten', 'f', ['p'], ['y'])], [], ['N', 3, 5, 5], ['N', 3]), { name: 'm' });
    assert.deepEqual(flat.model.layers.map(({ name: _, ...l }) => l), [{ type: 'globalMaxPool2d' }]);
  });
});
