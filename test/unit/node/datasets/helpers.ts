// Fixtures shared by the data tests: real PNG/JPEG/IDX bytes made with the same libraries users' files come from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** PNG of `channels` (1 gray, 3 RGB, 4 RGBA) from raw bytes. */
export function png(width: number, height: number, channels: 1 | 3 | 4, data: ArrayLike<number>): Buffer {
  const img = new PNG({ width, height });
  img.data = Buffer.from(Uint8Array.from(data));
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  return PNG.sync.write(img, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4 });
}

export function solidJpeg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ width, height, data }, 95).data;
}

/** An unsigned-byte IDX file. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

export const close = (a: number, b: number, tol = 1e-5): void => {
  if (!(Math.abs(a - b) <= tol)) throw new Error(`${a} is not within ${tol} of ${b}`);
};

/** A photo-like image: smooth gradients, a texture of several frequencies and sharp edges, deterministic. */
export function photo(width: number, height: number): Buffer {
  const data: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = 40 * Math.sin(x / 7) * Math.cos(y / 5) + 25 * Math.sin((x + 2 * y) / 2.3);
      const edge = (x - width / 3) ** 2 + (y - height / 2) ** 2 < (height / 4) ** 2 ? 60 : 0;
      data.push(clamp(60 + (150 * x) / width + t + edge), clamp(200 - (120 * y) / height + t), clamp(90 + edge * 2 - t));
    }
  }
  return png(width, height, 3, data);
}
const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** Mean |a − b| over the pixels both cover, b shifted by (dy, dx); samples are NHWC of `shape`. */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>, [h, w, c]: readonly [number, number, number], dy: number, dx: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
    for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
      for (let k = 0; k < c; k++) sum += Math.abs(a[(y * w + x) * c + k]! - b[((y + dy) * w + x + dx) * c + k]!);
      n += c;
    }
  }
  return sum / n;
}

/** An image folder with `perClass` 6×6 gray PNGs per class: class k is bright in band k. */
export function writeBars(dir: string, classes: readonly string[], perClass: number): void {
  classes.forEach((name, k) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Array.from({ length: 36 }, (_, p) => (Math.floor(p / 12) === k ? 200 : 20) + ((i * 7 + p) % 13));
      writeFileSync(join(dir, name, `${i}.png`), png(6, 6, 1, px));
    }
  });
}
