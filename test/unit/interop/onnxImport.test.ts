// Import of hand-made ONNX graphs: every supported operator pattern converts to layers that ONNX Runtime agrees
// with, and unsupported operators are listed by name and node, with nothing returned.
import assert from 'node:assert/strict';
import { loadWeightsInto } from '../../../src/engine/weights';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { encodeModel, floatAttr, floatTensor, int64Tensor, intAttr, stringAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { analyze } from '../../../src/model/shapes';
import { engineOutput, maxAbsDiff, networkOf, ortOutput, rngFor } from './helpers';

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

/** ONNX Runtime on the NCHW file against our engine on the imported model (NHWC input). */
async function assertAgrees(bytes: Uint8Array, nchw: [number, number, number, number]): Promise<ReturnType<typeof importOnnx>> {
  const imported = importOnnx(bytes, { name: 'hand' });
  const [n, c, h, w] = nchw;
  const x = rand(n * c * h * w, 1);
  const nhwc = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) nhwc[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
  const net = networkOf(imported.model);
  loadWeightsInto(imported.model, net.params, { tensors: imported.tensors, metadata: {} });
  const ours = engineOutput(net, imported.model, nhwc, n);
  const theirs = await ortOutput(bytes, x, nchw, 'x');
  const diff = maxAbsDiff(ours, theirs.data);
  assert.ok(diff <= 1e-4, `differs from ONNX Runtime by ${diff}`);
  return imported;
}

describe('ONNX import', function () {
  this.timeout(60_000);

  it('converts Pad, explicit conv pads, an average counting its padding, Clip, x·Sigmoid(x), an NCHW flatten and MatMul + Add', async () => {
    const nodes = [
      node('Pad', '/pad/Pad', ['x', 'pads'], ['p']),
      // Pads (1, 0, 0, 2) are neither 'valid' nor 'same': a zeroPadding2D, then a 'valid' conv.
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
    assert.deepEqual(imported.model.layers.map((l) => l.type), ['zeroPadding2D', 'zeroPadding2D', 'conv2d', 'relu6', 'zeroPadding2D', 'avgPool2d', 'swish', 'leakyRelu', 'flatten', 'dense']);
    assert.deepEqual(imported.model.layers[0], { type: 'zeroPadding2D', name: 'pad', padding: [1, 2] });
    assert.deepEqual(imported.model.layers[1], { type: 'zeroPadding2D', name: 'conv/pad', padding: [[1, 0], [0, 2]] });
    assert.deepEqual(imported.model.layers[7], { type: 'leakyRelu', name: 'lrelu', alpha: 0.1 });
    assert.deepEqual(imported.model.layers[9], { type: 'dense', name: 'fc', units: 4 });
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

  it('lists every unsupported operator by name and node, and returns nothing', () => {
    const nodes = [
      node('Conv', '/c/Conv', ['x', 'w'], ['c'], [intAttr('kernel_shape', [1, 1]), intAttr('group', 2)]),
      node('LRN', '/lrn/LRN', ['x'], ['l'], [intAttr('size', 3)]),
      node('Upsample', '', ['l'], ['u']),
      node('Relu', '/r/Relu', ['u'], ['y']),
    ];
    const bytes = modelOf(nodes, [floatTensor('w', [4, 2, 1, 1], rand(8))], ['N', 4, 5, 5], ['N', 4, 5, 5]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), (e: unknown) => {
      assert.ok(e instanceof OnnxImportError);
      assert.deepEqual(e.problems, [
        'Conv (node "/c/Conv"): group 2 over 4 channels is a grouped convolution: only group 1 and depthwise (group = channels) are supported',
        'LRN (node "/lrn/LRN"): operator LRN is not supported',
        'Upsample (node #2): operator Upsample is not supported',
      ]);
      return true;
    });
  });

  it('refuses a file that is not ONNX, and a MaxPool whose padding is not Keras\'', () => {
    assert.throws(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]), { name: 'm' }), /not an ONNX model|no graph/);
    const bytes = modelOf([node('MaxPool', 'mp', ['x'], ['y'], [intAttr('kernel_shape', [3, 3]), intAttr('strides', [2, 2]), intAttr('pads', [1, 1, 1, 1])])], [], ['N', 1, 8, 8], ['N', 1, 4, 4]);
    assert.throws(() => importOnnx(bytes, { name: 'm' }), /MaxPool \(node "mp"\): pads \[1, 1, 1, 1\] are neither 'valid' nor Keras' 'same' padding/);
  });
});
