// The designer's transfer-learning gestures ("Freeze up to here", "Unfreeze all") as minimal JSON edits: only the
// `trainable` members change, on the layers with parameters, and the summary counts follow.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyTextEdit, intentEdit, JsonEditError, type EditIntent } from '../../../src/extension/editor/edits';
import { parseModelText } from '../../../src/model/parse';
import { guardWebviewMessage } from '../../../src/protocol/designerGuard';

const LENET = readFileSync(join(__dirname, '../../../examples/lenet5.cnn.json'), 'utf8');
const run = (text: string, intent: EditIntent): string => applyTextEdit(text, intentEdit(text, intent));
const layersOf = (text: string): string => text.slice(text.indexOf('"layers"'), text.indexOf('"training"'));

describe('designer freeze edits', () => {
  it('"Freeze up to here" writes "trainable": false on the layers with parameters up to the selected one, and nothing else', () => {
    const after = run(LENET, { type: 'freezeUpTo', index: 5 });
    assert.equal(layersOf(after), `"layers": [
    { "type": "conv2d", "filters": 6, "kernelSize": 5, "padding": "same", "activation": "relu", "trainable": false },
    { "type": "maxPool2d", "poolSize": 2 },
    { "type": "conv2d", "filters": 16, "kernelSize": 5, "activation": "relu", "trainable": false },
    { "type": "maxPool2d", "poolSize": 2 },
    { "type": "flatten" },
    { "type": "dense", "units": 120, "activation": "relu", "trainable": false },
    { "type": "dense", "units": 84, "activation": "relu" },
    { "type": "dense", "units": 10, "activation": "softmax" }
  ],
  `);
    // Everything outside the layers is untouched.
    assert.equal(after.replace(layersOf(after), ''), LENET.replace(layersOf(LENET), ''));
    // 6·25 + 6 = 156, 16·6·25 + 16 = 2,416, 400·120 + 120 = 48,120 frozen: Keras' non-trainable count.
    const totals = parseModelText(after).analysis!.totals;
    assert.deepEqual([totals.trainable, totals.nonTrainable], [61_706 - 50_692, 156 + 2_416 + 48_120]);
  });

  it('moves the boundary: freezing up to an earlier layer makes the later ones trainable again; a second time changes nothing', () => {
    const five = run(LENET, { type: 'freezeUpTo', index: 5 });
    const two = run(five, { type: 'freezeUpTo', index: 2 });
    assert.equal(two, run(LENET, { type: 'freezeUpTo', index: 2 }));
    assert.match(two, /"filters": 16, "kernelSize": 5, "activation": "relu", "trainable": false \}/);
    assert.match(two, /\{ "type": "dense", "units": 120, "activation": "relu" \}/);
    assert.equal(intentEdit(two, { type: 'freezeUpTo', index: 2 }), undefined, 'no edit when nothing changes');
  });

  it('"Unfreeze all" removes every "trainable": false and leaves an explicit true alone, back to the original text', () => {
    assert.equal(run(run(LENET, { type: 'freezeUpTo', index: 7 }), { type: 'unfreezeAll' }), LENET);
    const mixed = LENET.replace('"poolSize": 2 }', '"poolSize": 2, "trainable": false }').replace('"units": 84, "activation": "relu" }', '"units": 84, "activation": "relu", "trainable": true }');
    const after = run(mixed, { type: 'unfreezeAll' });
    assert.doesNotMatch(after, /"trainable": false/);
    assert.match(after, /"units": 84, "activation": "relu", "trainable": true \}/);
    assert.equal(intentEdit(LENET, { type: 'unfreezeAll' }), undefined);
  });

  it('one minimal edit: the text before the first change and after the last is kept', () => {
    const edit = intentEdit(LENET, { type: 'freezeUpTo', index: 0 })!;
    assert.equal(edit.length, 0);
    assert.equal(edit.content, ', "trainable": false');
    assert.equal(LENET.slice(edit.offset - 20, edit.offset), '"activation": "relu"');
  });

  it('refuses a layer that does not exist, in the host and in the message guard', () => {
    assert.throws(() => run(LENET, { type: 'freezeUpTo', index: 8 }), JsonEditError);
    const ctx = { documentVersion: 1, layerCount: 8, layerTypes: [] };
    assert.equal(guardWebviewMessage({ type: 'freezeUpTo', index: 8, documentVersion: 1 }, ctx), 'freezeUpTo: no layer 8');
    assert.equal(guardWebviewMessage({ type: 'freezeUpTo', index: '3', documentVersion: 1 }, ctx), 'freezeUpTo: no layer 3');
    assert.deepEqual(guardWebviewMessage({ type: 'freezeUpTo', index: 3, documentVersion: 1 }, ctx), { type: 'freezeUpTo', index: 3, documentVersion: 1 });
    assert.deepEqual(guardWebviewMessage({ type: 'unfreezeAll', documentVersion: 1 }, ctx), { type: 'unfreezeAll', documentVersion: 1 });
  });
});
