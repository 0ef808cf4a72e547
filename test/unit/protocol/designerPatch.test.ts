// A view sent as a patch of the last one: applying the patch to the old view gives exactly the view built
// from scratch, after single edits of known examples and along random edit sequences (gestures and text cut
// short); only the rows and layers that changed travel, and the others keep their objects.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LAYER_TYPES } from '../../../src/model/spec';
import { applyTextEdit, intentEdit, type EditIntent } from '../../../src/extension/editor/edits';
import { buildView } from '../../../src/extension/editor/viewModel';
import { applyPatch, diffView, patchAction, sameJson } from '../../../src/protocol/designerPatch';
import type { DesignerView } from '../../../src/protocol/designer';

const example = (name: string): string => readFileSync(join(__dirname, '../../../examples', name), 'utf8');
const view = (text: string): DesignerView => buildView(text, 'm', 8e9);
const edited = (text: string, intent: EditIntent): string => applyTextEdit(text, intentEdit(text, intent));

/** applyPatch(old, diffView(old, next)) is `next`; returns the patch. */
function roundTrip(before: DesignerView, after: DesignerView): ReturnType<typeof diffView> {
  // Through JSON, as postMessage carries it.
  const patch = JSON.parse(JSON.stringify(diffView(before, after))) as ReturnType<typeof diffView>;
  assert.deepStrictEqual(applyPatch(before, patch), after);
  return patch;
}

describe('designer view patches', () => {
  it('an edit of the last layer sends its row and layer and the totals, nothing else', () => {
    const text = example('lenet5.cnn.json');
    const before = view(text);
    const last = before.rows.length - 1;
    const after = view(edited(text, { type: 'editField', path: ['layers', last, 'units'], value: 12 }));
    const patch = roundTrip(before, after);
    assert.deepEqual(patch.rows.map(([i]) => i), [last]);
    assert.deepEqual(patch.layers.map(([i]) => i), [last]);
    assert.deepEqual(Object.keys(patch.set).sort(), ['memory', 'totals']);
    assert.deepEqual(patch.removed, []);
    // The rows that did not change are the old view's own objects.
    const applied = applyPatch(before, patch);
    for (let i = 0; i < last; i++) assert.equal(applied.rows[i], before.rows[i]);
    assert.notEqual(applied.rows[last], before.rows[last]);
  });

  it('an edit of the first conv reaches every row whose shape it changes', () => {
    const text = example('vgg-cifar.cnn.json');
    const before = view(text);
    const after = view(edited(text, { type: 'editField', path: ['layers', 0, 'filters'], value: 8 }));
    const patch = roundTrip(before, after);
    const differ = after.rows.filter((r, i) => !sameJson(r, before.rows[i])).map((r) => r.index);
    assert.deepEqual(patch.rows.map(([i]) => i), differ);
    assert.ok(differ.length > 1 && differ.length < after.rows.length, `${differ.length} rows changed`);
  });

  it('inserts and deletes change the row count; fields that go are removed, broken JSON and back', () => {
    const text = example('lenet5.cnn.json');
    const base = view(text);
    const inserted = view(edited(text, { type: 'insertLayer', index: 2, layerType: 'batchNorm' }));
    assert.equal(roundTrip(base, inserted).rowCount, base.rows.length + 1);
    const deleted = view(edited(text, { type: 'deleteLayer', index: 0 }));
    assert.equal(roundTrip(base, deleted).rowCount, base.rows.length - 1);
    const noDescription = view(edited(text, { type: 'editField', path: ['description'] }));
    assert.deepEqual(roundTrip(base, noDescription).removed, ['description']);
    roundTrip(noDescription, base);
    const broken = view(text.slice(0, text.length >> 1));
    assert.equal(broken.editable, false);
    roundTrip(base, broken);
    roundTrip(broken, base);
    // The same text again: an empty patch.
    const same = roundTrip(base, view(text));
    assert.deepEqual([same.rows, same.layers, same.set, same.removed], [[], [], {}, []]);
  });

  it('a webview applies a patch of the view it shows, asks for the whole view for a newer one it cannot apply, drops an older one', () => {
    assert.equal(patchAction(4, { base: 4, documentVersion: 6 }), 'apply');
    assert.equal(patchAction(6, { base: 6, documentVersion: 6 }), 'apply', 'the view re-sent after a stale gesture: re-rendered');
    assert.equal(patchAction(4, { base: 5, documentVersion: 6 }), 'resync');
    assert.equal(patchAction(undefined, { base: 5, documentVersion: 6 }), 'resync', 'a reloaded page with no view yet');
    assert.equal(patchAction(9, { base: 5, documentVersion: 6 }), 'ignore', 'sent before the whole view of 9 came');
  });

  it('compares JSON values deeply, whatever the key order', () => {
    assert.ok(sameJson({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] }));
    assert.ok(!sameJson({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!sameJson([1, 2], [1, 2, 3]));
    assert.ok(!sameJson([1], { 0: 1 }));
    assert.ok(!sameJson({ a: [1] }, { a: [2] }));
    assert.ok(!sameJson(null, {}));
  });

  it('random edit sequences: every patch applied to the view before gives the view rebuilt from the text', function () {
    this.timeout(60_000);
    const texts = ['lenet5.cnn.json', 'resnet20.cnn.json', 'broken.cnn.json'].map(example);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(80), type: fc.constantFrom(...LAYER_TYPES) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(80) }),
      fc.record({ kind: fc.constant('move' as const), at: fc.nat(80), to: fc.nat(80) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(80), field: fc.constantFrom('filters', 'units', 'name', 'activation', 'inputs'), value: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom('relu', 'x', 'conv1')) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(100_000), length: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.nat(texts.length - 1), fc.array(op, { maxLength: 12 }), (start, ops) => {
        let text = texts[start]!;
        let before = view(text);
        for (const o of ops) {
          const n = before.rows.length;
          if (o.kind === 'cut') {
            const at = o.at % (text.length + 1);
            text = text.slice(0, at) + text.slice(at + o.length);
          } else {
            const intent: EditIntent | undefined =
              o.kind === 'insert' ? { type: 'insertLayer', index: o.at % (n + 1), layerType: o.type }
              : n === 0 ? undefined
              : o.kind === 'delete' ? { type: 'deleteLayer', index: o.at % n }
              : o.kind === 'move' ? { type: 'moveLayer', from: o.at % n, to: o.to % n }
              : { type: 'editField', path: ['layers', o.at % n, o.field], value: o.value };
            if (!intent || !before.editable) continue;
            text = edited(text, intent);
          }
          const after = view(text);
          roundTrip(before, after);
          before = after;
        }
      }),
      { seed: 20261208, numRuns: 60 },
    );
  });
});
