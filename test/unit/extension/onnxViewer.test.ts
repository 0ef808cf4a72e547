// The read-only view of `.onnx` files (src/extension/interop): every node of the graph with shapes, parameters and
// the importer's verdict; "Convert" writes exactly the model shown, and only when nothing is unsupported; a file that
// cannot be read is one line; the webview may send nothing but the handshake and Convert.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, weightsMetadata } from '../../../src/engine/weights';
import { asksInputConvention, conversionTargets, existingTargets, withConvention, writeConversion } from '../../../src/extension/interop/convertOnnx';
import { conversionProblems, onnxModelView, onnxStem, unreadableOnnxView, type OnnxConversion } from '../../../src/extension/interop/onnxView';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { encodeModel, floatTensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { guardOnnxWebviewMessage, onnxHandshake, ONNX_VIEW_PROTOCOL_VERSION, type OnnxView } from '../../../src/protocol/onnxView';
import { ROOT, networkOf, weightsOf } from '../interop/helpers';

function example(file: string): Model {
  const model = parseModelText(readFileSync(join(ROOT, 'examples', file), 'utf8')).model;
  assert.ok(model, `${file} is valid`);
  return model;
}

function exported(model: Model): { bytes: Uint8Array; weights: Map<string, Float32Array> } {
  const weights = weightsOf(networkOf(model, 7));
  return { bytes: exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights, classes: ['a', 'b'] }), weights };
}

const node = (opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, name, input, output, attribute });

/** A PyTorch-style NCHW graph: x [N, 1, 4, 4] → nodes → y. */
function handMade(nodes: onnx.INodeProto[], initializer: onnx.ITensorProto[] = [], output: (number | string)[] = ['N', 2, 4, 4]): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'hand',
    graph: { name: 'hand', node: nodes, initializer, input: [valueInfo('x', ['N', 1, 4, 4])], output: [valueInfo('y', output)] },
  });
}

/** The view of a readable file (else the test fails with the one line it shows). */
function graphView(bytes: Uint8Array, file: string): { view: Extract<OnnxView, { kind: 'graph' }>; conversion: OnnxConversion | undefined } {
  const { view, conversion } = onnxModelView(bytes, file);
  assert.equal(view.kind, 'graph', view.kind === 'unreadable' ? view.problem : '');
  return { view: view as Extract<OnnxView, { kind: 'graph' }>, conversion };
}

describe('the .onnx view', () => {
  it('shows LeNet-5 exported to ONNX node by node, 61,706 parameters, and converts to exactly the example', () => {
    const model = example('lenet5.cnn.json');
    const { bytes, weights } = exported(model);
    const { view, conversion } = graphView(bytes, 'lenet5.onnx');
    assert.deepEqual([view.file, view.convertTo, view.convertible], ['lenet5.onnx', 'lenet5.cnn.json', true]);
    const g = view.graph;
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    assert.deepEqual(g.nodes.map((n) => n.params), [0, 156, 0, 0, 2416, 0, 0, 0, 0, 48120, 0, 10164, 0, 850, 0]);
    assert.equal(g.params, 61_706);
    assert.deepEqual([g.unsupported, g.problems, g.notes], [0, [], []]);
    // Shapes as ONNX has them (NCHW), the batch symbolic; each input's shape is the output that makes it.
    const conv = g.nodes.find((n) => n.name === 'conv2d_2')!;
    assert.deepEqual(conv.inputShapes, [['N', 6, 14, 14], [16, 6, 5, 5], [16]]);
    assert.deepEqual(conv.outputShapes, [['N', 16, 10, 10]]);
    assert.deepEqual(g.inputs, [{ name: 'input', type: 'float32', dims: ['N', 28, 28, 1] }]);
    assert.deepEqual(g.nodes.flatMap((n) => n.layers ?? []), ['conv2d + relu', 'maxPool2d', 'conv2d + relu', 'maxPool2d', 'flatten', 'dense + relu', 'dense + relu', 'dense + softmax']);

    // What Convert writes: the example's layers, and its weights bit for bit with the file's classes.
    assert.ok(conversion);
    const back = parseModelText(conversion.text).model;
    assert.ok(back);
    assert.deepEqual(back.layers, model.layers);
    assert.equal(back.name, 'lenet5');
    const file = decodeSafetensors(conversion.weights);
    assert.deepEqual(file.metadata, { ...weightsMetadata(back), classes: '["a","b"]' });
    assert.deepEqual(file.tensors.map((t) => t.name).sort(), [...weights.keys()].sort());
    for (const t of file.tensors) assert.deepEqual(Float32Array.from(t.data), weights.get(t.name), t.name);
  });

  it('shows a graph model (ResNet-20) with every parameter of its .cnn.json and a conversion', () => {
    const model = example('resnet20.cnn.json');
    const { view, conversion } = graphView(exported(model).bytes, 'resnet20.onnx');
    const totals = analyze(model.input.shape, model.layers).totals;
    assert.equal(view.graph.params, totals.params);
    assert.equal(view.graph.params, 273_754);
    assert.equal(view.graph.nodes.filter((n) => n.opType === 'Add').length, 9);
    assert.ok(conversion);
  });

  it('notes an NCHW input and names the model after the file when another tool made it', () => {
    const w = floatTensor('conv.weight', [2, 1, 3, 3], new Float32Array(18).fill(0.5));
    const { view, conversion } = graphView(handMade([node('Conv', '/conv/Conv', ['x', 'conv.weight'], ['y'], [intAttr('kernel_shape', [3, 3]), intAttr('pads', [1, 1, 1, 1])])], [w]), 'tiny.onnx');
    assert.ok(conversion);
    assert.equal(parseModelText(conversion.text).model?.name, 'tiny');
    assert.deepEqual(view.graph.notes, ['the ONNX input "x" is NCHW [N, 1, 4, 4]; the model takes NHWC images 4×4×1', 'the ONNX output "y" is NCHW; the model\'s output is NHWC']);
    assert.deepEqual(view.graph.nodes.map((n) => [n.opType, n.name, n.status, n.layers, n.params]), [['Conv', '/conv/Conv', 'converted', ['conv2d'], 18]]);
  });

  it('shows every node of a model it cannot convert, each unsupported one with its reason, and offers no conversion', () => {
    const bytes = handMade(
      [node('LRN', 'norm', ['x'], ['a'], [intAttr('size', 3)]), node('Relu', 'relu', ['a'], ['b']), node('Einsum', 'mix', ['b'], ['c']), node('Relu', 'last', ['c'], ['y'])],
      [],
      ['N', 1, 4, 4],
    );
    const { view, conversion } = graphView(bytes, 'odd.onnx');
    assert.equal(conversion, undefined);
    assert.equal(view.convertible, false);
    assert.deepEqual(view.graph.nodes.map((n) => [n.opType, n.status, n.reason]), [
      ['LRN', 'unsupported', 'operator LRN is not supported'],
      ['Relu', 'converted', undefined],
      ['Einsum', 'unsupported', 'operator Einsum is not supported'],
      ['Relu', 'skipped', 'after Einsum (node "mix"), which is not supported'],
    ]);
    assert.equal(view.graph.unsupported, 2);
    assert.deepEqual(conversionProblems(view), ['LRN (node "norm"): operator LRN is not supported', 'Einsum (node "mix"): operator Einsum is not supported']);
  });

  it('shows a file that is not ONNX, or cannot be read, as one line', () => {
    const fake = onnxModelView(new TextEncoder().encode('{"not": "protobuf"}'), 'fake.onnx');
    assert.equal(fake.conversion, undefined);
    assert.deepEqual(fake.view, { kind: 'unreadable', file: 'fake.onnx', problem: 'not an ONNX model: index out of range: 3 + 110 > 19' });
    assert.deepEqual(onnxModelView(new Uint8Array(0), 'empty.onnx').view, { kind: 'unreadable', file: 'empty.onnx', problem: 'not an ONNX model: it has no graph (no nodes)' });
    const big = unreadableOnnxView('big.onnx', 'too large');
    assert.deepEqual(big.view, { kind: 'unreadable', file: 'big.onnx', problem: 'too large' });
    assert.deepEqual(conversionProblems(big.view), ['too large']);
    assert.deepEqual(['a.onnx', 'b.ONNX', 'c.v2.onnx', '.onnx'].map(onnxStem), ['a', 'b', 'c.v2', 'model']);
  });
});

describe('converting an .onnx file to .cnn.json', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cnn-convert-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <stem>.cnn.json and <stem>.safetensors beside the file, which read back as the shown model', async () => {
    const model = example('lenet5.cnn.json');
    const { conversion } = onnxModelView(exported(model).bytes, 'digits.onnx');
    assert.ok(conversion);
    const targets = conversionTargets(join(dir, 'digits.onnx'));
    assert.deepEqual(targets, { model: join(dir, 'digits.cnn.json'), weights: join(dir, 'digits.safetensors') });
    assert.deepEqual(existingTargets(targets), []);
    await writeConversion(conversion, targets);
    assert.deepEqual(existingTargets(targets), [targets.model, targets.weights]);
    assert.equal(readFileSync(targets.model, 'utf8'), conversion.text);
    assert.deepEqual(new Uint8Array(readFileSync(targets.weights)), conversion.weights);
    const written = parseModelText(readFileSync(targets.model, 'utf8'));
    assert.equal(written.model?.name, 'lenet5');
    assert.equal(written.analysis?.totals.params, 61_706);
  });

  it('asks an RGB model for its input convention, and puts the answer in front; gray models and ones that carry theirs are not asked', () => {
    const rgb = onnxModelView(exported(example('vgg-cifar.cnn.json')).bytes, 'vgg.onnx').conversion!;
    assert.ok(asksInputConvention(rgb));
    assert.ok(!asksInputConvention(onnxModelView(exported(example('lenet5.cnn.json')).bytes, 'digits.onnx').conversion!));
    const converted = withConvention(rgb, 'imagenet');
    const model = parseModelText(converted.text).model!;
    assert.deepEqual(model.layers[0], { type: 'normalization', name: 'preprocess', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] });
    assert.ok(!asksInputConvention(converted), 'it carries its convention now');
    const before = decodeSafetensors(rgb.weights);
    const after = decodeSafetensors(converted.weights);
    assert.deepEqual(after.tensors.map((t) => [t.name, t.data]), before.tensors.map((t) => [t.name, t.data]));
    assert.equal(after.metadata.fingerprint, weightsMetadata(model).fingerprint);
    assert.equal(after.metadata.classes, before.metadata.classes);
    assert.equal(withConvention(rgb, '0-1'), rgb);
  });

  it('leaves no weights behind when the model file cannot be written', async () => {
    const { conversion } = onnxModelView(exported(example('lenet5.cnn.json')).bytes, 'x.onnx');
    assert.ok(conversion);
    const targets = conversionTargets(join(dir, 'x.onnx'));
    mkdirSync(targets.model); // a folder where the model file should go
    await assert.rejects(writeConversion(conversion, targets));
    assert.deepEqual(existingTargets(targets), [targets.model]);
  });
});

describe('.onnx view messages', () => {
  it('accepts the handshake and Convert, and refuses anything else', () => {
    assert.deepEqual(guardOnnxWebviewMessage({ type: 'ready', protocolVersion: ONNX_VIEW_PROTOCOL_VERSION }), { type: 'ready', protocolVersion: ONNX_VIEW_PROTOCOL_VERSION });
    assert.deepEqual(guardOnnxWebviewMessage({ type: 'convert', extra: 1 }), { type: 'convert' });
    assert.equal(guardOnnxWebviewMessage({ type: 'ready', protocolVersion: 'x' }), 'ready: bad protocolVersion');
    assert.equal(guardOnnxWebviewMessage({ type: 'ready', protocolVersion: -1 }), 'ready: bad protocolVersion');
    for (const m of [{ type: 'insertLayer', index: 0, layerType: 'dense' }, { type: 'editField', path: ['name'], value: 'x' }, { type: 'runCommand', command: 'cnnStudio.train' }, { type: 'convertToModel' }]) {
      assert.equal(guardOnnxWebviewMessage(m), `the .onnx view is read-only: "${m.type}" is not accepted`);
    }
    for (const m of [null, [], 'convert', 3]) assert.equal(guardOnnxWebviewMessage(m), 'message is not an object');
  });

  it('answers the handshake with the view, or a fatal line when the protocol versions differ', () => {
    const view = unreadableOnnxView('x.onnx', 'gone').view;
    assert.deepEqual(onnxHandshake({ protocolVersion: ONNX_VIEW_PROTOCOL_VERSION }, view), { type: 'init', protocolVersion: ONNX_VIEW_PROTOCOL_VERSION, view });
    const fatal = onnxHandshake({ protocolVersion: ONNX_VIEW_PROTOCOL_VERSION + 1 }, view);
    assert.equal(fatal.type, 'fatal');
  });
});
