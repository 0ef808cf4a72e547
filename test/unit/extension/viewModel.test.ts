// The designer's view model comes from the one analysis; error rows carry the diagnostics' own messages.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelText } from '../../../src/model/parse';
import { buildView, summarize } from '../../../src/extension/editor/viewModel';

const example = (name: string): string => readFileSync(join(__dirname, '../../../examples', name), 'utf8');

describe('designer view model', () => {
  it('lists every layer with shapes, params and totals from the analysis', () => {
    const view = buildView(example('simple-mnist-convnet.cnn.json'), 'x');
    assert.equal(view.name, 'simple_mnist_convnet');
    assert.deepEqual(view.inputShape, [28, 28, 1]);
    assert.equal(view.rows.length, 7);
    assert.deepEqual(view.rows[0]!.outputShape, [26, 26, 32]);
    assert.equal(view.rows[0]!.params, 320);
    assert.equal(view.totals?.params, 34826);
    assert.equal(view.batchSize, 128);
    assert.equal(view.rows[0]!.summary, '32 filters 3×3, relu');
    assert.ok(view.editable);
  });

  it('marks error rows with exactly the diagnostic messages and keeps inferable rows', () => {
    const text = example('broken.cnn.json');
    const view = buildView(text, 'x');
    const diags = parseModelText(text).diagnostics;
    assert.equal(view.rows.length, 5);
    for (const row of view.rows) {
      assert.deepEqual(row.errors, diags.filter((d) => d.layerIndex === row.index && d.severity === 'error').map((d) => d.message));
    }
    assert.ok(view.rows[1]!.errors.length > 0);
    assert.deepEqual(view.rows[0]!.outputShape, [26, 26, 8]);
  });

  it('survives broken JSON without rows and refuses edits', () => {
    const view = buildView('{ "layers": [ { "type": "dense" ', 'fallback');
    assert.equal(view.name, 'fallback');
    assert.equal(view.editable, false);
    assert.ok(view.problems.length > 0);
  });

  it('summarises key settings', () => {
    assert.equal(summarize({ type: 'conv2d', filters: 8, kernelSize: [3, 5], strides: 2, padding: 'same' }), '8 filters 3×5, stride 2×2, same');
    assert.equal(summarize({ type: 'dense', units: 10, activation: 'softmax', useBias: false }), '10 units, softmax, no bias');
    assert.equal(summarize({ type: 'dropout', rate: 0.5 }), 'rate 0.5');
  });
});
