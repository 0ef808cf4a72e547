import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeImage, ImageSkip } from '../../../../src/node/datasets/decode';
import { convertChannels, resizeImage, rgbaToChannels } from '../../../../src/node/datasets/pixels';
import { close, png, solidJpeg } from './helpers';

describe('data/pixels', () => {
  it('bilinear upscaling with half-pixel centres', () => {
    const out = resizeImage(Float32Array.of(0, 1), 1, 2, 1, 1, 4);
    [0, 0.25, 0.75, 1].forEach((v, i) => close(out[i], v));
  });

  it('area averaging when shrinking, also by a non-integer factor', () => {
    const out = resizeImage(Float32Array.of(0, 3, 6, 9, 12, 15), 1, 6, 1, 1, 4); // 1.5 source pixels each
    [1, 5, 10, 14].forEach((v, i) => close(out[i], v));
  });

  it('keeps constant images constant for any sizes and channels (weights sum to 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }), fc.constantFrom(1, 3), (sh, sw, dh, dw, c) => {
          const src = new Float32Array(sh * sw * c).fill(0.6);
          const out = resizeImage(src, sh, sw, c, dh, dw);
          assert.equal(out.length, dh * dw * c);
          for (const v of out) close(v, 0.6);
        }),
      { seed: 3, numRuns: 200 },
    );
  });

  it('shrinking by an integer factor preserves the mean', () => {
    const src = Float32Array.from({ length: 12 * 9 }, (_, i) => (i * 7919) % 13 / 13);
    const out = resizeImage(src, 12, 9, 1, 4, 3);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    close(mean(out), mean(src));
  });

  it('converts RGBA to luminance/RGB with alpha on black, and gray to RGB', () => {
    const rgba = Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 255, 10, 20, 30, 0);
    const gray = rgbaToChannels(rgba, 3, 1);
    close(gray[0], 0.299);
    close(gray[1], 0.587);
    close(gray[2], 0);
    const rgb = rgbaToChannels(rgba, 3, 3);
    assert.deepEqual([...rgb], [1, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual([...convertChannels(Float32Array.of(0.5, 1), 2, 1, 3)], [0.5, 0.5, 0.5, 1, 1, 1]);
    assert.throws(() => rgbaToChannels(rgba, 3, 2), /1 \(gray\), 3 \(RGB\) or 4 \(RGBA\) channels; the model input has 2/);
  });

  it('refuses a PNG whose header claims a huge size before decoding it', () => {
    const bytes = Buffer.from(png(2, 2, 1, [1, 2, 3, 4]));
    bytes.writeUInt32BE(100000, 16);
    bytes.writeUInt32BE(100000, 20);
    assert.throws(() => decodeImage(bytes, 'x.png'), (e: ImageSkip) => e.kind === 'unreadable' && /too large \(100000×100000\)/.test(e.message));
  });

  it('never crashes on mutated PNG/JPEG bytes: decodes or throws ImageSkip', () => {
    const files = [png(5, 3, 3, Array.from({ length: 45 }, (_, i) => i * 5)), solidJpeg(9, 7, [10, 200, 30])];
    fc.assert(
      fc.property(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (which, cutAt, edits) => {
          const src = files[which];
          const bytes = Buffer.from(src.subarray(0, Math.round(cutAt * src.length)));
          for (const [at, v] of edits) if (bytes.length > 0) bytes[Math.floor(at * bytes.length) % bytes.length] = v;
          try {
            const img = decodeImage(bytes, which === 0 ? 'a.png' : 'a.jpg');
            assert.equal(img.data.length, img.width * img.height * 4);
          } catch (e) {
            assert.ok(e instanceof ImageSkip, String(e));
          }
        }),
      { seed: 11, numRuns: 300 },
    );
  });
});
