// The .onnx view's pure parts: the summary line and Convert's reason (format.ts), and the grouping of nodes by
// module path (groups.ts) on the names real exporters write: PyTorch's, ours, and a module holding most of the graph.
import { strict as assert } from 'node:assert';
import type { NodeStatusView, NodeView, OnnxGraphView } from '../../../../src/protocol/onnxView';
import { blockedReason, summaryLine, unsupportedOps, verdict } from '../../../../webview/onnx/format';
import { groupNodes } from '../../../../webview/onnx/groups';

function nodeOf(index: number, name: string, opType: string, status: NodeStatusView = 'converted', params = 0): NodeView {
  return { index, name, opType, inputs: [], inputShapes: [], outputs: [`t${index}`], outputShapes: [undefined], params, status, ...(status === 'unsupported' ? { reason: `operator ${opType} is not supported` } : {}) };
}

function nodesOf(list: readonly (readonly [string, string, NodeStatusView?, number?])[]): NodeView[] {
  return list.map(([name, op, status, params], i) => nodeOf(i, name, op, status, params));
}

function graphOf(nodes: NodeView[], extra: Partial<OnnxGraphView> = {}): OnnxGraphView {
  return {
    producer: 'pytorch 1.13.0', irVersion: 8, opset: 17, opsets: [{ domain: '', version: 17 }], graphName: 'g', description: '', inputs: [], outputs: [], nodes,
    params: nodes.reduce((s, n) => s + n.params, 0), initializers: 0, unsupported: nodes.filter((n) => n.status === 'unsupported').length, problems: [], notes: [],
    ...extra,
  };
}

/** Each group as [label, first, end, params, unsupported]. */
const shape = (nodes: NodeView[]): unknown[] => groupNodes(nodes).map((g) => [g.label, g.first, g.end, g.params, g.unsupported]);

describe('.onnx view: summary', () => {
  it('writes "52 nodes, 11.7M parameters, 2 unsupported: HardSwish ×2", the most frequent operator first', () => {
    const nodes = Array.from({ length: 52 }, (_, i) => nodeOf(i, `/n${i}/Conv`, 'Conv'));
    nodes[7] = nodeOf(7, '/features/features.1/HardSwish', 'HardSwish', 'unsupported');
    nodes[30] = nodeOf(30, '/features/features.9/HardSwish', 'HardSwish', 'unsupported');
    assert.equal(summaryLine(graphOf(nodes, { params: 11_689_512 })), '52 nodes, 11.7M parameters, 2 unsupported: HardSwish ×2');
    nodes[40] = { ...nodeOf(40, 'x', 'Gelu', 'unsupported'), domain: 'com.example' };
    nodes[41] = nodeOf(41, '', 'Einsum', 'unsupported');
    nodes[42] = nodeOf(42, '', 'Einsum', 'unsupported');
    nodes[43] = nodeOf(43, '', 'Einsum', 'unsupported');
    assert.equal(unsupportedOps(nodes), 'Einsum ×3, HardSwish ×2, com.example.Gelu');
    assert.equal(blockedReason(graphOf(nodes)), '6 nodes are not supported (Einsum ×3, HardSwish ×2, com.example.Gelu).');
    assert.equal(verdict(nodes[41]!, nodes), 'unsupported: operator Einsum is not supported');
  });

  it('says every node converts, or why not when the problem is the model rather than a node', () => {
    const nodes = nodesOf([['conv2d_0', 'Conv', 'converted', 156], ['conv2d_0/Relu', 'Relu', 'fused']]);
    assert.equal(summaryLine(graphOf(nodes)), '2 nodes, 156 parameters, every node converts');
    assert.equal(summaryLine(graphOf([nodes[0]!], { params: 1 })), '1 node, 1 parameter, every node converts');
    const twoInputs = graphOf(nodes, { problems: ['the model has 2 inputs ("a", "b"): CNN Studio models take one image', 'the output is not the last layer'] });
    assert.equal(summaryLine(twoInputs), '2 nodes, 156 parameters, not convertible');
    assert.equal(blockedReason(twoInputs), 'the model has 2 inputs ("a", "b"): CNN Studio models take one image (and 1 more problem, listed above).');
    assert.equal(verdict({ ...nodes[1]!, fusedInto: 0 }, nodes), 'fused into #0 Conv');
  });
});

describe('.onnx view: groups', () => {
  it('groups PyTorch\'s nodes by top-level module, a lone node and the leading constants apart', () => {
    const nodes = nodesOf([
      ['Identity_0', 'Identity', 'constant'],
      ['Identity_1', 'Identity', 'constant'],
      ['/conv1/Conv', 'Conv', 'converted', 9472],
      ['/relu/Relu', 'Relu'],
      ['/layer1/layer1.0/conv1/Conv', 'Conv', 'converted', 36928],
      ['/layer1/layer1.0/relu/Relu', 'Relu'],
      ['/layer1/layer1.0/conv2/Conv', 'Conv', 'converted', 36928],
      ['/layer1/layer1.0/Add', 'Add'],
      ['/layer2/layer2.0/conv1/Conv', 'Conv', 'unsupported', 73856],
      ['/layer2/layer2.0/Add', 'Add', 'skipped'],
      ['/Flatten', 'Flatten'],
      ['/fc/Gemm', 'Gemm', 'converted', 513000],
    ]);
    assert.deepEqual(shape(nodes), [
      ['constants', 0, 2, 0, 0],
      [undefined, 2, 4, 9472, 0],
      ['layer1', 4, 8, 73856, 0],
      ['layer2', 8, 10, 73856, 1],
      [undefined, 10, 12, 513000, 0],
    ]);
  });

  it('splits a module holding more than half the graph into its children (DenseNet\'s "features")', () => {
    const names: [string, string][] = [['/features/conv0/Conv', 'Conv'], ['/features/relu0/Relu', 'Relu']];
    for (const block of ['denseblock1', 'denseblock2']) for (const layer of ['denselayer1', 'denselayer2']) for (const op of ['Concat', 'Relu', 'Conv']) names.push([`/features/${block}/${layer}/${op}`, op]);
    names.push(['/classifier/Gemm', 'Gemm']);
    assert.deepEqual(shape(nodesOf(names)), [
      [undefined, 0, 2, 0, 0],
      ['features/denseblock1', 2, 8, 0, 0],
      ['features/denseblock2', 8, 14, 0, 0],
      [undefined, 14, 15, 0, 0],
    ]);
  });

  it('groups our export\'s helper nodes with the layer node they belong to', () => {
    const nodes = nodesOf([['input/Transpose', 'Transpose'], ['conv2d_0', 'Conv', 'converted', 156], ['conv2d_0/Relu', 'Relu', 'fused'], ['maxPool2d_1', 'MaxPool'], ['flatten_2/Transpose', 'Transpose'], ['flatten_2', 'Flatten']]);
    assert.deepEqual(shape(nodes), [[undefined, 0, 1, 0, 0], ['conv2d_0', 1, 3, 156, 0], [undefined, 3, 4, 0, 0], ['flatten_2', 4, 6, 0, 0]]);
  });

  it('covers every node exactly once, in order, on a 10,000-node graph', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => nodeOf(i, i % 7 === 0 ? '' : `/stage${Math.floor(i / 2500)}/block${Math.floor(i / 10)}/op${i}/Relu`, 'Relu', 'converted', 1));
    const groups = groupNodes(nodes);
    assert.equal(groups[0]!.first, 0);
    assert.equal(groups[groups.length - 1]!.end, 10_000);
    for (let k = 1; k < groups.length; k++) assert.equal(groups[k]!.first, groups[k - 1]!.end);
    assert.equal(groups.reduce((s, g) => s + g.params, 0), 10_000);
    // No stage holds more than half the graph: the groups are the stages, cut where an unnamed node stands.
    assert.ok(groups.every((g) => g.label === undefined || /^stage\d$/.test(g.label)), JSON.stringify(groups.slice(0, 3)));
  });
});
