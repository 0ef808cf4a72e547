// Import of hand-made ONNX graphs: every supported operator pattern converts to layers that ONNX Runtime agrees
// with, and unsupported operators are listed by name and node, with nothing returned. The operator table
// (ONNX_IMPORTERS) is the list of supported operators, and each entry says exactly what it reads and makes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeightsInto } from '../../../src/engine/weights';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
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

/** ONNX Runtime on the NCHW file against our engine on the imported model (NHWC input). */
async function assertAgrees(bytes: Uint8Array, nchw: [number, number, number, number]): Promise<ReturnType<typeof importOnnx>> {
  const imported = importOnnx(bytes, { name: 'hand' });
  const [n, c, h, w] = nchw;
  const x = rand(n * c * h * w, 1);
  const nhwc = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) nhwc[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
  const net = networkOf(imported.model);
  loadWeightsInto(imported.model, net.params, { tensors: imported.tensors, metadata: {} });
  let ours = engineOutput(net, imported.model, nhwc, n);
  const out = analyze(imported.model.input.shape, imported.model.layers).outputShape!;
  if (out.length === 3) {
    // An image output: ours NHWC, ONNX Runtime's NCHW.
    const [oh, ow, oc] = out as [number, number, number];
    const nchwOut = new Float32Array(ours.length);
    for (let b = 0; b < n; b++) for (let ch = 0; ch < oc; ch++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) nchwOut[((b * oc + ch) * oh + y) * ow + xx] = ours[((b * oh + y) * ow + xx) * oc + ch]!;
    ours = nchwOut;
  }
  const theirs = await ortOutput(bytes, x, nchw, 'x');
  const diff = maxAbsDiff(ours, theirs.data);
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
      node('Add', 'fc/Add', ['m', 'fc.b'], ['y']),
    ];
    // 6×6 padded to 7×8, 3×3 conv → 5×6, padded to 7×8, 2×2 average → 6×7 (×3 channels).
    const inits = [floatTensor('c.w', [3, 2, 3, 3], rand(54)), floatTensor('lo', [], Float32Array.of(0)), int64Tensor('shape', [0, -1]), floatTensor('fc.w', [126, 2], rand(252)), floatTensor('fc.b', [2], rand(2))];
    importOnnx(modelOf(patterns, inits, ['N', 2, 6, 6], ['N', 2]), { name: 'm' });
    assert.ok(reads.has('Conv:group') && reads.has('Gemm:transB'), 'the reads were not recorded');
    for (const r of reads) {
      const [op, name] = r.split(':') as [string, string];
      assert.ok(importerOf(op)?.attributes.includes(name), `${op} reads attribute "${name}", which its entry does not declare`);
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
