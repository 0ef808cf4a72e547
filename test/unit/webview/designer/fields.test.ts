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
