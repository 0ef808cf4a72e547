import { strict as assert } from 'node:assert';
import { formatDataProgress, formatDataReady, formatFeatureProgress } from '../../../../src/node/datasets/progress';

describe('data/progress lines', () => {
  it('count, rate and ETA while preparing; how the images came once ready', () => {
    assert.equal(formatDataProgress({ source: 'photos', done: 1234, total: 20000, cached: 0, seconds: 1234 / 850 }), 'preparing data: 1,234 / 20,000 images, 850/s, ETA 23 s');
    assert.equal(formatDataProgress({ source: 'photos', done: 0, total: 20000, cached: 0, seconds: 0 }), 'preparing data: 0 / 20,000 images, 0/s');
    assert.equal(formatDataProgress({ source: 'photos', done: 500, total: 1000, cached: 500, seconds: 0.5 }), 'preparing data: 500 / 1,000 images from the cache, 1,000/s, ETA 1 s');
    assert.equal(formatDataProgress({ source: 'photos', done: 500, total: 1000, cached: 200, seconds: 1 }), 'preparing data: 500 / 1,000 images (200 cached), 500/s, ETA 1 s');
    assert.equal(formatDataReady({ source: 'photos/train', done: 3000, total: 3000, cached: 3000, seconds: 0.42 }), 'photos/train: 3,000 images prepared (all from the cache) in 0.4 s');
    assert.equal(formatDataReady({ source: 'p', done: 3000, total: 3000, cached: 10, seconds: 12 }), 'p: 3,000 images prepared (2,990 decoded, 10 from the cache) in 12.0 s');
    assert.equal(formatDataReady({ source: 'p', done: 7, total: 7, cached: 0, seconds: 1 }), 'p: 7 images prepared (7 decoded) in 1.0 s');
  });

  it('the frozen features computed before the first batch (the same line in cnn train and VS Code)', () => {
    assert.equal(formatFeatureProgress({ done: 1234, total: 3000 }), 'computing frozen features: 1,234 / 3,000 samples');
  });
});
