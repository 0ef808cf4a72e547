// The read-only designer of `.onnx` files (src/extension/interop): the view is the designer's view of exactly the
// text "Convert" writes, unsupported operators give an error view with every node and no conversion, conversion
// writes the model and its weights beside the file, and the webview may send nothing but the handshake and Convert.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, weightsMetadata } from '../../../src/engine/weights';
import { conversionTargets, existingTargets, writeConversion } from '../../../src/extension/interop/convertOnnx';
import { guardReadOnlyMessage } from '../../../src/extension/interop/onnxGuard';
import { onnxModelView, onnxStem, unreadableOnnxView } from '../../../src/extension/interop/onnxView';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { encodeModel, floatTensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { PROTOCOL_VERSION } from '../../../src/protocol/designer';
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

describe('read-only designer of .onnx files', () => {
  it('shows LeNet-5 exported to ONNX with the layers, shapes and 61,706 parameters of the example, read-only', () => {
    const model = example('lenet5.cnn.json');
    const { bytes, weights } = exported(model);
    const { view, conversion } = onnxModelView(bytes, 'lenet5.onnx');
    assert.deepEqual(view.readOnly, { file: 'lenet5.onnx', convertTo: 'lenet5.cnn.json', notes: [] });
    assert.equal(view.editable, false);
    assert.equal(view.name, 'lenet5');
    assert.deepEqual(view.inputShape, [28, 28, 1]);
    assert.deepEqual(view.rows.map((r) => r.type), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense', 'dense']);
    assert.deepEqual(view.rows.map((r) => r.outputShape), [[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10]]);
    assert.deepEqual(view.rows.map((r) => r.params), [156, 0, 2416, 0, 0, 48120, 10164, 850]);
    assert.equal(view.totals?.params, 61_706);
    assert.deepEqual(view.problems, []);
    assert.ok(view.rows.every((r) => r.errors.length === 0 && r.warnings.length === 0));

    // What Convert writes: the example's layers, and its weights bit for bit with the file's classes.
    assert.ok(conversion);
    const back = parseModelText(conversion.text).model;
    assert.ok(back);
    assert.deepEqual(back.layers, model.layers);
    const file = decodeSafetensors(conversion.weights);
    assert.deepEqual(file.metadata, { ...weightsMetadata(back), classes: '["a","b"]' });
    assert.deepEqual(file.tensors.map((t) => t.name).sort(), [...weights.keys()].sort());
    for (const t of file.tensors) assert.deepEqual(Float32Array.from(t.data), weights.get(t.name), t.name);
  });

  it('shows a graph model (ResNet-20) with the same totals and inputs as its .cnn.json', () => {
    const model = example('resnet20.cnn.json');
    const { view } = onnxModelView(exported(model).bytes, 'resnet20.onnx');
    const analysis = analyze(model.input.shape, model.layers);
    assert.equal(view.rows.length, model.layers.length);
    assert.deepEqual(view.totals, analysis.totals);
    assert.equal(view.totals?.params, 273_754);
    assert.deepEqual(
      view.rows.map((r) => r.inputs.map((i) => i.index)),
      analysis.layers.map((l) => l.inputs.map((i) => i.index)),
    );
  });

  it('notes an NCHW input and names the model after the file when another tool made it', () => {
    const w = floatTensor('conv.weight', [2, 1, 3, 3], new Float32Array(18).fill(0.5));
    const { view, conversion } = onnxModelView(handMade([node('Conv', '/conv/Conv', ['x', 'conv.weight'], ['y'], [intAttr('kernel_shape', [3, 3]), intAttr('pads', [1, 1, 1, 1])])], [w]), 'tiny.onnx');
    assert.ok(conversion);
    assert.equal(view.name, 'tiny');
    assert.deepEqual(view.readOnly?.notes, ['the ONNX input "x" is NCHW [N, 1, 4, 4]; the model takes NHWC images 4×4×1', 'the ONNX output "y" is NCHW; the model\'s output is NHWC']);
    assert.deepEqual(view.rows.map((r) => [r.type, r.name, r.outputShape, r.params]), [['conv2d', 'conv', [4, 4, 2], 18]]);
  });

  it('lists every unsupported operator by node and shows no layers and converts nothing', () => {
    const bytes = handMade(
      [node('LRN', 'norm', ['x'], ['a'], [intAttr('size', 3)]), node('Relu', 'relu', ['a'], ['b']), node('Einsum', 'mix', ['b'], ['y'])],
      [],
      ['N', 1, 4, 4],
    );
    const { view, conversion } = onnxModelView(bytes, 'odd.onnx');
    assert.equal(conversion, undefined);
    assert.deepEqual(view.readOnly?.importErrors, ['LRN (node "norm"): operator LRN is not supported', 'Einsum (node "mix"): operator Einsum is not supported']);
    assert.deepEqual([view.rows, view.layers, view.totals, view.editable], [[], [], undefined, false]);
    assert.equal(view.readOnly?.file, 'odd.onnx');
  });

  it('shows a file that is not ONNX, or cannot be read, as one problem', () => {
    const { view, conversion } = onnxModelView(new TextEncoder().encode('{"not": "protobuf"}'), 'fake.onnx');
    assert.equal(conversion, undefined);
    assert.deepEqual(view.readOnly?.importErrors, ['not an ONNX model: index out of range: 3 + 110 > 19']);
    assert.deepEqual(onnxModelView(new Uint8Array(0), 'empty.onnx').view.readOnly?.importErrors, ['the ONNX model has no graph (no nodes)']);
    assert.deepEqual(unreadableOnnxView('big.onnx', 'too large').view.readOnly, { file: 'big.onnx', convertTo: 'big.cnn.json', notes: [], importErrors: ['too large'] });
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

  it('leaves no weights behind when the model file cannot be written', async () => {
    const { conversion } = onnxModelView(exported(example('lenet5.cnn.json')).bytes, 'x.onnx');
    assert.ok(conversion);
    const targets = conversionTargets(join(dir, 'x.onnx'));
    mkdirSync(targets.model); // a folder where the model file should go
    await assert.rejects(writeConversion(conversion, targets));
    assert.deepEqual(existingTargets(targets), [targets.model]);
  });
});

describe('read-only designer messages', () => {
  it('accepts the handshake and Convert, and refuses every editing intent', () => {
    assert.deepEqual(guardReadOnlyMessage({ type: 'ready', protocolVersion: PROTOCOL_VERSION }), { type: 'ready', protocolVersion: PROTOCOL_VERSION });
    assert.deepEqual(guardReadOnlyMessage({ type: 'convertToModel', extra: 1 }), { type: 'convertToModel' });
    assert.equal(guardReadOnlyMessage({ type: 'ready', protocolVersion: 'x' }), 'ready: bad protocolVersion');
    for (const m of [{ type: 'insertLayer', index: 0, layerType: 'dense' }, { type: 'editField', path: ['name'], value: 'x' }, { type: 'runCommand', command: 'cnnStudio.train' }, { type: 'openAsText' }]) {
      assert.equal(guardReadOnlyMessage(m), `the model is read-only: "${m.type}" is not accepted`);
    }
    assert.equal(guardReadOnlyMessage(null), 'the model is read-only: undefined is not accepted');
  });
});
