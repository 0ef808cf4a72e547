import assert from 'node:assert/strict';
import { tickLabels } from '../../../../webview/training/ticks';

describe('training view chart ticks', () => {
  it('give a flat loss the decimals that tell its ticks apart', () => {
    assert.deepEqual(tickLabels([1.0984, 1.0986, 1.0988], false), ['1.0984', '1.0986', '1.0988']);
    assert.deepEqual(tickLabels([0, 0.5, 1, 1.5], false), ['0.0', '0.5', '1.0', '1.5']);
    assert.deepEqual(tickLabels([0, 2, 4], false), ['0', '2', '4']);
  });
  it('show accuracies as percentages, with decimals only when the ticks are closer than 1 %', () => {
    assert.deepEqual(tickLabels([0, 0.5, 1], true), ['0%', '50%', '100%']);
    assert.deepEqual(tickLabels([0.981, 0.982], true), ['98.1%', '98.2%']);
  });
});
