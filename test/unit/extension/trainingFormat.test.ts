// The one-line summaries VS Code users read after a run: they say what chose the kept weights.
import { strict as assert } from 'node:assert';
import { featureProgressText, summary } from '../../../src/extension/training/format';
import { RunRecord } from '../../../src/extension/training/record';
import type { DoneView } from '../../../src/protocol/worker';

describe('training summary text', () => {
  const done: DoneView = { status: 'earlyStopped', epochs: 7, history: [], seconds: 3 };

  it('names the kept epoch and the data it was chosen on', () => {
    const text = summary('lenet5', { ...done, selection: { bestEpoch: 4, on: 'training loss' }, evaluation: { on: 'test', accuracy: 0.9812, loss: 0.05, count: 100, classes: [], confusion: [], perClass: [], misclassified: [] } });
    assert.equal(text, 'lenet5 stopped early after 7 epochs, keeping the weights of epoch 4 (best training loss): test accuracy 98.12%.');
  });
});

describe('frozen features in the training feedback', () => {
  it('the progress notification counts the samples whose frozen-layer outputs are computed', () => {
    assert.equal(featureProgressText({ done: 1234, total: 3000 }), 'frozen layers: 1,234 / 3,000 samples');
    assert.equal(featureProgressText({ done: 0, total: 60 }), 'frozen layers: 0 / 60 samples');
  });

  it("the run record keeps the message for the view's snapshot, and a new run forgets it and the progress", () => {
    const record = new RunRecord('photos');
    assert.equal('frozenFeatures' in record.snapshot(), false);
    const message = 'the layers up to globalAvgPool2d_97 are frozen: computing their output once per sample (60 samples, 300.0 KiB); the epochs train only the layers after it';
    record.apply({ type: 'frozenFeatures', message });
    record.apply({ type: 'featureProgress', progress: { done: 32, total: 60 } });
    assert.equal(record.snapshot().frozenFeatures, message);
    assert.deepEqual(record.featureProgress, { done: 32, total: 60 });
    record.reset('{}');
    assert.equal(record.snapshot().frozenFeatures, undefined);
    assert.equal(record.featureProgress, undefined);
  });
});
