// Static shape arithmetic in ONNX graphs (what torch.onnx.export writes for x.view(x.size(0), -1) with a dynamic
// batch) folded to constants at import: the result agrees with ONNX Runtime, opset 11's attribute forms and 13's
// input forms alike; uses of the batch size that a per-sample model cannot honour are refused with the reason.
import assert from 'node:assert/strict';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { constantInput, constantOf, foldConstants } from '../../../src/interop/onnx/importFold';
import { ImportGraph } from '../../../src/interop/onnx/importGraph';
import { DataType, decodeModel, encodeModel, floatTensor, int64Tensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { assertAgrees, handModel, node, rand } from './onnxHand';

const scalar = (name: string, v: number): onnx.ITensorProto => ({ name, dims: [], dataType: DataType.INT64, int64Data: [v] });

/** A 1×1 conv to 3 channels, then its output flattened through [N, C·H·W] computed from its Shape, then Gemm. */
function flattenByShape(opset: number, shapeOf: (n: string, f: string) => onnx.INodeProto[] = (n, f) => [node('Concat', 'cat', [n, f], ['shape'], [intAttr('axis', 0)])]): Uint8Array {
  const unsqueeze = (name: string, input: string, output: string): onnx.INodeProto =>
    opset >= 13 ? node('Unsqueeze', name, [input, 'axes0'], [output]) : node('Unsqueeze', name, [input], [output], [intAttr('axes', [0])]);
  const nodes = [
    node('Conv', '/conv/Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], [intAttr('kernel_shape', [1, 1])]),
    node('Shape', '/Shape', ['c'], ['s']),
    node('Gather', '/Gather', ['s', 'i0'], ['n'], [intAttr('axis', 0)]),
    unsqueeze('/Unsqueeze', 'n', 'n1'),
    node('Gather', '/Gather_1', ['s', 'i1'], ['ch'], [intAttr('axis', 0)]),
    node('Slice', '/Slice', ['s', 'from2', 'to4', 'axes0'], ['hw']),
    node('ReduceProd', '', ['hw'], ['unused'], [intAttr('keepdims', 0)]),
    node('Gather', '/Gather_2', ['hw', 'i0'], ['h']),
    node('Gather', '/Gather_3', ['hw', 'i1'], ['w']),
    node('Mul', '/Mul', ['ch', 'h'], ['chh']),
    node('Mul', '/Mul_1', ['chh', 'w'], ['f2']),
    // × 2 ÷ 2 in int64: integer division, and a Cast that changes nothing.
    node('Mul', '/Mul_2', ['f2', 'two'], ['f4']),
    node('Div', '/Div', ['f4', 'two'], ['f5']),
    node('Cast', '/Cast', ['f5'], ['f6'], [intAttr('to', DataType.INT64)]),
    unsqueeze('/Unsqueeze_1', 'f6', 'f'),
    ...shapeOf('n1', 'f'),
    node('Reshape', '/Reshape', ['c', 'shape'], ['r']),
    node('Gemm', '/fc/Gemm', ['r', 'fc.weight', 'fc.bias'], ['y'], [intAttr('transB', 1)]),
  ].filter((n) => n.opType !== 'ReduceProd');
  const inits = [
    floatTensor('conv.weight', [3, 2, 1, 1], rand(6)), floatTensor('conv.bias', [3], rand(3)),
    scalar('i0', 0), scalar('i1', 1), scalar('two', 2), int64Tensor('axes0', [0]), int64Tensor('from2', [2]), int64Tensor('to4', [4]),
    floatTensor('fc.weight', [5, 48], rand(240)), floatTensor('fc.bias', [5], rand(5)),
  ];
  return handModel(nodes, inits, ['N', 2, 4, 4], ['N', 5], opset);
}

describe('ONNX import: shape arithmetic', function () {
  this.timeout(60_000);

  for (const opset of [11, 13, 17]) {
    it(`folds Shape, Gather, Slice, Unsqueeze, Mul, Div, Cast and Concat into the Reshape to [N, C·H·W] (opset ${opset})`, async () => {
      const imported = await assertAgrees(flattenByShape(opset), [2, 2, 4, 4]);
      assert.deepEqual(imported.model.layers.map((l) => l.type), ['conv2d', 'flatten', 'dense']);
    });
  }

  it('refuses a shape that uses the batch size other than as its first dim', () => {
    // [N·C, -1]: per sample that is not [1, ...]: evaluating it for N = 1 would silently compute something else.
    const bytes = flattenByShape(13, (n) => [
      node('Mul', '/Mul_9', [n, 'i1'], ['bad']),
      node('Mul', '/Mul_10', ['bad', 'three'], ['nc']),
      node('Concat', 'cat', ['nc', 'minus1'], ['shape'], [intAttr('axis', 0)]),
    ]);
    const withConstants = patchInitializers(bytes, [int64Tensor('three', [3]), int64Tensor('minus1', [-1])]);
    assert.throws(() => importOnnx(withConstants, { name: 'm' }), (e: unknown) => {
      assert.ok(e instanceof OnnxImportError);
      assert.deepEqual(e.problems, ['Reshape (node "/Reshape"): the shape "shape" depends on the batch size other than as the first dim of a shape: CNN Studio\'s layers work per sample']);
      return true;
    });
  });

  it('says which folded operator reads an activation\'s values, and why a fold fails', () => {
    const gather = handModel([node('Gather', 'g', ['x', 'idx'], ['y'], [intAttr('axis', 1)])], [int64Tensor('idx', [0])], ['N', 2, 4, 4], ['N', 1, 4, 4]);
    assert.throws(() => importOnnx(gather, { name: 'm' }), /Gather \(node "g"\): operator Gather is supported only on constants and shapes \(static shape arithmetic\), and its input "x" holds an activation's values/);
    const outside = handModel([node('Shape', 's', ['x'], ['s']), node('Gather', 'g', ['s', 'idx'], ['i']), node('Reshape', 'r', ['x', 'i'], ['y'])], [int64Tensor('idx', [7])], ['N', 2, 4, 4], ['N', 32]);
    assert.throws(() => importOnnx(outside, { name: 'm' }), /Gather \(node "g"\): index 7 is outside axis 0 of size 4/);
    const huge = handModel([node('ConstantOfShape', 'big', ['dims'], ['z']), node('Reshape', 'r', ['x', 'z'], ['y'])], [int64Tensor('dims', [1 << 20, 1 << 20])], ['N', 2, 4, 4], ['N', 32]);
    assert.throws(() => importOnnx(huge, { name: 'm' }), /ConstantOfShape \(node "big"\): would make 1099511627776 values \(dims \[1048576, 1048576\]\): too large to evaluate/);
  });

  it('constantOf evaluates shape arithmetic ahead of the walk, and nothing that reads an activation\'s values', () => {
    const graph: onnx.IGraphProto = {
      node: [
        node('Shape', 's', ['x'], ['s']),
        node('Gather', 'g', ['s', 'i'], ['c']),
        node('Relu', 'r', ['x'], ['a']),
        node('Concat', 'cat', ['c', 'c'], ['cc'], [intAttr('axis', 0)]),
        node('Add', 'plus', ['a', 'a'], ['sum']),
      ],
      initializer: [int64Tensor('i', [1, 3])],
      input: [valueInfo('x', ['N', 5, 6, 7])],
    };
    const g = new ImportGraph(graph);
    foldConstants(g);
    g.values.set('x', { kind: 'act', src: -1, layout: 'nchw', shape: [6, 7, 5] });
    const cc = constantOf(g, 'cc');
    assert.deepEqual(cc && { dims: cc.dims, values: [...cc.values] }, { dims: [4], values: [5, 7, 5, 7] });
    assert.ok(g.consumed.has(graph.node![0]!) && g.consumed.has(graph.node![3]!), 'the folded nodes are consumed');
    assert.equal(constantOf(g, 'sum'), undefined);
    assert.equal(constantOf(g, 'nothing'), undefined);
    assert.deepEqual([...(constantInput(g, graph.node![3]!, 1)?.values ?? [])], [5, 7]);
    assert.equal(constantInput(g, graph.node![3]!, 2), undefined);
    const n = constantOf(g, 's');
    assert.deepEqual(n?.batch, ['n', undefined, undefined, undefined]);
  });
});

describe('ONNX import: folding Split and Slice, in both opsets\' forms', () => {
  /** The values of `outputs` after folding the nodes over the initializers. */
  function fold(nodes: onnx.INodeProto[], inits: onnx.ITensorProto[], outputs: string[]): number[][] {
    const g = new ImportGraph({ node: nodes, initializer: inits, input: [] });
    foldConstants(g);
    return outputs.map((t) => [...(constantOf(g, t)?.values ?? [])]);
  }
  const data = int64Tensor('d', [10, 11, 12, 13, 14, 15]);

  it('Split: sizes as an attribute (opset < 13) or an input, or equal parts', () => {
    assert.deepEqual(fold([node('Split', 's', ['d'], ['a', 'b'], [intAttr('split', [2, 4])])], [data], ['a', 'b']), [[10, 11], [12, 13, 14, 15]]);
    assert.deepEqual(fold([node('Split', 's', ['d', 'sizes'], ['a', 'b'])], [data, int64Tensor('sizes', [5, 1])], ['a', 'b']), [[10, 11, 12, 13, 14], [15]]);
    assert.deepEqual(fold([node('Split', 's', ['d'], ['a', 'b', 'c'])], [data], ['a', 'b', 'c']), [[10, 11], [12, 13], [14, 15]]);
  });

  it('Slice: starts, ends and axes as attributes (opset < 10) or inputs, negative steps, clamped ends', () => {
    assert.deepEqual(fold([node('Slice', 's', ['d'], ['y'], [intAttr('starts', [1]), intAttr('ends', [3]), intAttr('axes', [0])])], [data], ['y']), [[11, 12]]);
    const inputs = [int64Tensor('st', [-1]), int64Tensor('en', [-1e9]), int64Tensor('ax', [0]), int64Tensor('step', [-2])];
    assert.deepEqual(fold([node('Slice', 's', ['d', 'st', 'en', 'ax', 'step'], ['y'])], [data, ...inputs], ['y']), [[15, 13, 11]]);
    assert.deepEqual(fold([node('Slice', 's', ['d', 'st2', 'en2'], ['y'])], [data, int64Tensor('st2', [4]), int64Tensor('en2', [1e9])], ['y']), [[14, 15]]);
  });

  it('Min and Max over any number of inputs, broadcasting', () => {
    const inits = [int64Tensor('p', [3, 9, 4]), int64Tensor('q', [5]), int64Tensor('r', [1, 20, 2])];
    assert.deepEqual(fold([node('Max', 'm', ['p', 'q', 'r'], ['y']), node('Min', 'n', ['p', 'q', 'r'], ['z'])], inits, ['y', 'z']), [[5, 20, 5], [1, 5, 2]]);
  });

  it('Squeeze and Unsqueeze: axes as attributes or inputs agree', () => {
    const scalar6: onnx.ITensorProto = { name: 'v', dims: [], dataType: DataType.INT64, int64Data: [6] };
    const attr = fold([node('Unsqueeze', 'u', ['v'], ['u'], [intAttr('axes', [0, 1])]), node('Squeeze', 'q', ['u'], ['q'], [intAttr('axes', [1])])], [scalar6], ['q']);
    const input = fold([node('Unsqueeze', 'u', ['v', 'a01'], ['u']), node('Squeeze', 'q', ['u', 'a1'], ['q'])], [scalar6, int64Tensor('a01', [0, 1]), int64Tensor('a1', [1])], ['q']);
    assert.deepEqual(attr, [[6]]);
    assert.deepEqual(input, attr);
  });
});

function patchInitializers(bytes: Uint8Array, extra: onnx.ITensorProto[]): Uint8Array {
  // Decoding and re-encoding keeps everything else as it was.
  const m = decodeModel(bytes);
  m.graph!.initializer!.push(...extra.map((t) => t as onnx.TensorProto));
  return encodeModel(m);
}
