import { strict as assert } from 'node:assert';
import { rowWindow, scrollToRow } from '../../../webview/shared/virtualWindow';

describe('windowed rows', () => {
  it('draws the rows in sight plus the overscan, spacers for the rest', () => {
    // 2,000 rows of 24 px, a 480 px view scrolled to row 100's top, a 30 px header above the rows.
    const w = rowWindow({ count: 2000, rowHeight: 24, scrollTop: 30 + 100 * 24, viewHeight: 480, offset: 30, overscan: 10 });
    assert.deepEqual(w, { first: 90, end: 130, before: 90 * 24, after: (2000 - 130) * 24 });
    // Rows and spacers add up to the whole table's height, whatever the scroll.
    for (const scrollTop of [0, 1, 23, 24, 999, 47_000, 48_030, 1e9]) {
      const v = rowWindow({ count: 2000, rowHeight: 24, scrollTop, viewHeight: 480, offset: 30, overscan: 10 });
      assert.equal(v.before + (v.end - v.first) * 24 + v.after, 2000 * 24, `scrollTop ${scrollTop}`);
      assert.ok(v.first <= v.end && v.end <= 2000);
    }
  });

  it('at the top and past the end: clamped to the rows there are', () => {
    assert.deepEqual(rowWindow({ count: 500, rowHeight: 20, scrollTop: 0, viewHeight: 200, overscan: 5 }), { first: 0, end: 15, before: 0, after: 485 * 20 });
    const end = rowWindow({ count: 500, rowHeight: 20, scrollTop: 500 * 20 - 200, viewHeight: 200, overscan: 5 });
    assert.deepEqual([end.first, end.end, end.after], [485, 500, 0]);
    assert.deepEqual(rowWindow({ count: 500, rowHeight: 20, scrollTop: 1e7, viewHeight: 200 }), { first: 500, end: 500, before: 500 * 20, after: 0 });
  });

  it('nothing to draw: no rows, or a height not measured yet', () => {
    assert.deepEqual(rowWindow({ count: 0, rowHeight: 24, scrollTop: 0, viewHeight: 400 }), { first: 0, end: 0, before: 0, after: 0 });
    assert.deepEqual(rowWindow({ count: 10, rowHeight: 0, scrollTop: 0, viewHeight: 400 }), { first: 0, end: 0, before: 0, after: 0 });
  });

  it('reveals a row with the least scroll, below the sticky header', () => {
    const g = { rowHeight: 24, scrollTop: 2400, viewHeight: 480, offset: 30, header: 30 };
    // Row 100 starts at 30 + 2400 = 2430: under the 30 px header (2400 + 30), whole: no scroll.
    assert.equal(scrollToRow(100, g), undefined);
    // Row 99 is under the header: scroll up by one row.
    assert.equal(scrollToRow(99, g), 30 + 99 * 24 - 30);
    // Row 118 ends at 30 + 119 × 24 = 2886 > 2880: scroll down by 6 px, to its bottom.
    assert.equal(scrollToRow(118, g), 30 + 119 * 24 - 480);
    assert.equal(scrollToRow(117, g), undefined);
    // The first row: back to the top.
    assert.equal(scrollToRow(0, g), 0);
  });
});
