// Image folders bigger than the data's memory budget stream from the dataset cache: the same samples, byte for
// byte, as an in-memory load, on the first (decoding) run and on a cached one; a dataset cache that cannot serve
// them is a clear error before any decoding; a training run on streamed data equals one on in-memory data.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchReader } from '../../../../src/engine/batches';
import { readSampleBytes, type Dataset } from '../../../../src/engine/dataset';
import { PackSampleStore } from '../../../../src/node/datasets/cache/packStore';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';
import { loadDataSource, splitDataset } from '../../../../src/node/datasets/load';
import { createRng } from '../../../../src/engine/rng';
import { prepareSession, runSession } from '../../../../src/node/runtime/trainingSession';
import type { Model } from '../../../../src/model/types';
import { png, solidJpeg } from './helpers';

const SHAPE = [6, 6, 3] as const;
const SIZE = 6 * 6 * 3;

async function allBytes(ds: Dataset): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ds.count; i++) out.push(...(await readSampleBytes(ds, i)));
  return out;
}

describe('data/streaming from the dataset cache', function () {
  this.timeout(30_000);
  let root: string;
  let data: string;
  let cacheDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cnn-stream-'));
    data = join(root, 'pets');
    cacheDir = join(root, 'cache');
    mkdirSync(join(data, 'cat'), { recursive: true });
    mkdirSync(join(data, 'dog'));
    for (let i = 0; i < 5; i++) writeFileSync(join(data, 'cat', `${i}.png`), png(12, 9, 3, Array.from({ length: 12 * 9 * 3 }, (_, k) => (k * (i + 3)) % 256)));
    for (let i = 0; i < 4; i++) writeFileSync(join(data, 'dog', `${i}.jpg`), solidJpeg(10, 14, [40 * i, 200 - 30 * i, 90]));
    writeFileSync(join(data, 'dog', 'broken.png'), png(4, 4, 3, new Array(48).fill(7)).subarray(0, 30));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('streams the same samples as an in-memory load, decoding and then from the cache, and reports skips alike', async () => {
    const inMemory = await loadImageFolder(data, SHAPE, { name: 'pets' });
    const budget = 4 * SIZE; // 9 readable images do not fit
    const first = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, memoryBudget: budget });
    assert.ok(first.images instanceof PackSampleStore, 'streamed');
    assert.equal(first.count, 9);
    assert.deepEqual(await allBytes(first), [...inMemory.images]);
    assert.deepEqual([...first.labels], [...inMemory.labels]);
    assert.deepEqual(first.files, inMemory.files);
    assert.deepEqual(first.warnings, inMemory.warnings);
    const second = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, memoryBudget: budget });
    assert.equal(second.prepared.cached, 10, 'all from the cache (the broken file remembered as skipped)');
    assert.ok(second.images instanceof PackSampleStore);
    assert.deepEqual(await allBytes(second), [...inMemory.images]);
    // Within the budget (it counts every file: which ones are readable is known only after decoding) it stays in memory.
    const fits = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, memoryBudget: 10 * SIZE });
    assert.ok(fits.images instanceof Uint8Array);
    await first.images.close();
    await second.images.close();
  });

  it('a limited load streams too, and a validation split views the stream', async () => {
    const ds = await loadDataSource('pets', root, SHAPE, { cacheDir, memoryBudget: 1, limit: 6 });
    assert.match(ds.description, /^pets: 6 images, 2 classes, 6×6×3 \(streamed from the dataset cache\)$/);
    const reference = await loadDataSource('pets', root, SHAPE, { cacheDir: false, limit: 6 });
    assert.deepEqual(await allBytes(ds), await allBytes(reference));
    const a = splitDataset(ds, 0.5, createRng(4));
    const b = splitDataset(reference, 0.5, createRng(4));
    assert.deepEqual(await allBytes(a.validation), await allBytes(b.validation));
    assert.deepEqual(await allBytes(a.train), await allBytes(b.train));
  });

  it('refuses, before decoding, images beyond the budget when the dataset cache is off', async () => {
    await assert.rejects(
      loadImageFolder(data, SHAPE, { name: 'pets', memoryBudget: 1000, budgetSetting: '--data-memory' }),
      /^Error: pets: 10 images at 6×6×3 need 1\.1 KiB, more than the 1000 B of memory allowed for data \(--data-memory\); they would stream from the dataset cache, which is off$/,
    );
    const blocker = join(root, 'not-a-folder');
    writeFileSync(blocker, 'x');
    await assert.rejects(loadImageFolder(data, SHAPE, { name: 'pets', cacheDir: join(blocker, 'cache'), memoryBudget: 1000 }), /which is off \(cannot use the dataset cache .*\)$/);
  });

  it('a cache file changed under a run is an error naming the file, never wrong pixels', async () => {
    const ds = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, memoryBudget: 1 });
    assert.ok(ds.images instanceof PackSampleStore);
    const file = join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.cache'))!);
    // Rewrite the file in place (same inode) with other bytes after its header.
    const { openSync, writeSync, closeSync, statSync } = await import('node:fs');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(statSync(file).size - 400, 1), 0, statSync(file).size - 400, 400);
    closeSync(fd);
    await assert.rejects(readSampleBytes(ds, 8), /changed on disk while training read it \(the sample of .*pets\/dog\/3\.jpg fails its checksum\); train again/);
    await ds.images.close();
  });

  it('the batch reader prefetches the next batch of a store and fills the same floats as from memory', async () => {
    const streamed = await loadImageFolder(data, SHAPE, { name: 'pets', cacheDir, memoryBudget: 1 });
    const inMemory = await loadImageFolder(data, SHAPE, { name: 'pets' });
    const order = Int32Array.from([8, 3, 0, 5, 1, 7, 2, 6, 4]);
    const a = new BatchReader(streamed, 4);
    const b = new BatchReader(inMemory, 4);
    for (let from = 0; from < 9; from += 4) {
      const n = Math.min(4, 9 - from);
      await a.fill(order, from, n, { from: from + 4, n: Math.min(4, 9 - from - 4) });
      await b.fill(order, from, n);
      assert.deepEqual([...a.images.subarray(0, n * SIZE)], [...b.images.subarray(0, n * SIZE)]);
      assert.deepEqual([...a.labels.subarray(0, n)], [...b.labels.subarray(0, n)]);
    }
    // Out of the announced order (a prefetch not collected): still the right samples.
    await a.fill(order, 0, 4, { from: 4, n: 4 });
    await a.fill(undefined, 2, 3);
    await b.fill(undefined, 2, 3);
    assert.deepEqual([...a.images.subarray(0, 3 * SIZE)], [...b.images.subarray(0, 3 * SIZE)]);
    if (streamed.images instanceof PackSampleStore) await streamed.images.close();
  });

  it('training on streamed data gives exactly the run on in-memory data', async () => {
    const model: Model = {
      format: 'cnn-studio/model@1',
      name: 'tiny',
      input: { shape: [6, 6, 3] },
      layers: [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
      training: { data: { train: 'pets', test: 'pets' }, batchSize: 4, epochs: 2, seed: 5, validationSplit: 0.3, augmentation: { shift: 0.2, horizontalFlip: true } },
    };
    const modelPath = join(root, 'tiny.cnn.json');
    writeFileSync(modelPath, JSON.stringify(model));
    const previous = process.env.CNN_STUDIO_CACHE_DIR;
    process.env.CNN_STUDIO_CACHE_DIR = cacheDir;
    try {
      const run = async (dataMemoryBytes: number) => {
        const s = await prepareSession({ modelPath, model, dataMemoryBytes });
        const r = await runSession(s);
        return { streamed: !(s.all.images instanceof Uint8Array), history: r.history, weights: s.network.params.map((p) => [...p.value]) };
      };
      const memory = await run(1 << 20);
      const streamed = await run(1);
      assert.equal(memory.streamed, false);
      assert.equal(streamed.streamed, true);
      const strip = (h: typeof memory.history) => h.map(({ seconds: _s, ...m }) => m);
      assert.deepEqual(strip(streamed.history), strip(memory.history));
      assert.deepEqual(streamed.weights, memory.weights);
    } finally {
      if (previous === undefined) delete process.env.CNN_STUDIO_CACHE_DIR;
      else process.env.CNN_STUDIO_CACHE_DIR = previous;
    }
  });
});
