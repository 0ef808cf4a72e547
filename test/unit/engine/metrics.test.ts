import { strict as assert } from 'node:assert';
import {
  accuracy,
  addToConfusion,
  confusionAccuracy,
  confusionMatrix,
  emptyConfusion,
  perClassAccuracy,
  predictions,
  topKAccuracy,
} from '../../../src/engine/metrics';

// 4 samples × 3 classes.
const scores = Float32Array.from([
  0.7, 0.2, 0.1, // → 0, label 0 ✓
  0.1, 0.3, 0.6, // → 2, label 1 ✗ (label 1 is 2nd)
  0.5, 0.4, 0.1, // → 0, label 2 ✗ (label 2 is 3rd)
  0.2, 0.2, 0.6, // → 2, label 2 ✓
]);
const labels = Int32Array.from([0, 1, 2, 2]);

describe('metrics', () => {
  it('predictions and accuracy use the argmax of each row', () => {
    assert.deepEqual([...predictions(scores, 4, 3)], [0, 2, 0, 2]);
    assert.equal(accuracy(scores, labels, 4, 3), 0.5);
    assert.equal(accuracy(new Float32Array(0), [], 0, 3), 0);
  });

  it('top-k accuracy counts labels among the k highest scores', () => {
    assert.equal(topKAccuracy(scores, labels, 4, 3, 1), 0.5);
    assert.equal(topKAccuracy(scores, labels, 4, 3, 2), 0.75);
    assert.equal(topKAccuracy(scores, labels, 4, 3, 3), 1);
  });

  it('top-k does not reward constant outputs (ties rank earlier classes first)', () => {
    const flat = new Float32Array(6).fill(0.5);
    assert.equal(topKAccuracy(flat, [2, 2], 2, 3, 2), 0);
    assert.equal(topKAccuracy(flat, [1, 1], 2, 3, 2), 1);
  });

  it('confusion matrix is [actual][predicted]', () => {
    const m = confusionMatrix(scores, labels, 4, 3);
    assert.deepEqual(m, [
      [1, 0, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
    assert.equal(confusionAccuracy(m), 0.5);
  });

  it('per-class accuracy is recall per row; NaN for classes without samples', () => {
    const m = confusionMatrix(scores, labels, 4, 3);
    assert.deepEqual(perClassAccuracy(m), [1, 0, 0.5]);
    const empty = emptyConfusion(2);
    empty[0][0] = 3;
    const pc = perClassAccuracy(empty);
    assert.equal(pc[0], 1);
    assert.ok(Number.isNaN(pc[1]));
  });

  it('streams batch by batch into one matrix', () => {
    const m = emptyConfusion(3);
    addToConfusion(m, scores.subarray(0, 6), labels.subarray(0, 2), 2, 3);
    addToConfusion(m, scores.subarray(6), labels.subarray(2), 2, 3);
    assert.deepEqual(m, confusionMatrix(scores, labels, 4, 3));
  });
});
