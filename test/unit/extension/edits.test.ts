// Every designer intent on the real example files: the result parses, has the expected layers, and only
// the lines the gesture is about change (the user's formatting survives).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelText } from '../../../src/model/parse';
import { LAYER_SPECS } from '../../../src/model/spec';
import { applyTextEdit, intentEdit, minimalEdit, JsonEditError, type EditIntent } from '../../../src/extension/editor/edits';

const example = (name: string): string => readFileSync(join(__dirname, '../../../examples', name), 'utf8');
const LENET = example('lenet5.cnn.json');

function run(text: string, intent: EditIntent): string {
  const after = applyTextEdit(text, intentEdit(text, intent));
  JSON.parse(after);
  return after;
}
const types = (text: string): string[] => (JSON.parse(text) as { layers: { type: string }[] }).layers.map((l) => l.type);
const lines = (text: string): string[] => text.split('\n');
/** The lines of `after` that are not in `before` (by position-independent multiset difference). */
function addedLines(before: string, after: string): string[] {
  const pool = lines(before);
  return lines(after).filter((l) => {
    const i = pool.indexOf(l);
    if (i < 0) return true;
    pool.splice(i, 1);
    return false;
  });
}
const lenetTypes = types(LENET);

describe('designer edits', () => {
  it('inserts a layer from its template as one line in the file style', () => {
    const after = run(LENET, { type: 'insertLayer', index: 2, layerType: 'maxPool2d' });
    assert.deepEqual(types(after), [...lenetTypes.slice(0, 2), 'maxPool2d', ...lenetTypes.slice(2)]);
    // The layers with weights after it keep their names (their default names are written down).
    assert.deepEqual(addedLines(LENET, after), [
      '    { "type": "conv2d", "name": "conv2d_2", "filters": 16, "kernelSize": 5, "activation": "relu" },',
      '    { "type": "maxPool2d", "poolSize": 2 },',
      '    { "type": "dense", "name": "dense_5", "units": 120, "activation": "relu" },',
      '    { "type": "dense", "name": "dense_6", "units": 84, "activation": "relu" },',
      '    { "type": "dense", "name": "dense_7", "units": 10, "activation": "softmax" }',
    ]);
    assert.equal(parseModelText(after).diagnostics.length, 0);
  });

  it('names an inserted layer whose default name another layer now holds', () => {
    const after = run(LENET, { type: 'insertLayer', index: 2, layerType: 'conv2d' });
    assert.deepEqual(types(after), [...lenetTypes.slice(0, 2), 'conv2d', ...lenetTypes.slice(2)]);
    assert.deepEqual(addedLines(LENET, after), [
      '    { "type": "conv2d", "name": "conv2d_3", "filters": 32, "kernelSize": 3, "padding": "same", "activation": "relu" },',
      '    { "type": "conv2d", "name": "conv2d_2", "filters": 16, "kernelSize": 5, "activation": "relu" },',
      '    { "type": "dense", "name": "dense_5", "units": 120, "activation": "relu" },',
      '    { "type": "dense", "name": "dense_6", "units": 84, "activation": "relu" },',
      '    { "type": "dense", "name": "dense_7", "units": 10, "activation": "softmax" }',
    ]);
    assert.equal(parseModelText(after).diagnostics.length, 0);
    // Appended, nothing shifts: the template as it is.
    const end = run(LENET, { type: 'insertLayer', index: lenetTypes.length, layerType: 'dense' });
    assert.deepEqual(addedLines(LENET, end), ['    { "type": "dense", "units": 10, "activation": "softmax" },', '    { "type": "dense", "units": 128, "activation": "relu" }']);
  });

  it('inserts at the start and at the end, and every layer type', () => {
    assert.deepEqual(types(run(LENET, { type: 'insertLayer', index: 0, layerType: 'batchNorm' })), ['batchNorm', ...lenetTypes]);
    const end = run(LENET, { type: 'insertLayer', index: lenetTypes.length, layerType: 'softmax' });
    assert.deepEqual(types(end), [...lenetTypes, 'softmax']);
    assert.deepEqual(addedLines(LENET, end), ['    { "type": "dense", "units": 10, "activation": "softmax" },', '    { "type": "softmax" }']);
    for (const t of Object.keys(LAYER_SPECS)) assert.equal(types(run(LENET, { type: 'insertLayer', index: 1, layerType: t }))[1], t);
  });

  it('inserts into an empty layers array and into a model without one', () => {
    const empty = '{\n  "format": "cnn-studio/model@1",\n  "input": { "shape": [28, 28, 1] },\n  "layers": []\n}\n';
    const one = run(empty, { type: 'insertLayer', index: 0, layerType: 'flatten' });
    assert.ok(one.includes('  "layers": [\n    { "type": "flatten" }\n  ]\n'), one);
    const none = run('{ "format": "cnn-studio/model@1" }', { type: 'insertLayer', index: 0, layerType: 'dense' });
    assert.deepEqual(types(none), ['dense']);
  });

  it('deletes a layer, removing just its line (and the comma before the last one)', () => {
    const after = run(LENET, { type: 'deleteLayer', index: 6 });
    assert.deepEqual(types(after), lenetTypes.filter((_, i) => i !== 6));
    assert.deepEqual(addedLines(LENET, after), ['    { "type": "dense", "name": "dense_7", "units": 10, "activation": "softmax" }']);
    assert.equal(lines(after).length, lines(LENET).length - 1);
    const last = run(LENET, { type: 'deleteLayer', index: lenetTypes.length - 1 });
    assert.deepEqual(addedLines(LENET, last), ['    { "type": "dense", "units": 84, "activation": "relu" }']);
    let text = LENET;
    for (let i = 0; i < lenetTypes.length; i++) text = run(text, { type: 'deleteLayer', index: 0 });
    assert.ok(text.includes('"layers": [],'), text);
  });

  it('duplicates a layer verbatim right after it', () => {
    const after = run(LENET, { type: 'duplicateLayer', index: 0 });
    assert.deepEqual(types(after), ['conv2d', ...lenetTypes]);
    const first = lines(LENET).find((l) => l.includes('"filters": 6'))!;
    assert.equal(lines(after).filter((l) => l === first).length, 2);
  });

  it('moves layers up, down and across the whole list', () => {
    const down = run(LENET, { type: 'moveLayer', from: 0, to: 1 });
    assert.deepEqual(types(down), ['maxPool2d', 'conv2d', ...lenetTypes.slice(2)]);
    assert.deepEqual(addedLines(LENET, down), ['    { "type": "conv2d", "name": "conv2d_0", "filters": 6, "kernelSize": 5, "padding": "same", "activation": "relu" },']);
    const pools = run(LENET, { type: 'moveLayer', from: 3, to: 4 });
    assert.deepEqual(addedLines(LENET, pools), [], 'layers without weights move as they are');
    const toEnd = run(LENET, { type: 'moveLayer', from: 0, to: lenetTypes.length - 1 });
    assert.deepEqual(types(toEnd), [...lenetTypes.slice(1), 'conv2d']);
    const toStart = run(LENET, { type: 'moveLayer', from: lenetTypes.length - 1, to: 0 });
    assert.deepEqual(types(toStart), ['dense', ...lenetTypes.slice(0, -1)]);
    assert.equal(intentEdit(LENET, { type: 'moveLayer', from: 2, to: 2 }), undefined);
  });

  it('edits, adds and removes layer fields on that line only', () => {
    const set = run(LENET, { type: 'editField', path: ['layers', 0, 'filters'], value: 8 });
    assert.deepEqual(addedLines(LENET, set), ['    { "type": "conv2d", "filters": 8, "kernelSize": 5, "padding": "same", "activation": "relu" },']);
    const add = run(LENET, { type: 'editField', path: ['layers', 2, 'strides'], value: [2, 1] });
    assert.deepEqual(addedLines(LENET, add), ['    { "type": "conv2d", "filters": 16, "kernelSize": 5, "activation": "relu", "strides": [2, 1] },']);
    const removed = run(LENET, { type: 'editField', path: ['layers', 0, 'padding'] });
    assert.deepEqual(addedLines(LENET, removed), ['    { "type": "conv2d", "filters": 6, "kernelSize": 5, "activation": "relu" },']);
    assert.equal(intentEdit(LENET, { type: 'editField', path: ['layers', 0, 'dilationRate'] }), undefined);
  });

  it('edits nested training fields, creating missing objects', () => {
    const lr = run(LENET, { type: 'editField', path: ['training', 'optimizer', 'learningRate'], value: 0.01 });
    assert.deepEqual(addedLines(LENET, lr), ['    "optimizer": { "type": "adam", "learningRate": 0.01 },']);
    const aug = run(LENET, { type: 'editField', path: ['training', 'augmentation', 'shift'], value: 0.1 });
    assert.deepEqual(addedLines(LENET, aug), ['    "seed": 1,', '    "augmentation": { "shift": 0.1 }']);
    const sched = run(LENET, { type: 'editField', path: ['training', 'optimizer', 'schedule'], value: { type: 'cosine' } });
    assert.equal((JSON.parse(sched) as { training: { optimizer: { schedule: { type: string } } } }).training.optimizer.schedule.type, 'cosine');
    const broken = example('broken.cnn.json');
    const created = run(broken, { type: 'editField', path: ['training', 'batchSize'], value: 64 });
    assert.equal((JSON.parse(created) as { training: { batchSize: number } }).training.batchSize, 64);
    assert.deepEqual(addedLines(broken, created), ['    { "type": "dense", "units": 10, "activation": "softmax" }', '  ],', '  "training": { "batchSize": 64 }'].filter((l) => !lines(broken).includes(l)));
    const noSeed = run(LENET, { type: 'editField', path: ['training', 'seed'] });
    assert.equal((JSON.parse(noSeed) as { training: { seed?: number } }).training.seed, undefined);
  });

  it('edits the input shape in place', () => {
    const after = run(LENET, { type: 'editInput', shape: [32, 32, 3] });
    assert.deepEqual(addedLines(LENET, after), ['  "input": { "shape": [32, 32, 3] },']);
    assert.equal(parseModelText(after).analysis?.inputShape.join(), '32,32,3');
  });

  it('keeps CRLF line endings and tab indentation', () => {
    const crlf = LENET.replace(/\n/g, '\r\n');
    const after = run(crlf, { type: 'insertLayer', index: 8, layerType: 'softmax' });
    assert.ok(!/[^\r]\n/.test(after), 'a bare LF crept in');
    const tabs = '{\n\t"format": "cnn-studio/model@1",\n\t"input": { "shape": [28, 28, 1] },\n\t"layers": []\n}';
    assert.ok(run(tabs, { type: 'insertLayer', index: 0, layerType: 'flatten' }).includes('\t"layers": [\n\t\t{ "type": "flatten" }\n\t]'));
  });

  it('refuses text that is not valid JSON or indices that do not exist', () => {
    assert.throws(() => intentEdit('{ "layers": [', { type: 'insertLayer', index: 0, layerType: 'relu' }), JsonEditError);
    assert.throws(() => intentEdit(LENET, { type: 'deleteLayer', index: 99 }), JsonEditError);
    assert.throws(() => intentEdit(LENET, { type: 'insertLayer', index: 0, layerType: 'nope' }), JsonEditError);
  });

  it('produces one minimal edit', () => {
    assert.deepEqual(minimalEdit('abcdef', 'abXdef'), { offset: 2, length: 1, content: 'X' });
    assert.deepEqual(minimalEdit('aaa', 'aaaa'), { offset: 3, length: 0, content: 'a' });
    assert.equal(minimalEdit('same', 'same'), undefined);
    const e = minimalEdit('a\r\nb', 'a\nb')!;
    assert.equal(applyTextEdit('a\r\nb', e), 'a\nb');
  });
});
