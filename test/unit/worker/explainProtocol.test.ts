// The training view's explanation requests are untrusted input: the guard passes well-formed ones through with
// exactly their fields and rejects the rest with a reason (no file paths from the webview, whole indices only).
import * as assert from 'node:assert/strict';
import { guardTrainingViewMessage } from '../../../src/protocol/training';

describe('explanation messages from the training view', () => {
  it('passes an explainCell request on the inspected sample or a data set sample, with only its fields', () => {
    assert.deepEqual(guardTrainingViewMessage({ type: 'explainCell', sample: { kind: 'inspected', path: '/etc/passwd' }, layer: 2, position: { row: 3, col: 4, channel: 5, extra: 1 } }), {
      type: 'explainCell',
      sample: { kind: 'inspected' },
      layer: 2,
      position: { row: 3, col: 4, channel: 5 },
    });
    assert.deepEqual(guardTrainingViewMessage({ type: 'explainCell', sample: { kind: 'dataset', split: 'train', index: 9 }, layer: 0, position: { row: 0, col: 0, channel: 0 } }), {
      type: 'explainCell',
      sample: { kind: 'dataset', split: 'train', index: 9 },
      layer: 0,
      position: { row: 0, col: 0, channel: 0 },
    });
  });

  it('rejects a file sample, a bad split, fractional or negative indices and a missing position', () => {
    const base = { type: 'explainCell', layer: 1, position: { row: 0, col: 0, channel: 0 } };
    assert.equal(guardTrainingViewMessage({ ...base, sample: { kind: 'file', path: '/tmp/x.png' } }), 'explainCell: sample kind must be "inspected" or "dataset"');
    assert.equal(guardTrainingViewMessage({ ...base, sample: { kind: 'dataset', split: 'val', index: 0 } }), 'explainCell: sample split must be "train" or "test"');
    assert.equal(guardTrainingViewMessage({ ...base, sample: { kind: 'dataset', split: 'test', index: 1.5 } }), 'explainCell: bad sample index');
    assert.equal(guardTrainingViewMessage({ ...base, sample: { kind: 'inspected' }, layer: -1 }), 'explainCell: bad layer');
    assert.equal(guardTrainingViewMessage({ ...base, sample: { kind: 'inspected' }, position: { row: 0, col: 0 } }), 'explainCell: bad position');
    assert.equal(guardTrainingViewMessage({ type: 'explainCell', sample: { kind: 'inspected' }, layer: 1 }), 'explainCell: bad position');
  });

  it('passes attribution queries (method, optional class and layer) and rejects unknown methods or bad indices', () => {
    assert.deepEqual(guardTrainingViewMessage({ type: 'attribution', sample: { kind: 'inspected' }, query: { method: 'gradCam', layerIndex: 4, classIndex: 2 } }), {
      type: 'attribution',
      sample: { kind: 'inspected' },
      query: { method: 'gradCam', classIndex: 2, layerIndex: 4 },
    });
    assert.deepEqual(guardTrainingViewMessage({ type: 'attribution', sample: { kind: 'dataset', split: 'test', index: 3 }, query: { method: 'saliency' } }), {
      type: 'attribution',
      sample: { kind: 'dataset', split: 'test', index: 3 },
      query: { method: 'saliency' },
    });
    assert.equal(guardTrainingViewMessage({ type: 'attribution', sample: { kind: 'inspected' }, query: { method: 'lime' } }), 'attribution: method must be "saliency" or "gradCam"');
    assert.equal(guardTrainingViewMessage({ type: 'attribution', sample: { kind: 'inspected' }, query: { method: 'saliency', classIndex: '1' } }), 'attribution: bad classIndex');
    assert.equal(guardTrainingViewMessage({ type: 'attribution', sample: { kind: 'inspected' }, query: { method: 'gradCam', layerIndex: -2 } }), 'attribution: bad layerIndex');
    assert.equal(guardTrainingViewMessage({ type: 'attribution', sample: null, query: { method: 'gradCam' } }), 'attribution: sample is not an object');
  });
});
