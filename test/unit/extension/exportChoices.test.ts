// The pure parts of "CNN: Export Model…": the format list, the refusal of a format this build cannot write,
// the model read from the saved text (one message for a broken file), the PyTorch folder and the final message.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_CHOICES, exportedMessage, folderOutput, modelForExport, revealTarget, unsupportedReason } from '../../../src/extension/interop/exportChoices';
import { ROOT } from '../interop/helpers';

const choice = (format: string) => FORMAT_CHOICES.find((c) => c.format === format)!;

describe('CNN: Export Model… choices', () => {
  it('offers ONNX, PyTorch and Keras with a description each; PyTorch goes into a folder', () => {
    assert.deepEqual(FORMAT_CHOICES.map((c) => [c.label, c.output]), [['ONNX', 'file'], ['PyTorch', 'folder'], ['Keras', 'file']]);
    for (const c of FORMAT_CHOICES) assert.ok(c.description.length > 20 && !c.description.includes('\n'), c.label);
  });

  it('says which formats this build exports when one is missing', () => {
    assert.equal(unsupportedReason(choice('onnx'), ['onnx']), undefined);
    assert.equal(unsupportedReason(choice('pytorch'), ['onnx']), 'PyTorch export is not available in this version of CNN Studio yet; it exports ONNX.');
    assert.equal(unsupportedReason(choice('keras'), ['onnx', 'pytorch']), 'Keras export is not available in this version of CNN Studio yet; it exports ONNX, PyTorch.');
    assert.equal(unsupportedReason(choice('keras'), []), 'Keras export is not available in this version of CNN Studio yet.');
  });

  it('reads the valid model of the saved text, or says how many errors and where the first is', () => {
    const lenet = modelForExport(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8'), 'lenet5.cnn.json');
    assert.ok('model' in lenet);
    assert.equal(lenet.model.layers.length, 8);
    const text = '{\n  "format": "cnn-studio/model@1",\n  "name": "m",\n  "input": { "shape": [4, 4, 1] },\n  "layers": [\n    { "type": "dense", "unit": 3 }\n  ]\n}\n';
    assert.deepEqual(modelForExport(text, 'm.cnn.json'), {
      error: 'm.cnn.json has 2 errors (line 6: unknown field "unit" in layers[0]; did you mean "units"?): fix them before exporting.',
    });
    const single = modelForExport(text.replace('"unit"', '"units"').replace('"dense"', '"flatten", "units": 3 }, { "type": "dense"'), 'm.cnn.json');
    assert.deepEqual(single, { error: 'm.cnn.json has an error (line 6: unknown field "units" in layers[0]): fix it before exporting.' });
  });

  it('puts the PyTorch folder into the chosen parent and names what was written', () => {
    assert.equal(folderOutput('/w/out', '/w/models/lenet5-pytorch'), join('/w/out', 'lenet5-pytorch'));
    const rel = (p: string): string => p.replace('/w/', '');
    assert.equal(exportedMessage('/w/lenet5.cnn.json', 'ONNX', ['/w/lenet5.onnx'], [], rel), 'Exported lenet5.cnn.json as ONNX: lenet5.onnx.');
    assert.equal(
      exportedMessage('/w/lenet5.cnn.json', 'PyTorch', ['/w/p/model.py', '/w/p/train.py'], ['no trained weights (lenet5.safetensors): exporting the initial weights of seed 1'], rel),
      'Exported lenet5.cnn.json as PyTorch: p/model.py, p/train.py. Note: no trained weights (lenet5.safetensors): exporting the initial weights of seed 1.',
    );
    assert.equal(revealTarget(['/w/p/model.py'], 'folder', '/w/p'), '/w/p');
    assert.equal(revealTarget(['/w/a.onnx'], 'file', '/w/a.onnx'), '/w/a.onnx');
  });
});
