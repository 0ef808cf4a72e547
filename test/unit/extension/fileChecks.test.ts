// The editor's check of `training.initialWeights` on disk: a missing file is an error on the JSON value, in the
// words of the other diagnostics; a file that is there is not.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileDiagnostics } from '../../../src/extension/language/fileChecks';
import { parseModelText } from '../../../src/model/parse';

const model = (initialWeights: string) => `{
  "format": "cnn-studio/model@1",
  "name": "photos",
  "input": { "shape": [28, 28, 1] },
  "layers": [{ "type": "flatten" }, { "type": "dense", "units": 10, "activation": "softmax" }],
  "training": { "epochs": 1, "initialWeights": ${JSON.stringify(initialWeights)} }
}`;

describe('file checks of a model in the editor', () => {
  let dir: string;
  let modelPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-filechecks-'));
    modelPath = join(dir, 'photos.cnn.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing training.initialWeights is an error on its value', () => {
    const text = model('photos.backbone.safetensors');
    const parsed = parseModelText(text);
    assert.deepEqual(parsed.diagnostics, [], 'the pure parse does not look at the disk');
    const found = fileDiagnostics(modelPath, parsed);
    assert.deepEqual(found, [{
      message: 'training.initialWeights: photos.backbone.safetensors does not exist beside the model (cnn transfer writes it; train from the seed by removing this field)',
      range: { offset: text.indexOf('"photos.backbone.safetensors"'), length: '"photos.backbone.safetensors"'.length },
      severity: 'error',
      code: 'missing-file',
      path: ['training', 'initialWeights'],
    }]);
  });

  it('the file beside the model (or in a folder below it) is no problem', () => {
    writeFileSync(join(dir, 'photos.backbone.safetensors'), '');
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText(model('photos.backbone.safetensors'))), []);
    mkdirSync(join(dir, 'weights'));
    writeFileSync(join(dir, 'weights', 'b.safetensors'), '');
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText(model('weights/b.safetensors'))), []);
    // Relative to the model's folder, not the process's.
    assert.equal(fileDiagnostics(join(dir, 'weights', 'x.cnn.json'), parseModelText(model('photos.backbone.safetensors'))).length, 1);
  });

  it('an absolute path is checked where it points, a folder and an empty name are errors', () => {
    const absolute = join(dir, 'elsewhere.safetensors');
    assert.equal(fileDiagnostics(modelPath, parseModelText(model(absolute)))[0]!.message, `training.initialWeights: ${absolute} does not exist (cnn transfer writes it; train from the seed by removing this field)`);
    writeFileSync(absolute, '');
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText(model(absolute))), []);
    mkdirSync(join(dir, 'backbone'));
    assert.match(fileDiagnostics(modelPath, parseModelText(model('backbone')))[0]!.message, /^training\.initialWeights: backbone is a folder, not a weights file/);
    assert.match(fileDiagnostics(modelPath, parseModelText(model('')))[0]!.message, /^training\.initialWeights: names no file/);
  });

  it('a model without the field, or with a value of the wrong type, adds nothing', () => {
    const without = model('x').replace(/, "initialWeights": "x"/, '');
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText(without)), []);
    const wrongType = model('x').replace('"x"', '3');
    assert.ok(parseModelText(wrongType).diagnostics.some((d) => d.code === 'wrong-type'));
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText(wrongType)), []);
    assert.deepEqual(fileDiagnostics(modelPath, parseModelText('{ not json')), []);
  });
});
