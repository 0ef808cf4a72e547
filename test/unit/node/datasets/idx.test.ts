import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readIdxFile, readIdxPair } from '../../../../src/node/datasets/idx';
import { mnistDataDir } from '../../../../src/node/datasets/mnist';
import { idxBytes } from './helpers';

describe('data/idx', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cnn-idx-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the real MNIST files: counts, 28×28, first label 5, pixels in [0, 1]', async () => {
    const dir = mnistDataDir();
    const train = await readIdxPair(join(dir, 'train-images-idx3-ubyte'), join(dir, 'train-labels-idx1-ubyte'));
    assert.equal(train.count, 60000);
    assert.deepEqual(train.shape, [28, 28, 1]);
    assert.equal(train.images.length, 60000 * 784);
    assert.equal(train.labels[0], 5);
    assert.deepEqual([...train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
    assert.deepEqual(train.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 784 * 100; i++) {
      min = Math.min(min, train.images[i]);
      max = Math.max(max, train.images[i]);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    const test = await readIdxPair(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'), { limit: 10 });
    assert.equal(test.count, 10);
    assert.equal(test.labels[0], 7);
    assert.equal(test.classes.length, 10, 'class count comes from the whole labels file, not the limited slice');
  });

  it('reads gzip detected by magic bytes, whatever the extension', async () => {
    const dir = mnistDataDir();
    const images = readFileSync(join(dir, 't10k-images-idx3-ubyte')).subarray(16, 16 + 50 * 784);
    const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte')).subarray(8, 8 + 50);
    writeFileSync(join(tmp, 'img.gz'), gzipSync(idxBytes([50, 28, 28], images)));
    writeFileSync(join(tmp, 'lab'), gzipSync(idxBytes([50], labels))); // gzip without .gz
    writeFileSync(join(tmp, 'plain-img.gz'), idxBytes([50, 28, 28], images)); // plain with .gz
    writeFileSync(join(tmp, 'plain-lab'), idxBytes([50], labels));
    const gz = await readIdxPair(join(tmp, 'img.gz'), join(tmp, 'lab'));
    const plain = await readIdxPair(join(tmp, 'plain-img.gz'), join(tmp, 'plain-lab'));
    assert.equal(gz.count, 50);
    assert.deepEqual(gz.images, plain.images);
    assert.deepEqual(gz.labels, plain.labels);
    assert.equal(gz.images[7 * 28 + 7], Math.fround(images[7 * 28 + 7] / 255));
  });

  const bad: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /empty or too short/],
    ['magic', Buffer.from('PK\x03\x04 not idx at all'), /not an IDX file \(magic 0x504b0304/],
    ['float', Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /data type 0x0d \(float\)/],
    ['dims', Buffer.from([0, 0, 8, 9, 0, 0, 0, 1]), /9 dimensions/],
    ['header', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0]), /truncated IDX header/],
    ['truncated', idxBytes([10, 28, 28], new Uint8Array(784 * 3)), /truncated: header says 10×28×28/],
    ['lying', idxBytes([0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(16)), /truncated: header says 4294967295×/],
    ['trailing', idxBytes([2], new Uint8Array(5)), /trailing bytes/],
    ['zero', idxBytes([0, 28, 28], new Uint8Array(0)), /no data/],
    ['badgzip', Buffer.concat([gzipSync(idxBytes([100], new Uint8Array(100))).subarray(0, 20)]), /corrupt or truncated gzip/],
    ['gzipTruncatedIdx', gzipSync(idxBytes([10, 2, 2], new Uint8Array(4))), /truncated: header says 10×2×2/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`rejects a ${name} file with an Error naming it`, async () => {
      const path = join(tmp, `bad-${name}-idx`);
      writeFileSync(path, bytes);
      await assert.rejects(readIdxFile(path), (e: Error) => {
        assert.ok(e.message.includes(path), e.message);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it('names a missing file and checks the images/labels pairing', async () => {
    await assert.rejects(readIdxFile(join(tmp, 'nope'), 'data/nope'), /data\/nope: no such file$/);
    writeFileSync(join(tmp, 'i3'), idxBytes([3, 2, 2], new Uint8Array(12)));
    writeFileSync(join(tmp, 'l4'), idxBytes([4], new Uint8Array(4)));
    await assert.rejects(readIdxPair(join(tmp, 'i3'), join(tmp, 'l4')), /has 3 images but .*l4 has 4 labels/);
    writeFileSync(join(tmp, 'l3'), idxBytes([3], new Uint8Array(3)));
    await assert.rejects(readIdxPair(join(tmp, 'l3'), join(tmp, 'i3')), /i3: expected a 1-D labels file, got 3-D .*swapped/);
  });

  it('never crashes on mutated or truncated files: loads or rejects with an Error naming the file', async () => {
    const good = idxBytes([4, 3, 3], Uint8Array.from({ length: 36 }, (_, i) => i * 7));
    const path = join(tmp, 'fuzzed');
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.nat(good.length),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        async (gzip, cut, edits) => {
          const bytes = Buffer.from(good.subarray(0, cut));
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
          try {
            const arr = await readIdxFile(path);
            assert.equal(arr.data.length, arr.dims.reduce((a, d) => a * d, 1));
          } catch (e) {
            assert.ok(e instanceof Error && e.message.includes(path), String(e));
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
