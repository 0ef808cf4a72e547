// The one-line summaries VS Code users read after a run: they say what chose the kept weights.
import { strict as assert } from 'node:assert';
import { summary } from '../../../src/extension/training/format';
import type { DoneView } from '../../../src/protocol/worker';

describe('training summary text', () => {
  const done: DoneView = { status: 'earlyStopped', epochs: 7, history: [], seconds: 3 };

  it('names the kept epoch and the data it was chosen on', () => {
    const text = summary('lenet5', { ...done, selection: { bestEpoch: 4, on: 'training loss' }, evaluation: { on: 'test', accuracy: 0.9812, loss: 0.05, count: 100, classes: [], confusion: [], perClass: [], misclassified: [] } });
    assert.equal(text, 'lenet5 stopped early after 7 epochs, keeping the weights of epoch 4 (best training loss): test accuracy 98.12%.');
  });
});
