// The channels' guards know every message type of their unions (the lists are derived from them, so the compiler
// catches one left out) and nothing else: not an unknown type, nor a name every object inherits.
import * as assert from 'node:assert/strict';
import { guardTrainingViewMessage } from '../../../src/protocol/training';
import { guardHostToWorker, guardWorkerToHost, type HostToWorker, type WorkerMessageType } from '../../../src/protocol/worker';

describe('message types of the worker and training channels', () => {
  it('the worker channel passes every message type of each direction and refuses the rest', () => {
    const host: Record<HostToWorker['type'], true> = { start: true, inspect: true, predict: true, explainCell: true, saliency: true, gradCam: true, stop: true };
    const worker: Record<WorkerMessageType, true> = { ready: true, started: true, progress: true, dataProgress: true, epoch: true, warning: true, frozenFeatures: true, featureProgress: true, featureMaps: true, augmentedSamples: true, mapsError: true, done: true, error: true };
    for (const type of Object.keys(host)) assert.deepEqual(guardHostToWorker({ type }), { type });
    for (const type of Object.keys(worker)) assert.deepEqual(guardWorkerToHost({ type }), { type });
    assert.equal(guardHostToWorker({ type: 'ready' }), 'unknown message type "ready"', 'a worker message is not a host message');
    assert.equal(guardWorkerToHost({ type: 'start' }), 'unknown message type "start"');
    for (const type of ['toString', 'constructor', '__proto__', undefined]) assert.equal(guardHostToWorker({ type }), `unknown message type ${JSON.stringify(type)}`);
    assert.equal(guardWorkerToHost(null), 'message is not an object');
  });

  it('the training view channel refuses unknown types and names every object inherits', () => {
    assert.deepEqual(guardTrainingViewMessage({ type: 'train', extra: 1 }), { type: 'train' });
    assert.deepEqual(guardTrainingViewMessage({ type: 'pickImage' }), { type: 'pickImage' });
    for (const type of ['toString', 'hasOwnProperty', '__proto__', 'run', 7, undefined]) assert.equal(guardTrainingViewMessage({ type }), `unknown message type ${JSON.stringify(type)}`);
  });
});
