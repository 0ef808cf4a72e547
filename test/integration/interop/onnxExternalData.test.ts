// ONNX files whose weights live in files beside them (what torch.onnx.export writes beyond 2 GB, and what
// onnx.save_model(save_as_external_data=True) writes at any size): `cnn import` and the .onnx view read them from the
// model's folder and import the same model as the file with the weights inside; a location outside the folder, a
// missing file or one too short is one line naming the weight.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx, OnnxImportError } from '../../../src/interop/onnx/import';
import { inspectOnnx } from '../../../src/interop/onnx/inspect';
import { decodeModel, encodeModel, onnx } from '../../../src/interop/onnx/proto';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { externalDataReader } from '../../../src/node/onnxExternalData';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { networkOf, weightsOf } from '../../unit/interop/helpers';

const MODEL: Model = {
  format: 'cnn-studio/model@1',
  name: 'ext',
  input: { shape: [8, 8, 3] },
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'batchNorm' },
    { type: 'flatten' },
    { type: 'dense', units: 5, activation: 'softmax' },
  ],
};

describe('ONNX import: weights in files beside the model', function () {
  this.timeout(60_000);
  let dir = '';
  let inline: Uint8Array;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-ext-'));
    inline = exportOnnx({ model: MODEL, analysis: analyze(MODEL.input.shape, MODEL.layers), weights: weightsOf(networkOf(MODEL, 4)) });
    writeFileSync(join(dir, 'inline.onnx'), inline);
    const py = `import onnx\nm = onnx.load(${JSON.stringify(join(dir, 'inline.onnx'))})\nonnx.save_model(m, ${JSON.stringify(join(dir, 'model.onnx'))}, save_as_external_data=True, all_tensors_to_one_file=True, location='model.weights', size_threshold=0)\n`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    if (r.status !== 0) skipUnavailable(this, `python3-onnx is needed to write external data: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the same model and weights as the file with the weights inside', () => {
    const path = join(dir, 'model.onnx');
    const bytes = readFileSync(path);
    const proto = decodeModel(bytes);
    const external = (proto.graph?.initializer ?? []).filter((t) => Number(t.dataLocation) === onnx.TensorProto.DataLocation.EXTERNAL);
    assert.ok(external.length >= 4, 'onnx.save_model moved the weights out');
    const reference = importOnnx(inline, { name: 'ext' });
    const read = importOnnx(bytes, { name: 'ext', readExternal: externalDataReader(path) });
    assert.deepEqual(read.model, reference.model);
    assert.deepEqual(read.tensors.map((t) => [t.name, [...t.shape], [...t.data]]), reference.tensors.map((t) => [t.name, [...t.shape], [...t.data]]));
    const view = inspectOnnx(bytes, { name: 'ext', readExternal: externalDataReader(path) });
    assert.ok(view.ok && view.imported && view.inspection.problems.length === 0);
    // Without a reader (no folder to read from) the weights are said to be elsewhere.
    assert.throws(() => importOnnx(bytes, { name: 'ext' }), (e: Error) => e instanceof OnnxImportError && /external file/.test(e.message));
  });

  it('a location outside the folder, a missing file or a short one: one line naming the weight', () => {
    const path = join(dir, 'model.onnx');
    const proto = decodeModel(readFileSync(path));
    const first = (proto.graph?.initializer ?? []).find((t) => Number(t.dataLocation) === onnx.TensorProto.DataLocation.EXTERNAL)!;
    const variant = (location: string): Uint8Array => {
      const copy = decodeModel(readFileSync(path));
      const t = copy.graph!.initializer!.find((i) => i.name === first.name)!;
      t.externalData = t.externalData!.map((e) => (e.key === 'location' ? { key: 'location', value: location } : e));
      return encodeModel(copy);
    };
    const problem = (bytes: Uint8Array): string => {
      try {
        importOnnx(bytes, { name: 'ext', readExternal: externalDataReader(path) });
      } catch (e) {
        assert.ok(e instanceof OnnxImportError);
        return e.message;
      }
      return 'imported';
    };
    assert.equal(problem(variant('../../etc/passwd')), `the weight "${first.name}": its external data file "../../etc/passwd" is outside the model's folder`);
    assert.equal(problem(variant('/etc/passwd')), `the weight "${first.name}": its external data file "/etc/passwd" is outside the model's folder`);
    assert.equal(problem(variant('gone.bin')), `the weight "${first.name}": its external data file "gone.bin" is missing (it belongs beside the .onnx file)`);
    writeFileSync(join(dir, 'short.bin'), Buffer.alloc(3));
    assert.match(problem(variant('short.bin')), new RegExp(`^the weight "${first.name}": its external data needs bytes \\d+–\\d+ of "short\\.bin", which has 3$`));
    truncateSync(join(dir, 'model.weights'), 10);
    assert.match(problem(readFileSync(path)), /^\d+ problems:\n {2}the weight ".*": its external data needs bytes/);
  });
});
