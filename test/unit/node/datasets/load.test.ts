import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSampleBytes, readSampleFloats, type Dataset } from '../../../../src/engine/dataset';
import { createRng } from '../../../../src/engine/rng';
import { loadDataSource, loadImageFile, splitDataset, subset } from '../../../../src/node/datasets/load';
import { bundledMnistDir, mnistSource } from '../../../../src/node/datasets/mnist';
import { close, png } from './helpers';

const repo = resolve(__dirname, '../../../..');

function toy(count: number): Dataset {
  return {
    images: Float32Array.from({ length: count * 2 }, (_, i) => i),
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
    count,
    shape: [1, 2, 1],
    classes: ['a', 'b', 'c'],
    files: Array.from({ length: count }, (_, i) => `f${i}`),
  };
}

describe('data/load', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cnn-load-'));
    mkdirSync(join(tmp, 'digits', '0'), { recursive: true });
    mkdirSync(join(tmp, 'digits', '1'));
    writeFileSync(join(tmp, 'digits', '0', 'a.png'), png(2, 2, 1, [0, 0, 0, 0]));
    writeFileSync(join(tmp, 'digits', '1', 'b.png'), png(2, 2, 1, [255, 255, 255, 255]));
    writeFileSync(join(tmp, 'digits', '1', 'c.txt'), 'x');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('loads the bundled gzipped MNIST subset by paths relative to the model folder', async () => {
    const ds = await loadDataSource(
      { images: 'media/mnist/train-images-idx3-ubyte.gz', labels: 'media/mnist/train-labels-idx1-ubyte.gz' },
      repo, [28, 28, 1], { limit: 200 },
    );
    assert.equal(ds.count, 200);
    assert.deepEqual(ds.shape, [28, 28, 1]);
    assert.equal(ds.labels[0], 5);
    assert.equal(ds.classes.length, 10);
    assert.deepEqual(ds.warnings, []);
    assert.equal(ds.description, 'media/mnist/train-images-idx3-ubyte.gz: 200 images, 10 classes, 28×28×1');
    const full = await loadDataSource(mnistSource(bundledMnistDir(repo), 'test'), '/', [28, 28, 1]);
    assert.equal(full.count, 2000);
    const perClass = new Array<number>(10).fill(0);
    for (const l of full.labels) perClass[l]++;
    assert.deepEqual(perClass, new Array(10).fill(200), 'the subset is balanced');
  });

  it('resizes IDX images and replicates gray to the model channels', async () => {
    const src = mnistSource(bundledMnistDir(repo), 'train');
    const small = await loadDataSource(src, repo, [28, 28, 1], { limit: 3 });
    const big = await loadDataSource(src, repo, [14, 14, 3], { limit: 3 });
    assert.deepEqual(big.shape, [14, 14, 3]);
    assert.ok(small.images instanceof Float32Array && big.images instanceof Float32Array);
    assert.equal(big.images.length, 3 * 14 * 14 * 3);
    assert.match(big.description, /14×14×3 \(from 28×28×1\)$/);
    // Pixel (5, 6) of sample 1 is the mean of its 2×2 block, in all three channels.
    const smallImages = small.images;
    const bigImages = big.images;
    const at = (y: number, x: number): number => smallImages[784 + y * 28 + x];
    const mean = (at(10, 12) + at(10, 13) + at(11, 12) + at(11, 13)) / 4;
    const o = 14 * 14 * 3 + (5 * 14 + 6) * 3;
    for (let k = 0; k < 3; k++) close(bigImages[o + k], mean);
  });

  it('loads a folder source with its warnings, and names missing data clearly', async () => {
    const ds = await loadDataSource('digits', tmp, [2, 2, 1]);
    assert.deepEqual([...ds.labels], [0, 1]);
    assert.deepEqual(ds.classes, ['0', '1']);
    assert.equal(ds.description, 'digits: 2 images, 2 classes, 2×2×1');
    assert.deepEqual(ds.warnings, ['skipped 1 non-image file in digits: 1/c.txt']);
    await assert.rejects(loadDataSource('nope/train', tmp, [2, 2, 1]), /data folder not found: nope\/train/);
    await assert.rejects(loadDataSource({ images: 'x-images', labels: 'x-labels' }, tmp, [2, 2, 1]), /x-(images|labels): no such file$/);
  });

  it('loadImageFile gives one model input, or an Error naming the file', async () => {
    const one = await loadImageFile(join(tmp, 'digits', '1', 'b.png'), [3, 3, 3]);
    assert.equal(one.length, 27);
    for (const v of one) close(v, 1);
    const bad = join(tmp, 'digits', '1', 'c.txt');
    await assert.rejects(loadImageFile(bad, [3, 3, 1]), (e: Error) => e.message.startsWith(bad) && /not a PNG, JPEG or WebP/.test(e.message));
  });

  it('subset copies float samples, labels and files in the given order', () => {
    const s = subset(toy(5), [4, 0]);
    assert.equal(s.count, 2);
    assert.ok(s.images instanceof Float32Array);
    assert.deepEqual([...s.images], [8, 9, 0, 1]);
    assert.deepEqual([...s.labels], [1, 0]);
    assert.deepEqual(s.files, ['f4', 'f0']);
    assert.throws(() => subset(toy(5), [5]), /out of range/);
  });

  it('subset views bytes and stores through the indices, without copying them', async () => {
    const bytes: Dataset = { ...toy(5), images: Uint8Array.from({ length: 10 }, (_, i) => 10 * i) };
    const view = subset(bytes, [4, 0, 2]);
    assert.ok(!(view.images instanceof Uint8Array), 'a view, not a copy');
    assert.deepEqual([...(await readSampleBytes(view, 0))], [80, 90]);
    assert.deepEqual([...(await readSampleBytes(view, 2))], [40, 50]);
    // A view of a view (a validation split of a split) reads the original rows.
    const inner = subset(view, [2, 1]);
    assert.deepEqual([...inner.labels], [2 % 3, 0]);
    assert.deepEqual([...(await readSampleFloats(inner, 0))].map((v) => Math.round(v * 255)), [40, 50]);
    assert.deepEqual([...(await readSampleBytes(inner, 1))], [0, 10]);
    await assert.rejects(readSampleBytes(view, 3), /out of range/);
  });

  it('splitDataset is a seeded partition', () => {
    const ds = toy(20);
    const a = splitDataset(ds, 0.25, createRng(1));
    const b = splitDataset(ds, 0.25, createRng(1));
    const c = splitDataset(ds, 0.25, createRng(2));
    assert.equal(a.validation.count, 5);
    assert.equal(a.train.count, 15);
    assert.deepEqual(a.validation.files, b.validation.files);
    assert.notDeepEqual(a.validation.files, c.validation.files);
    assert.deepEqual([...a.train.files!, ...a.validation.files!].sort(), [...ds.files!].sort());
    assert.equal(splitDataset(toy(3), 0.01, createRng(1)).validation.count, 1, 'a requested split holds out at least one');
    assert.equal(splitDataset(ds, 0, createRng(1)).validation.count, 0);
    assert.throws(() => splitDataset(ds, 1, createRng(1)), /\[0, 1\)/);
  });
});
