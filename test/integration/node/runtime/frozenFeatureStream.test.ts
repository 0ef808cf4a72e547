// Frozen features beyond the data memory budget (issue 20): computed a batch at a time straight into the data
// cache's features file and read back a batch at a time while training, to the same metrics and weights as in
// memory; a record damaged under a running training is a one-line StreamReadError, one damaged before it is said
// and computed again.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSession, runSession } from '../../../../src/node/runtime/trainingSession';
import { clearCaches } from '../../../../src/node/datasets/cache/datasetCache';
import { StreamReadError } from '../../../../src/node/datasets/cache/packStore';
import type { EpochMetrics } from '../../../../src/engine/train';
import type { Model } from '../../../../src/model/types';
import { decodeSafetensors } from '../../../../src/engine/weights';
import { writeBars } from '../../../unit/node/datasets/helpers';

const model: Model = {
  format: 'cnn-studio/model@1',
  name: 'tiny',
  input: { shape: [6, 6, 1] },
  layers: [
    { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', trainable: false },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
  training: { data: { train: 'bars', test: 'test' }, validationSplit: 0.25, optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 4, epochs: 3, seed: 3 },
};

/** 36 samples × 32 floats: 4.5 KiB, more than the 1 KiB budget. */
const BUDGET = 1024;
const IN_MEMORY = /^the layers up to flatten_1 are frozen: computing their output once per sample \(36 samples, 4\.5 KiB\); the epochs train only the layers after it \(stored in the data cache for the next runs\)$/;
const STREAM_COMPUTING = 'the layers up to flatten_1 are frozen: computing their output once per sample (36 samples, 4.5 KiB, more than the budget: streamed from the data cache); the epochs train only the layers after it';
const STREAM_STORED = 'the layers up to flatten_1 are frozen: their outputs for 36 samples come from the data cache (4.5 KiB, more than the budget: streamed from the data cache); the epochs train only the layers after it';

describe('frozen features beyond the data memory budget, streamed from the data cache', function () {
  this.timeout(60_000);
  let dir = '';
  let cacheDir = '';
  const saved = process.env.CNN_STUDIO_CACHE_DIR;
  let notes: string[] = [];
  let warnings: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-featstream-'));
    cacheDir = join(dir, 'cache');
    process.env.CNN_STUDIO_CACHE_DIR = cacheDir;
    writeBars(join(dir, 'bars'), ['top', 'middle', 'bottom'], 8);
    writeBars(join(dir, 'test'), ['top', 'middle', 'bottom'], 4);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
    else process.env.CNN_STUDIO_CACHE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const featureFiles = (): string[] => readdirSync(join(cacheDir, 'datasets')).filter((n) => n.endsWith('.features')).map((n) => join(cacheDir, 'datasets', n));
  /** One flipped byte in the last sample record's data of every features file. */
  const damage = (): void => {
    for (const f of featureFiles()) {
      const bytes = readFileSync(f);
      bytes[bytes.length - 10]! ^= 0xff;
      // Rewritten in place (same inode): what a running training has open sees it.
      writeFileSync(f, bytes);
    }
  };
  async function run(dataMemoryBytes?: number, onEpoch?: (m: EpochMetrics) => void) {
    const modelPath = join(dir, 'tiny.cnn.json');
    writeFileSync(modelPath, JSON.stringify(model));
    const p = await prepareSession({ modelPath, model, ...(dataMemoryBytes === undefined ? {} : { dataMemoryBytes }) });
    notes = [];
    warnings = [];
    const r = await runSession(p, { onFrozenFeatures: (n) => notes.push(n), onNotice: (n) => warnings.push(n), ...(onEpoch ? { onEpoch } : {}) });
    const weights = decodeSafetensors(readFileSync(join(dir, 'tiny.safetensors'))).tensors.map((t) => [t.name, Array.from(t.data)]);
    return { history: r.history.map(({ seconds: _, ...rest }) => rest), weights };
  }

  it('computes them into the cache a batch at a time and trains to the same metrics and weights as in memory; the next run reads them back', async () => {
    const inMemory = await run();
    assert.match(notes[0]!, IN_MEMORY);
    await clearCaches(join(cacheDir, 'datasets'));

    const streamed = await run(BUDGET);
    assert.deepEqual(notes, [STREAM_COMPUTING]);
    assert.deepEqual(warnings, []);
    assert.equal(featureFiles().length, 2, 'one file per source: the training folder and the test folder');
    assert.equal(streamed.history.length, 3);
    assert.ok(streamed.history.every((m) => m.valLoss !== undefined && m.testLoss !== undefined));
    assert.deepEqual(streamed.history, inMemory.history);
    assert.deepEqual(streamed.weights, inMemory.weights, 'the same weights, bit for bit');

    const again = await run(BUDGET);
    assert.deepEqual(notes, [STREAM_STORED]);
    assert.deepEqual(again.history, inMemory.history);
    assert.deepEqual(again.weights, inMemory.weights);
    // What the streamed run wrote is what an in-memory run reads back.
    const back = await run();
    assert.match(notes[0]!, /come from the data cache \(4\.5 KiB\)/);
    assert.deepEqual(back.weights, inMemory.weights);
  });

  it('a record damaged while training reads it is a one-line error; one damaged before is said and computed again', async () => {
    const first = await run(BUDGET);
    damage();
    const second = await run(BUDGET);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    for (const w of warnings) assert.match(w, /^the stored outputs of the frozen layers in .*\.features are damaged \(sample \d+ fails its checksum\): computing them again$/);
    assert.deepEqual(notes, [STREAM_COMPUTING]);
    assert.deepEqual(second.history, first.history);
    assert.deepEqual(second.weights, first.weights);

    await assert.rejects(
      run(BUDGET, (m) => {
        if (m.epoch === 1) damage();
      }),
      (e: unknown) => {
        assert.ok(e instanceof StreamReadError, String(e));
        assert.match(e.message, /^the data cache .*\.features changed on disk while training read it \(the frozen layers' outputs for sample \d+ fail their checksum\); train again to compute them again$/);
        return true;
      },
    );
    assert.deepEqual(notes, [STREAM_STORED]);
  });
});
