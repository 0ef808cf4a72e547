// The inspection behind the .onnx view (src/interop/onnx/inspect.ts): every node of any readable file, with the
// file's or the importer's shapes, the parameters it reads, and the importer's verdict; a file that cannot be
// read at all is one line, never a throw.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { inspectOnnx, type OnnxInspection } from '../../../src/interop/onnx/inspect';
import { encodeModel, floatTensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import { networkOf, ROOT, weightsOf } from './helpers';

const node = (opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = [], domain?: string): onnx.INodeProto => ({
  opType, name, input, output, attribute, ...(domain ? { domain } : {}),
});

function graphOf(nodes: onnx.INodeProto[], initializer: onnx.ITensorProto[], extra: Partial<onnx.IGraphProto> = {}): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'hand',
    producerVersion: '2.0',
    graph: { name: 'g', node: nodes, initializer, input: [valueInfo('x', ['batch', 1, 4, 4])], output: [valueInfo('y', ['batch', 2, 4, 4])], ...extra },
  });
}

function inspected(bytes: Uint8Array): OnnxInspection {
  const r = inspectOnnx(bytes, { name: 'hand' });
  assert.ok(r.ok, r.ok ? '' : r.problem);
  return r.inspection;
}

const weight = floatTensor('w', [2, 1, 3, 3], new Float32Array(18).fill(0.1));
const bias = floatTensor('b', [2], new Float32Array(2));
const conv = node('Conv', 'conv', ['x', 'w', 'b'], ['c'], [intAttr('pads', [1, 1, 1, 1])]);

describe('ONNX inspection', () => {
  it('shows every node of a graph the importer cannot convert: each unsupported one with its reason, the ones after them', () => {
    const bytes = graphOf(
      [
        conv,
        node('LRN', 'norm', ['c'], ['n'], [intAttr('size', 3)]),
        node('Relu', 'act', ['n'], ['r']),
        node('Add', 'sum', ['r', 'c'], ['s']),
        node('Einsum', 'mix', ['s'], ['e']),
        node('Relu', 'last', ['e'], ['y']),
      ],
      [weight, bias],
      // The file declares the Einsum's output: that shape is shown though the importer cannot know it.
      { valueInfo: [valueInfo('e', ['batch', 2, 4, 4])] },
    );
    const r = inspectOnnx(bytes, { name: 'hand' });
    assert.ok(r.ok);
    assert.equal(r.imported, undefined, 'nothing converted');
    const i = r.inspection;
    assert.equal(i.producer, 'hand 2.0');
    assert.equal(i.opset, 13);
    assert.equal(i.graphName, 'g');
    assert.deepEqual(i.inputs, [{ name: 'x', type: 'float32', dims: ['batch', 1, 4, 4] }]);
    assert.deepEqual(i.outputs, [{ name: 'y', type: 'float32', dims: ['batch', 2, 4, 4] }]);
    assert.equal(i.params, 20);
    assert.equal(i.initializers, 2);
    assert.equal(i.unsupported, 2);
    assert.deepEqual(i.problems, []);
    // LRN keeps its input's shape, so the walk goes on past it (and finds the Einsum); nothing is known after the Einsum.
    assert.deepEqual(i.nodes.map((n) => [n.opType, n.name, n.status]), [
      ['Conv', 'conv', 'converted'],
      ['LRN', 'norm', 'unsupported'],
      ['Relu', 'act', 'converted'],
      ['Add', 'sum', 'converted'],
      ['Einsum', 'mix', 'unsupported'],
      ['Relu', 'last', 'skipped'],
    ]);
    assert.deepEqual(i.nodes.map((n) => n.params), [20, 0, 0, 0, 0, 0]);
    // The importer's shapes (NCHW again, with the file's batch name); the Einsum's and the graph output's declared.
    assert.ok(i.nodes.every((n) => isDeepStrictEqual(n.outputShapes, [['batch', 2, 4, 4]])));
    assert.deepEqual(i.nodes[3]!.inputShapes, [['batch', 2, 4, 4], ['batch', 2, 4, 4]]);
    assert.deepEqual(i.nodes[0]!.inputShapes, [['batch', 1, 4, 4], [2, 1, 3, 3], [2]]);
    assert.deepEqual(i.nodes.map((n) => n.layers), [['conv2d'], undefined, ['relu'], ['add'], undefined, undefined]);
    assert.deepEqual([i.nodes[1]!.reason, i.nodes[4]!.reason], ['operator LRN is not supported', 'operator Einsum is not supported']);
    assert.deepEqual([i.nodes[5]!.reason, i.nodes[5]!.blockedBy], ['after Einsum (node "mix"), which is not supported', 4]);
    assert.deepEqual(i.nodes[3]!.inputs, ['r', 'c']);
    assert.deepEqual(i.nodes[3]!.outputs, ['s']);
  });

  it('stops at an unsupported node whose output shape is not certain: the nodes after it are skipped, naming it', () => {
    const i = inspected(graphOf(
      [conv, node('Resize', 'up', ['c', '', 'scales'], ['u']), node('Relu', 'a', ['u'], ['v']), node('Relu', 'b', ['v'], ['y'])],
      [weight, bias, floatTensor('scales', [4], Float32Array.of(1, 1, 2, 2))],
    ));
    assert.deepEqual(i.nodes.map((n) => [n.status, n.blockedBy, n.outputShapes]), [
      ['converted', undefined, [['batch', 2, 4, 4]]],
      ['unsupported', undefined, [undefined]],
      ['skipped', 1, [undefined]],
      ['skipped', 1, [['batch', 2, 4, 4]]],
    ]);
    assert.equal(i.nodes[3]!.reason, 'after Resize (node "up"), which is not supported');
  });

  it('lists every unsupported node, each with its own reason, and a node of another domain', () => {
    const i = inspected(graphOf([
      node('Conv', 'grouped', ['x', 'w'], ['c'], [intAttr('group', 2)]),
      node('LRN', 'lrn', ['x'], ['p'], [intAttr('size', 3)]),
      node('Gelu', 'custom', ['p'], ['y'], [], 'com.example'),
    ], [weight]));
    assert.equal(i.unsupported, 3);
    assert.deepEqual(i.nodes.map((n) => n.reason), [
      'group 2 does not divide its 1 input channels and 2 outputs',
      'operator LRN is not supported',
      'operator of domain "com.example" is not supported',
    ]);
    assert.equal(i.nodes[2]!.domain, 'com.example');
  });

  it('shows LeNet-5 as exported by CNN Studio: every node converted or fused, 61,706 parameters, and the model', () => {
    const model = parseModelText(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8')).model!;
    const bytes = exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights: weightsOf(networkOf(model, 3)) });
    const r = inspectOnnx(bytes, { name: 'lenet5' });
    assert.ok(r.ok);
    const i = r.inspection;
    assert.ok(r.imported, 'converted');
    assert.equal(i.unsupported, 0);
    assert.equal(i.params, 61_706);
    assert.equal(i.nodes.reduce((s, n) => s + n.params, 0), 61_706);
    assert.equal(i.producer.startsWith('CNN Studio'), true);
    // The layers the nodes became are the model's, in order.
    assert.deepEqual(i.nodes.flatMap((n) => n.layers ?? []).map((l) => l.split(' + ')[0]), r.imported.model.layers.map((l) => l.type));
    const relu = i.nodes.find((n) => n.name === 'conv2d_0/Relu')!;
    assert.equal(relu.status, 'fused');
    assert.equal(i.nodes[relu.fusedInto!]!.name, 'conv2d_0');
    assert.deepEqual(i.nodes[relu.fusedInto!]!.layers, ['conv2d + relu']);
    // The conv's own output (before its fused relu) has the relu's shape.
    assert.deepEqual(i.nodes[relu.fusedInto!]!.outputShapes, [['N', 6, 28, 28]]);
    assert.deepEqual(i.nodes.filter((n) => n.opType === 'Flatten').map((n) => n.outputShapes), [[['N', 400]]]);
    assert.ok(i.nodes.every((n) => ['converted', 'fused'].includes(n.status) && n.outputShapes.every((s) => s !== undefined)));
  });

  it('counts a weight shared through Identity nodes once in the total and at each node that reads it', () => {
    const shared = floatTensor('s', [2], new Float32Array(2));
    const i = inspected(graphOf([
      node('Identity', 'id1', ['s'], ['s1']),
      node('Identity', 'id2', ['s'], ['s2']),
      node('Conv', 'c1', ['x', 'w', 's1'], ['a'], [intAttr('pads', [1, 1, 1, 1])]),
      node('Relu', 'r', ['a'], ['b']),
      node('Conv', 'c2', ['b', 'w2', 's2'], ['y'], [intAttr('pads', [1, 1, 1, 1])]),
    ], [weight, shared, floatTensor('w2', [2, 2, 3, 3], new Float32Array(36))]));
    assert.deepEqual(i.nodes.map((n) => [n.name, n.status, n.params]), [['id1', 'constant', 0], ['id2', 'constant', 0], ['c1', 'converted', 20], ['r', 'converted', 0], ['c2', 'converted', 38]]);
    assert.equal(i.params, 18 + 2 + 36);
    assert.deepEqual(i.nodes[0]!.outputShapes, [[2]]);
  });

  it('shows the nodes unchecked, and why, when the model input stops the importer', () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'two', node: [node('Add', 'sum', ['a', 'b'], ['y'])], input: [valueInfo('a', [1, 3]), valueInfo('b', [1, 3])], output: [valueInfo('y', [1, 3])] },
    });
    const i = inspected(bytes);
    assert.deepEqual(i.problems, ['the model has 2 inputs ("a", "b"): CNN Studio models take one image']);
    assert.deepEqual(i.nodes.map((n) => [n.status, n.outputShapes]), [['unchecked', [[1, 3]]]]);
    assert.equal(i.producer, '');
    assert.equal(i.unsupported, 0);
  });

  it('names an initializer whose dimensions claim more values than its bytes hold, and inspects the rest', () => {
    const lying: onnx.ITensorProto = { ...floatTensor('w', [2, 1, 3, 3], new Float32Array(18)), dims: [200, 100, 3, 3] };
    const r = inspectOnnx(graphOf([conv, node('Relu', 'r', ['c'], ['y'])], [lying, bias]), { name: 'hand' });
    assert.ok(r.ok);
    assert.equal(r.imported, undefined);
    const i = r.inspection;
    assert.ok(i.problems.includes('initializer "w" has dimensions [200, 100, 3, 3] (180000 values), its data holds 18'), i.problems.join('\n'));
    assert.equal(i.params, 20);
    assert.deepEqual(i.nodes.map((n) => n.opType), ['Conv', 'Relu']);
  });

  it('gives one line for a file that cannot be read: truncated, garbage, empty, no graph', () => {
    const good = graphOf([conv, node('Relu', 'r', ['c'], ['y'])], [weight, bias]);
    const cases: [string, Uint8Array][] = [
      ['truncated', good.subarray(0, Math.floor(good.length / 2))],
      ['garbage', new TextEncoder().encode('hello, this is not a model\n')],
      ['empty', new Uint8Array(0)],
      ['no nodes', encodeModel({ irVersion: 8, graph: { name: 'x' } })],
    ];
    for (const [what, bytes] of cases) {
      const r = inspectOnnx(bytes, { name: 'x' });
      assert.equal(r.ok, false, what);
      if (r.ok) continue;
      assert.match(r.problem, /^not an ONNX model: /, what);
      assert.ok(!r.problem.includes('\n'), `${what}: one line`);
    }
  });

  it('never throws on hostile variations of a valid file (seeded bit flips and cuts)', () => {
    const good = graphOf([conv, node('LRN', 'norm', ['c'], ['n']), node('Relu', 'r', ['n'], ['y'])], [weight, bias]);
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let readable = 0;
    for (let k = 0; k < 300; k++) {
      const bytes = Uint8Array.from(good.subarray(0, Math.max(1, Math.floor(good.length * (k % 3 === 0 ? next() : 1)))));
      for (let f = 0; f < 3; f++) bytes[Math.floor(next() * bytes.length)] ^= 1 << Math.floor(next() * 8);
      const r = inspectOnnx(bytes, { name: 'x' });
      if (r.ok) {
        readable++;
        assert.ok(Array.isArray(r.inspection.nodes));
      } else assert.ok(r.problem.length > 0);
    }
    assert.ok(readable > 0, 'some variations stay readable');
  });
});
