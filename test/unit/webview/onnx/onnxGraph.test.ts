// The .onnx graph as rows of the designer's diagram (webview/onnx/graph.ts).
import { strict as assert } from 'node:assert';
import type { NodeView, OnnxGraphView } from '../../../../src/protocol/onnxView';
import { onnxDiagram, perSample } from '../../../../webview/onnx/graph';

function node(index: number, opType: string, inputs: string[], output: string, rest: Partial<NodeView> = {}): NodeView {
  return { index, name: `/m/${opType}_${index}`, opType, inputs, inputShapes: [], outputs: [output], outputShapes: [[1, 16, 8, 8]], params: 0, status: 'converted', ...rest };
}

describe('.onnx view: the graph drawn by the designer\'s diagram', () => {
  it('one row per activation node, constants left out; edges from producers and the graph input; an unsupported node red, a skipped one amber', () => {
    const nodes = [
      node(0, 'Constant', [], 'w', { status: 'constant' }),
      node(1, 'Conv', ['x', 'w', 'bias'], 'a', { layers: ['conv2d'] }),
      node(2, 'Relu', ['a'], 'b', { status: 'fused', fusedInto: 1 }),
      node(3, 'Selu', ['b'], 'c', { status: 'unsupported', reason: 'operator Selu is not supported' }),
      node(4, 'Add', ['c', 'a'], 'd', { status: 'skipped', blockedBy: 3 }),
      node(5, 'Mul', ['d', 'w'], 'e', { status: 'skipped', blockedBy: 3, outputShapes: [['N', 'C', 8, 8]] }),
    ];
    const graph: OnnxGraphView = {
      producer: 'pytorch', irVersion: 8, opset: 17, opsets: [], graphName: 'g', description: '', inputs: [{ name: 'x', type: 'float32', dims: ['N', 3, 8, 8] }], outputs: [],
      nodes, params: 0, initializers: 1, unsupported: 1, problems: [], notes: [],
    };
    const d = onnxDiagram(graph);
    assert.deepEqual([...d.rowOfNode], [-1, 0, 1, 2, 3, 4]);
    assert.deepEqual(d.nodeOfRow, [1, 2, 3, 4, 5]);
    // The designer's order: H×W×C (the file's N×3×8×8).
    assert.deepEqual(d.view.inputShape, [8, 8, 3]);
    const rows = d.view.rows;
    assert.deepEqual(rows.map((r) => r.type), ['Conv', 'Relu', 'Selu', 'add', 'Mul']);
    // The constant weight and the initializer 'bias' are not edges; the Mul of one activation is no merge.
    assert.deepEqual(rows.map((r) => r.inputs.map((i) => i.index)), [[-1], [0], [1], [2, 0], [3]]);
    assert.deepEqual(rows.map((r) => r.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(rows[2]!.errors, ['operator Selu is not supported']);
    assert.equal(rows[3]!.warnings.length, 1);
    assert.deepEqual(rows.map((r) => r.summary), ['conv2d', 'fused into #1', 'unsupported', 'skipped', 'skipped']);
    assert.deepEqual(rows[0]!.outputShape, [8, 8, 16]);
    // The module path without the operator PyTorch appends ("/m/Conv_1" → "/m"); a name of the operator alone stays.
    assert.deepEqual(rows.map((r) => r.name), ['/m', '/m', '/m', '/m', '/m']);
    assert.equal(rows[4]!.outputShape, undefined, 'a symbolic dimension past the batch one: unknown');
  });

  it('writes shapes as the designer does: an image tensor H×W×C, a vector as it is, a symbolic one unknown', () => {
    assert.deepEqual(perSample([1, 64, 112, 56]), [112, 56, 64]);
    assert.deepEqual(perSample(['batch', 1000]), [1000]);
    assert.deepEqual(perSample(['N', 8, 20]), [8, 20]);
    assert.equal(perSample(['N', 'C', 8, 8]), undefined);
    assert.equal(perSample([1]), undefined);
  });
});
