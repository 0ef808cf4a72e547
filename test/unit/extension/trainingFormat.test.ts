// The one-line summaries VS Code users read after a run: they say what chose the kept weights.
import { strict as assert } from 'node:assert';
import { statusText, summary, waitingText } from '../../../src/extension/training/format';
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
  const data = { source: 'photos/train', done: 60, total: 60, cached: 0, seconds: 1.5, finished: true };

  it('the progress notification and the status bar count the samples whose frozen-layer outputs are computed', () => {
    assert.equal(waitingText({ dataProgress: data, featureProgress: { done: 1234, total: 3000 } }), 'computing frozen features: 1,234 / 3,000 samples');
    assert.equal(waitingText({ featureProgress: { done: 0, total: 60 } }), 'computing frozen features: 0 / 60 samples');
    assert.equal(statusText('photos', undefined, { dataProgress: data, featureProgress: { done: 32, total: 60 } }), '$(sync~spin) photos: computing frozen features: 32 / 60 samples');
  });

  it('says when the frozen-layer outputs come from the data cache, and before that what the data does', () => {
    assert.equal(waitingText({ dataProgress: data, frozenFromCache: true }), 'frozen features from the data cache');
    assert.equal(statusText('photos', undefined, { dataProgress: data, frozenFromCache: true }), '$(sync~spin) photos: frozen features from the data cache');
    assert.equal(waitingText({ dataProgress: data, frozenFromCache: false }), 'photos/train: 60 images prepared (60 decoded) in 1.5 s');
    assert.equal(statusText('photos', undefined, { dataProgress: data }), '$(sync~spin) photos: loading data…');
    assert.equal(waitingText({}), 'loading data…');
    const batch = { epoch: 1, epochs: 2, batch: 1, batches: 2, loss: 0.5, accuracy: 0.25, samplesPerSecond: 99.6 };
    assert.equal(statusText('photos', batch, { frozenFromCache: true }), '$(sync~spin) photos 1/2 · loss 0.500 · acc 25.0% · 100/s');
  });

  it("the run record keeps the message for the view's snapshot, and a new run forgets it and the progress", () => {
    const record = new RunRecord('photos');
    assert.equal('frozenFeatures' in record.snapshot(), false);
    const message = 'the layers up to globalAvgPool2d_97 are frozen: computing their output once per sample (60 samples, 300.0 KiB); the epochs train only the layers after it';
    record.apply({ type: 'frozenFeatures', message, fromCache: false });
    record.apply({ type: 'featureProgress', progress: { done: 32, total: 60 } });
    assert.equal(record.snapshot().frozenFeatures, message);
    assert.deepEqual(record.featureProgress, { done: 32, total: 60 });
    assert.equal(waitingText(record), 'computing frozen features: 32 / 60 samples');
    record.reset('{}');
    assert.equal(record.snapshot().frozenFeatures, undefined);
    assert.equal(record.featureProgress, undefined);
    record.apply({ type: 'frozenFeatures', message: 'the layers up to gap are frozen: their outputs for 60 samples come from the data cache (300.0 KiB); the epochs train only the layers after it', fromCache: true });
    assert.equal(statusText(record.modelName, record.batch, record), '$(sync~spin) photos: frozen features from the data cache');
    record.reset('{}');
    assert.equal(record.frozenFromCache, undefined);
  });
});
