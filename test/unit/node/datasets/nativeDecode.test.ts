// The native decoder on the images cameras and tools really write: EXIF orientation, CMYK JPEGs, 16-bit and palette
// PNGs, gray with alpha, WebP; decompression bombs and corrupt files skipped with the file named. The fixtures are
// written by libvips (sharp) and pngjs; the expected pixels come from the raw data they were made from.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { crc32 } from '../../../../src/node/datasets/cache/crc32';
import { PNG } from 'pngjs';
import { loadImageFolder } from '../../../../src/node/datasets/imageFolder';
import { nativeDecoder } from '../../../../src/node/datasets/nativeDecoder';

/** 4 wide × 2 high RGB: left half red, right half blue, so a rotation shows where the halves went. */
const W = 4;
const H = 2;
function halves(): Buffer {
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) raw.set(x < W / 2 ? [255, 0, 0] : [0, 0, 255], (y * W + x) * 3);
  return raw;
}
/** A PNG chunk with its CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}
/** A decompression bomb's header: a valid PNG start claiming width × height RGB pixels, then a little data. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = deflateSync(Buffer.alloc((1 + width * 3) * 4));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}
const fromRaw = (raw: Buffer, w: number, h: number, c: 1 | 3 | 4): ReturnType<typeof sharp> => sharp(raw, { raw: { width: w, height: h, channels: c } });

describe('data/nativeDecoder (sharp)', function () {
  this.timeout(30000);
  let root: string;
  before(function () {
    if (!nativeDecoder().decoder) this.skip(); // the JavaScript fallback is tested by imageFolder.test.ts
    root = mkdtempSync(join(tmpdir(), 'cnn-native-'));
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  async function folder(files: Record<string, Buffer>): Promise<string> {
    const dir = mkdtempSync(join(root, 'f-'));
    for (const [rel, bytes] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), bytes);
    }
    return dir;
  }

  it('applies EXIF orientation 6 (rotate 90° clockwise): the left (red) half ends on top', async () => {
    // PNG keeps the pixels exactly; orientation lives in its EXIF chunk.
    const bytes = await fromRaw(halves(), W, H, 3).withMetadata({ orientation: 6 }).png().toBuffer();
    assert.equal((await sharp(bytes).metadata()).orientation, 6);
    const ds = await loadImageFolder(await folder({ 'a/x.png': bytes }), [W, H, 3]); // rotated: 2 wide × 4 high
    const px = (x: number, y: number): number[] => [...ds.images.subarray((y * H + x) * 3, (y * H + x) * 3 + 3)];
    for (let x = 0; x < H; x++) {
      assert.deepEqual(px(x, 0), [255, 0, 0]);
      assert.deepEqual(px(x, 3), [0, 0, 255]);
    }
  });

  it('16-bit RGB PNG, palette PNG and WebP all give the same colours as sRGB bytes', async () => {
    const solid = (rgb: number[], n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rgb).flat());
    const orange = [230, 120, 30];
    const sixteen = new PNG({ width: 4, height: 4, bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    const deep = Buffer.alloc(4 * 4 * 3 * 2);
    for (let i = 0; i < 16 * 3; i++) deep.writeUInt16BE(orange[i % 3] * 257, i * 2);
    sixteen.data = deep;
    const dir = await folder({
      'a/deep.png': PNG.sync.write(sixteen, { bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false }),
      'a/palette.png': await fromRaw(solid(orange, 64), 8, 8, 3).png({ palette: true, colours: 4, dither: 0 }).toBuffer(),
      'a/webp.webp': await fromRaw(solid(orange, 64), 8, 8, 3).webp({ lossless: true }).toBuffer(),
    });
    const ds = await loadImageFolder(dir, [4, 4, 3], { name: 'mixed' });
    assert.deepEqual(ds.warnings, []);
    const files = ds.files.map((f) => f.slice(dir.length + 1));
    const at = (name: string): Uint8Array => {
      const i = files.indexOf(name);
      assert.ok(i >= 0, `${name} in ${files.join(', ')}`);
      return ds.images.subarray(i * 48, (i + 1) * 48);
    };
    const near = (got: Uint8Array, rgb: number[], tol: number, what: string): void => {
      for (let p = 0; p < 16; p++) for (let c = 0; c < 3; c++) assert.ok(Math.abs(got[p * 3 + c] - rgb[c]) <= tol, `${what}: pixel ${p} channel ${c} is ${got[p * 3 + c]}, expected ${rgb[c]}±${tol}`);
    };
    near(at('a/deep.png'), orange, 0, '16-bit PNG');
    near(at('a/palette.png'), orange, 0, 'palette PNG');
    near(at('a/webp.webp'), orange, 0, 'lossless WebP');
  });

  it('a CMYK JPEG is converted to sRGB, not read as RGBA: no ink is white, black ink is dark', async () => {
    const cmyk = Buffer.alloc(W * H * 4);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) cmyk.set([0, 0, 0, x < W / 2 ? 0 : 255], (y * W + x) * 4);
    const bytes = await sharp(cmyk, { raw: { width: W, height: H, channels: 4 } }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    assert.equal((await sharp(bytes).metadata()).space, 'cmyk');
    const ds = await loadImageFolder(await folder({ 'a/cmyk.jpg': bytes }), [H, W, 3]);
    for (let x = 0; x < W; x++) {
      const px = [...ds.images.subarray(x * 3, x * 3 + 3)];
      assert.ok(x < W / 2 ? px.every((v) => v >= 240) : px.every((v) => v <= 70), `pixel ${x}: ${px.join(', ')}`);
    }
  });

  it('gray with alpha: composited on black, gray replicated to RGB', async () => {
    const grayAlpha = new PNG({ width: 4, height: 4, colorType: 4, inputColorType: 4, inputHasAlpha: true });
    const raw = Buffer.alloc(4 * 4 * 2);
    for (let p = 0; p < 16; p++) raw.set([200, p < 8 ? 0 : 255], p * 2);
    grayAlpha.data = raw;
    const bytes = PNG.sync.write(grayAlpha, { colorType: 4, inputColorType: 4, inputHasAlpha: true });
    assert.equal((await sharp(bytes).metadata()).channels, 2);
    const ds = await loadImageFolder(await folder({ 'a/ga.png': bytes }), [4, 4, 3]);
    for (let p = 0; p < 16; p++) assert.deepEqual([...ds.images.subarray(p * 3, p * 3 + 3)], p < 8 ? [0, 0, 0] : [200, 200, 200]);
  });

  it('a decompression bomb and corrupt files are skipped with a warning naming each; the rest loads', async () => {
    // A PNG that says 30000 × 30000 pixels (900 megapixels, over the 40-megapixel limit) in a few hundred bytes.
    const bomb = bombPng(30000, 30000);
    const good = await fromRaw(halves(), W, H, 3).jpeg().toBuffer();
    const dir = await folder({ 'a/bomb.png': bomb, 'a/good.jpg': good, 'a/cut.jpg': good.subarray(0, good.length >> 1), 'b/bad.webp': Buffer.from('RIFF\u0010\u0000\u0000\u0000WEBPVP8 garbage') });
    const ds = await loadImageFolder(dir, [2, 2, 3], { name: 'risky' });
    assert.equal(ds.count, 1);
    const warning = ds.warnings.find((w) => w.startsWith('skipped 3 unreadable files in risky:'));
    assert.ok(warning, ds.warnings.join('\n'));
    assert.match(warning, /a\/bomb\.png \(PNG too large: more than 40 megapixels \(a decompression bomb\?\)\)/);
    assert.match(warning, /a\/cut\.jpg \(invalid JPEG: /);
    assert.match(warning, /b\/bad\.webp \(invalid WebP: /);
  });
});
