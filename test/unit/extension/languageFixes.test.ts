// The quick fixes of graph models, through the same pure function the code-action provider calls:
// each fix's edits applied to the text leave no error of its kind.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixFor } from '../../../src/extension/language/fixes';
import type { ModelDiagnostic } from '../../../src/model/diagnostics';
import { parseModelText } from '../../../src/model/parse';
import { CONV2, DOWN, STEM, applyEdits, modelText } from './graphFixtures';

function only(text: string, code: ModelDiagnostic['code']): ModelDiagnostic {
  const found = parseModelText(text).diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(parseModelText(text).diagnostics)}`);
  return found[0]!;
}
function fix(text: string, d: ModelDiagnostic) {
  return fixFor(text, parseModelText(text), d);
}

describe('quick fixes for graph models', () => {
  it('a misspelt reference becomes the suggestion', () => {
    const text = modelText([STEM, CONV2.replace('"filters": 32', '"filters": 16'), '{ "type": "add", "inputs": ["block_conv2", "stme"] }']);
    const d = only(text, 'bad-reference');
    assert.equal(d.suggestion, 'stem');
    const f = fix(text, d)!;
    assert.equal(f.title, 'Change to "stem"');
    assert.deepEqual(f.edits, [{ offset: d.range.offset, length: 6, content: '"stem"' }]);
    assert.deepEqual(parseModelText(applyEdits(text, f.edits)).diagnostics, []);
  });

  it('a reference to a layer known only by its default name writes that name into the layer', () => {
    const text = modelText([STEM, DOWN, '{ "type": "add", "inputs": ["conv2d_1"] }', '{ "type": "flatten" }']);
    const d = only(text, 'bad-reference');
    assert.match(d.message, /only layer 1's default name/);
    const f = fix(text, d)!;
    assert.equal(f.title, 'Name layer 1 "conv2d_1"');
    const after = applyEdits(text, f.edits);
    assert.ok(after.includes('    { "type": "conv2d", "name": "conv2d_1", "filters": 32,'), after);
    // The add still has one input only: that error is its own, the reference is fixed.
    assert.deepEqual(parseModelText(after).diagnostics.map((x) => x.code), ['input-count']);
  });

  it('a typo whose suggestion is an unnamed layer: both in one fix', () => {
    const text = modelText([STEM, DOWN, '{ "type": "add", "inputs": ["stem", "conv2d_l"] }']);
    const d = only(text, 'bad-reference');
    assert.equal(d.suggestion, 'conv2d_1');
    const f = fix(text, d)!;
    assert.equal(f.title, 'Change to "conv2d_1" (and name layer 1 "conv2d_1")');
    assert.equal(f.edits.length, 2);
    const after = applyEdits(text, f.edits);
    assert.ok(after.includes('"inputs": ["stem", "conv2d_1"]'));
    // Only the shape mismatch the add really has is left (32×32×16 + 16×16×32), and it has its own fix.
    const left = parseModelText(after).diagnostics;
    assert.deepEqual(left.map((x) => x.code), ['shape-mismatch']);
    assert.ok(fix(after, left[0]!)!.title.startsWith('Project the shortcut with a 1×1 convolution'));
  });

  it('no fix for references to later layers, to the layer itself, or to unknown names without a suggestion', () => {
    const text = modelText([
      '{ "name": "a", "type": "conv2d", "filters": 4, "kernelSize": 1, "inputs": ["b"] }',
      '{ "name": "b", "type": "relu", "inputs": ["b"] }',
      '{ "name": "c", "type": "relu", "inputs": ["zzzzzzzzzzzz"] }',
    ]);
    const refs = parseModelText(text).diagnostics.filter((d) => d.code === 'bad-reference');
    assert.equal(refs.length, 3);
    for (const d of refs) assert.equal(fix(text, d), undefined, d.message);
  });

  it('the shape mismatch of an add: the projection, titled with what it does, leaving no errors', () => {
    const text = modelText([STEM, DOWN, CONV2, '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "stem"] }', '{ "type": "globalAvgPool2d" }', '{ "type": "dense", "units": 10 }']);
    const f = fix(text, only(text, 'shape-mismatch'))!;
    assert.equal(f.title, 'Project the shortcut with a 1×1 convolution ("stem" 32×32×16 → 16×16×32)');
    assert.equal(f.edits.length, 1);
    const after = parseModelText(applyEdits(text, f.edits));
    assert.deepEqual(after.diagnostics, []);
    assert.equal(after.analysis!.layers.find((l) => l.name === 'dense_5')!.params.trainable, 32 * 10 + 10);
  });

  it('no fix for a concatenate mismatch, too few inputs, duplicate names or a dead branch', () => {
    const cases: [string, ModelDiagnostic['code']][] = [
      [modelText([STEM, '{ "name": "d", "type": "maxPool2d" }', '{ "type": "concatenate", "inputs": ["d", "stem"] }']), 'shape-mismatch'],
      [modelText([STEM, '{ "type": "add", "inputs": ["stem"] }']), 'input-count'],
      [modelText([STEM, '{ "name": "stem", "type": "relu" }']), 'duplicate-name'],
      [modelText([STEM, '{ "name": "side", "type": "relu" }', '{ "type": "relu", "inputs": ["stem"] }']), 'dead-branch'],
    ];
    for (const [text, code] of cases) assert.equal(fix(text, only(text, code)), undefined, code);
  });

  it('the dead branch is a warning on the layer type, the mismatch an error on the blamed element', () => {
    const text = modelText([STEM, '{ "name": "side", "type": "relu" }', '{ "type": "relu", "inputs": ["stem"] }']);
    const dead = only(text, 'dead-branch');
    assert.equal(dead.severity, 'warning');
    assert.equal(text.slice(dead.range.offset, dead.range.offset + dead.range.length), '"relu"');
    assert.equal(dead.layerIndex, 1);
    const mismatch = modelText([STEM, DOWN, CONV2, '{ "type": "add", "inputs": ["block_conv2", "stem"] }']);
    const d = only(mismatch, 'shape-mismatch');
    assert.equal(d.severity, 'error');
    assert.equal(mismatch.slice(d.range.offset, d.range.offset + d.range.length), '"stem"');
    assert.equal(d.range.offset, mismatch.lastIndexOf('"stem"'));
  });

  it('a learningRateMultiplier that does nothing is removed; 0 becomes "trainable": false (one edit each, the rest untouched)', () => {
    const head = ['{ "type": "flatten" }', '{ "type": "dense", "units": 3, "activation": "softmax" }'];
    const noEffect = modelText(['{ "type": "conv2d", "filters": 4, "kernelSize": 3, "trainable": false, "learningRateMultiplier": 0.1 }', '{ "type": "relu", "learningRateMultiplier": 2 }', ...head], [8, 8, 1]);
    const parsed = parseModelText(noEffect);
    assert.deepEqual(parsed.diagnostics.map((d) => [d.code, fix(noEffect, d)?.title]), [['no-effect', 'Remove "learningRateMultiplier"'], ['no-effect', 'Remove "learningRateMultiplier"']]);
    let fixed = noEffect;
    for (let k = 0; k < 2; k++) {
      const p = parseModelText(fixed);
      fixed = applyEdits(fixed, fixFor(fixed, p, p.diagnostics[0]!)!.edits);
    }
    assert.deepEqual(parseModelText(fixed).diagnostics, []);
    assert.ok(fixed.includes('    { "type": "conv2d", "filters": 4, "kernelSize": 3, "trainable": false },\n    { "type": "relu" },'), fixed);

    const zero = modelText(['{ "type": "conv2d", "filters": 4, "kernelSize": 3, "learningRateMultiplier": 0 }', ...head], [8, 8, 1]);
    const d = only(zero, 'zero-learning-rate');
    const f = fix(zero, d)!;
    assert.equal(f.title, 'Freeze the layer ("trainable": false) instead');
    assert.equal(f.edits.length, 1);
    const frozen = applyEdits(zero, f.edits);
    assert.deepEqual(parseModelText(frozen).diagnostics, []);
    assert.deepEqual(parseModelText(frozen).model!.layers[0], { type: 'conv2d', filters: 4, kernelSize: 3, trainable: false });
    assert.equal(frozen.slice(frozen.indexOf('"type": "flatten"')), zero.slice(zero.indexOf('"type": "flatten"')));
  });

  it('the chain fixes are as before: typos, a flatten before the dense', () => {
    const text = readFileSync(join(__dirname, '../../../examples/broken.cnn.json'), 'utf8');
    const parsed = parseModelText(text);
    const titles = parsed.diagnostics.map((d) => [d.code, fixFor(text, parsed, d)?.title]);
    assert.deepEqual(titles, [
      ['unknown-type', 'Change to "maxPool2d"'],
      ['unknown-field', 'Change to "kernelSize"'],
      ['needs-flatten', 'Insert a flatten layer before this dense layer'],
    ]);
    let fixed = text;
    for (const code of ['unknown-type', 'unknown-field', 'needs-flatten'] as const) {
      const p = parseModelText(fixed);
      fixed = applyEdits(fixed, fixFor(fixed, p, p.diagnostics.find((d) => d.code === code)!)!.edits);
    }
    assert.deepEqual(parseModelText(fixed).diagnostics, []);
    // (The designer's insertion writes the shifted dense layer's name, so its weights keep it.)
    assert.ok(fixed.includes('    { "type": "flatten" },\n    { "type": "dense", "name": "dense_4", "units": 10'), fixed);
  });
});
