// The training view's "what the network sees": the worker's samples as bytes (the same draws as cnn augment-preview
// for the run's seed), kept by the host's run record for a reopened view, and cleared by a new run.
import { strict as assert } from 'node:assert';
import type { Dataset } from '../../../src/engine/dataset';
import { RunRecord } from '../../../src/extension/training/record';
import { augmentedBatch } from '../../../src/node/augmentPreview';
import { trainingHandshake, TRAINING_PROTOCOL_VERSION } from '../../../src/protocol/training';
import { augmentedSamples, AUGMENTED_SAMPLES } from '../../../src/worker/augmented';

const data = (count: number): Dataset => ({
  images: Float32Array.from({ length: count * 6 * 5 * 3 }, (_, i) => ((i * 37) % 101) / 100),
  labels: new Int32Array(count),
  count,
  shape: [6, 5, 3],
  classes: ['a'],
});

describe('worker: augmented samples for the training view', () => {
  it('are the first samples augmented with the run\'s seed, as bytes', async () => {
    const aug = { rotation: 20, brightness: 0.5 };
    const view = (await augmentedSamples(data(20), aug, 7))!;
    assert.deepEqual(view.shape, [AUGMENTED_SAMPLES, 6, 5, 3]);
    assert.equal(view.seed, 7);
    const { batch } = await augmentedBatch(data(20), aug, AUGMENTED_SAMPLES, 1, 7);
    assert.deepEqual(Array.from(view.data), Array.from(batch, (v) => Math.round(255 * v)));
    assert.notDeepEqual(Array.from(view.data), Array.from((data(20).images as Float32Array).subarray(0, batch.length), (v) => Math.round(255 * v)), 'augmented, not the originals');
    assert.deepEqual((await augmentedSamples(data(3), aug, 7))!.shape, [3, 6, 5, 3], 'fewer when the data has fewer');
  });

  it('are not sent without augmentation, or with one that changes nothing', async () => {
    assert.equal(await augmentedSamples(data(4), undefined, 1), undefined);
    assert.equal(await augmentedSamples(data(4), { shift: 0.01, rotation: 0 }, 1), undefined);
  });

  it('the run record keeps them for the handshake, and a new run forgets them', async () => {
    const record = new RunRecord('m');
    const samples = (await augmentedSamples(data(4), { horizontalFlip: true }, 1))!;
    record.apply({ type: 'augmentedSamples', samples });
    assert.equal(record.augmented, samples);
    const init = trainingHandshake({ protocolVersion: TRAINING_PROTOCOL_VERSION }, record.snapshot(), undefined, record.augmented);
    assert.ok(init.type === 'init' && init.augmented === samples);
    record.reset('{}');
    assert.equal(record.augmented, undefined);
    const bare = trainingHandshake({ protocolVersion: TRAINING_PROTOCOL_VERSION }, record.snapshot());
    assert.ok(bare.type === 'init' && !('augmented' in bare));
  });
});
