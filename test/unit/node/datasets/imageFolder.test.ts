import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';
import { close, png, solidJpeg } from './helpers';

const lum = (r: number, g: number, b: number): number => (0.299 * r + 0.587 * g + 0.114 * b) / 255;

describe('data/imageFolder', () => {
  let root: string;
  const gray8 = Array.from({ length: 64 }, (_, i) => i * 3); // 8×8 gray ramp
  const rgb4 = Array.from({ length: 48 }, (_, i) => (i * 37) % 256); // 4×4 RGB
  const rgba4 = Array.from({ length: 64 }, (_, i) => (i % 4 === 3 ? (i < 32 ? 0 : 255) : 200)); // top half transparent

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cnn-folder-'));
    const put = (rel: string, bytes: Buffer | string): void => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), bytes);
    };
    put('cat/a.png', png(8, 8, 1, gray8));
    put('cat/b.jpg', solidJpeg(16, 12, [200, 100, 50]));
    put('cat/notes.txt', 'not an image');
    put('dog/c.png', png(4, 4, 3, rgb4));
    put('dog/d.png', png(4, 4, 4, rgba4));
    put('dog/sub/e.PNG', png(2, 2, 1, [0, 255, 255, 0]));
    put('dog/bad.png', Buffer.concat([png(4, 4, 1, new Array(16).fill(9)).subarray(0, 40), Buffer.from('garbage!')]));
    put('dog/fake.png', 'hello, I am text');
    put('dog/zz.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    put('dog/.hidden.png', 'ignored');
    put('README.md', 'loose file');
    mkdirSync(join(root, 'empty'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('loads the good images with sorted classes, labels, files and warnings', async () => {
    const ds = await loadImageFolder(root, [4, 4, 1], { name: 'pets/train' });
    assert.deepEqual(ds.classes, ['cat', 'dog', 'empty']);
    assert.equal(ds.count, 5);
    assert.deepEqual([...ds.labels], [0, 0, 1, 1, 1]);
    assert.deepEqual(ds.files.map((f) => f.slice(root.length + 1).replace(/\\/g, '/')), [
      'cat/a.png', 'cat/b.jpg', 'dog/c.png', 'dog/d.png', 'dog/sub/e.PNG',
    ]);
    assert.equal(ds.images.length, 5 * 16);
    assert.equal(ds.warnings.length, 4, ds.warnings.join('\n'));
    const [loose, unreadable, nonImage, empty] = ds.warnings;
    assert.match(loose, /ignored 1 file outside the class folders of pets\/train: README.md/);
    assert.match(unreadable, /^skipped 3 unreadable files in pets\/train: dog\/bad.png \(invalid PNG: .+\), dog\/fake.png \(invalid PNG signature\), dog\/zz.jpg \(invalid JPEG: .+\)$/);
    assert.equal(nonImage, 'skipped 1 non-image file in pets/train: cat/notes.txt');
    assert.equal(empty, '1 class folder in pets/train has no readable images: empty');
  });

  it('converts channels and resizes with the right values (bytes, as cached)', async () => {
    const ds = await loadImageFolder(root, [4, 4, 1]);
    const px = (i: number): number => ds.images[i] / 255;
    // a.png 8×8 → 4×4, an antialiased linear shrink (PIL's bilinear): on a linear ramp every pixel away from the
    // border is the mean of the 2×2 block it covers; border pixels lean towards the border (the filter clamps).
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const block = [0, 1, 8, 9].map((d) => gray8[2 * y * 8 + 2 * x + d]);
        const inner = y > 0 && y < 3 && x > 0 && x < 3;
        close(px(y * 4 + x), block.reduce((a, b) => a + b) / 4 / 255, (inner ? 1 : 5) / 255);
      }
    }
    // b.jpg: solid colour (lossy, so a small tolerance), 16×12 → 4×4.
    for (let i = 16; i < 32; i++) close(px(i), lum(200, 100, 50), 3 / 255);
    // c.png RGB → luminance, same size.
    for (let p = 0; p < 16; p++) close(px(32 + p), lum(rgb4[p * 3], rgb4[p * 3 + 1], rgb4[p * 3 + 2]), 0.5 / 255);
    // d.png: transparent top half composited on black.
    for (let p = 0; p < 16; p++) close(px(48 + p), p < 8 ? 0 : 200 / 255, 0.5 / 255);
    // e.PNG 2×2 → 4×4 bilinear with half-pixel centres: corners keep their values, the middle mixes.
    close(px(64), 0);
    close(px(67), 1);
    close(px(65), 0.25, 0.5 / 255);
    close(px(69), 0.375, 0.5 / 255);
  });

  it('produces RGB from gray and RGB sources', async () => {
    const ds = await loadImageFolder(root, [2, 2, 3]);
    const a = ds.images.subarray(0, 12);
    for (let p = 0; p < 4; p++) assert.ok(a[p * 3] === a[p * 3 + 1] && a[p * 3] === a[p * 3 + 2], 'gray → equal RGB');
    const c = ds.images.subarray(24, 36);
    for (let ch = 0; ch < 3; ch++) {
      const block = [0, 1, 4, 5].map((d) => rgb4[d * 3 + ch]);
      // 4×4 → 2×2: the linear filter reaches a pixel beyond the 2×2 block (weights 1/8, 3/8, 3/8, 1/8 per axis).
      close(c[ch] / 255, block.reduce((s, v) => s + v) / 4 / 255, 40 / 255);
    }
    const b = ds.images.subarray(12, 24);
    close(b[0] / 255, 200 / 255, 3 / 255);
    close(b[1] / 255, 100 / 255, 3 / 255);
    close(b[2] / 255, 50 / 255, 3 / 255);
  });

  it('limit takes the first N readable samples round-robin over the classes', async () => {
    // Order tried: cat/a, dog/bad (skipped), cat/b, then dog/c to make up for the skipped one.
    const ds = await loadImageFolder(root, [4, 4, 1], { limit: 3 });
    assert.deepEqual([...ds.labels], [0, 0, 1]);
    assert.deepEqual(ds.files.map((f) => f.slice(root.length + 1).replace(/\\/g, '/')), ['cat/a.png', 'cat/b.jpg', 'dog/c.png']);
    assert.ok(ds.warnings.some((w) => w.includes('unreadable file in') && w.includes('dog/bad.png')));
    const one = await loadImageFolder(root, [4, 4, 1], { limit: 1 });
    assert.equal(one.count, 1);
    // dog was never reached: only the truly empty class is reported.
    assert.deepEqual(one.warnings.filter((w) => w.includes('no readable images')), ['1 class folder in ' + root + ' has no readable images: empty']);
  });

  it('errors on a missing folder, no classes, or no images at all', async () => {
    await assert.rejects(loadImageFolder(join(root, 'nope'), [4, 4, 1], { name: 'x/nope' }), /data folder not found: x\/nope/);
    const flat = mkdtempSync(join(tmpdir(), 'cnn-flat-'));
    const hollow = mkdtempSync(join(tmpdir(), 'cnn-hollow-'));
    try {
      writeFileSync(join(flat, 'a.png'), png(2, 2, 1, [1, 2, 3, 4]));
      await assert.rejects(loadImageFolder(flat, [4, 4, 1], { name: 'flat' }), /flat has no class subfolders/);
      mkdirSync(join(hollow, 'a'));
      mkdirSync(join(hollow, 'b'));
      writeFileSync(join(hollow, 'b', 'x.txt'), 'x');
      await assert.rejects(loadImageFolder(hollow, [4, 4, 1], { name: 'hollow' }), /hollow has no readable PNG\/JPEG\/WebP images in its 2 class folders; skipped 1 non-image file/);
    } finally {
      rmSync(flat, { recursive: true, force: true });
      rmSync(hollow, { recursive: true, force: true });
    }
  });
});
