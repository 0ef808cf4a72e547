// The inspector's text → JSON parsing for zeroPadding2D's padding: Keras' three forms, typed as people type them.
import { strict as assert } from 'node:assert';
import { LAYER_SPECS } from '../../../../src/model/spec';
import { parseField } from '../../../../webview/designer/fieldParse';

const padding = LAYER_SPECS.zeroPadding2D.fields.padding!;

describe('designer field parsing', () => {
  it('reads padding as n, "h, w" or "top, bottom, left, right"', () => {
    assert.deepEqual(parseField(padding, ' 2 ', false), { ok: true, value: 2 });
    assert.deepEqual(parseField(padding, '1, 3', false), { ok: true, value: [1, 3] });
    assert.deepEqual(parseField(padding, '1 2', false), { ok: true, value: [1, 2] });
    assert.deepEqual(parseField(padding, '0, 1, 2, 3', false), { ok: true, value: [[0, 1], [2, 3]] });
    // What the field shows for [[0, 1], [2, 3]] reads back as the same value.
    assert.deepEqual(parseField(padding, '[[0, 1], [2, 3]]', false), { ok: true, value: [[0, 1], [2, 3]] });
    assert.deepEqual(parseField(padding, '', false), { ok: true, value: undefined });
  });

  it('refuses three numbers, negatives and words', () => {
    for (const t of ['1, 2, 3', '-1', 'a', '1.5', '1, 2, 3, 4, 5']) {
      assert.deepEqual(parseField(padding, t, false), { ok: false, error: 'enter n, "h, w" or "top, bottom, left, right"' }, t);
    }
  });
});

describe('designer field parsing of a window padding (convolutions and pools)', () => {
  const windowPadding = LAYER_SPECS.conv2d.fields.padding!;
  const poolPadding = LAYER_SPECS.maxPool2d.fields.padding!;

  it('reads "valid", "same" (quoted or not, any case) and explicit cells in zeroPadding2D\'s forms', () => {
    assert.equal(windowPadding.kind, 'windowPadding');
    assert.equal(poolPadding.kind, 'windowPadding');
    assert.deepEqual(parseField(windowPadding, 'same', false), { ok: true, value: 'same' });
    assert.deepEqual(parseField(windowPadding, ' "Valid" ', false), { ok: true, value: 'valid' });
    assert.deepEqual(parseField(poolPadding, '1', false), { ok: true, value: 1 });
    assert.deepEqual(parseField(poolPadding, '1, 0', false), { ok: true, value: [1, 0] });
    assert.deepEqual(parseField(windowPadding, '[[0, 2], [1, 0]]', false), { ok: true, value: [[0, 2], [1, 0]] });
    assert.deepEqual(parseField(windowPadding, '', false), { ok: true, value: undefined });
  });

  it('refuses other words, negatives and three numbers, saying what it takes', () => {
    for (const t of ['full', '-1', '1, 2, 3', '1.5']) {
      assert.deepEqual(parseField(windowPadding, t, false), { ok: false, error: 'enter "valid", "same", n, "h, w" or "top, bottom, left, right"' }, t);
    }
  });

  it('reads text fields as they are and true/false fields as booleans', () => {
    assert.deepEqual(parseField({ kind: 'string', doc: '' }, ' my layer ', false), { ok: true, value: 'my layer' });
    assert.deepEqual(parseField({ kind: 'bool', default: false, doc: '' }, 'true', false), { ok: true, value: true });
    assert.deepEqual(parseField({ kind: 'bool', default: false, doc: '' }, 'yes', false), { ok: false, error: 'enter true or false' });
  });
});

describe('designer field parsing of a range (training.augmentation.zoom)', () => {
  const zoom = { kind: 'numberRange', min: 0, max: 10, exclusiveMin: true, default: [1, 1], doc: '' } as const;

  it('reads "low, high" as typed and as the field shows it', () => {
    assert.deepEqual(parseField(zoom, '0.8, 1.2', false), { ok: true, value: [0.8, 1.2] });
    assert.deepEqual(parseField(zoom, '[0.8 1.25]', false), { ok: true, value: [0.8, 1.25] });
    assert.deepEqual(parseField(zoom, '.5,2', false), { ok: true, value: [0.5, 2] });
    assert.deepEqual(parseField(zoom, '', false), { ok: true, value: undefined });
  });

  it('refuses one number, three, and words (limits and order are the validator\'s)', () => {
    for (const t of ['1', '1, 2, 3', 'a, b', '1, x']) {
      assert.deepEqual(parseField(zoom, t, false), { ok: false, error: 'enter two numbers, low and high ("0.8, 1.2")' }, t);
    }
  });
});

describe('designer field parsing of a number or one per channel (normalization)', () => {
  const mean = LAYER_SPECS.normalization.fields.mean!;

  it('reads one number as a number and several as a list, as the field shows them', () => {
    assert.deepEqual(parseField(mean, '0.5', true), { ok: true, value: 0.5 });
    assert.deepEqual(parseField(mean, '0.485, 0.456, 0.406', true), { ok: true, value: [0.485, 0.456, 0.406] });
    assert.deepEqual(parseField(mean, '[-1 2e-3]', true), { ok: true, value: [-1, 0.002] });
    assert.deepEqual(parseField(mean, '', true), { ok: false, error: 'required' });
  });

  it('refuses words and numbers beyond float range', () => {
    for (const t of ['a', '0.5, x', 'NaN', '1e999']) {
      assert.deepEqual(parseField(mean, t, true), { ok: false, error: 'enter a number, or one per channel ("0.485, 0.456, 0.406")' }, t);
    }
  });
});
