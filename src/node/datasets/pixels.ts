// Pixel conversions shared by every loader: RGBA bytes → model channels, and resizing to the model input size.

/** Channel counts the loaders can produce from PNG/JPEG/IDX pixels. */
export function checkChannels(channels: number): void {
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`image data can fill 1 (gray), 3 (RGB) or 4 (RGBA) channels; the model input has ${channels}`);
  }
}

/**
 * RGBA bytes (as pngjs and jpeg-js produce them) → Float32 in [0, 1] with `channels` values per pixel.
 * 1 → luminance (ITU-R BT.601, like PIL's "L"); 3 → RGB; alpha is composited on black so a transparent
 * background reads as 0, matching MNIST-style white-on-black digits. 4 keeps RGBA as is.
 */
export function rgbaToChannels(rgba: Uint8Array, pixels: number, channels: number): Float32Array {
  checkChannels(channels);
  const out = new Float32Array(pixels * channels);
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    if (channels === 4) {
      for (let k = 0; k < 4; k++) out[p * 4 + k] = rgba[i + k] / 255;
      continue;
    }
    const a = rgba[i + 3] / 255;
    const r = (rgba[i] / 255) * a;
    const g = (rgba[i + 1] / 255) * a;
    const b = (rgba[i + 2] / 255) * a;
    if (channels === 1) {
      out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}

/** Gray or RGB(A) float pixels → another channel count (used for IDX files, which are gray). */
export function convertChannels(src: Float32Array, pixels: number, from: number, to: number): Float32Array {
  if (from === to) return src;
  checkChannels(to);
  if (from !== 1) throw new Error(`cannot convert ${from}-channel pixels to ${to} channels`);
  const out = new Float32Array(pixels * to);
  for (let p = 0; p < pixels; p++) {
    const v = src[p];
    for (let k = 0; k < to; k++) out[p * to + k] = k === 3 ? 1 : v;
  }
  return out;
}

/** For each output index along one axis: the first source index and its weights. */
interface AxisWeights {
  readonly start: Int32Array;
  readonly weights: Float32Array[];
}

/**
 * Area averaging when shrinking (each output pixel averages exactly the source area it covers, so thin
 * strokes don't vanish) and bilinear with half-pixel centres when enlarging (as PIL and TF do). Only the
 * outputs from..from + count - 1 of the dstLen a full resize has.
 */
function axisWeights(srcLen: number, dstLen: number, from = 0, count = dstLen): AxisWeights {
  const start = new Int32Array(count);
  const weights: Float32Array[] = [];
  const scale = srcLen / dstLen;
  for (let k = 0; k < count; k++) {
    const o = from + k;
    if (scale > 1) {
      const lo = o * scale;
      const hi = Math.min((o + 1) * scale, srcLen);
      const first = Math.floor(lo);
      const last = Math.min(Math.ceil(hi) - 1, srcLen - 1);
      const w = new Float32Array(last - first + 1);
      for (let i = first; i <= last; i++) w[i - first] = (Math.min(hi, i + 1) - Math.max(lo, i)) / scale;
      start[k] = first;
      weights.push(w);
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), srcLen - 1);
      const i0 = Math.floor(x);
      const f = x - i0;
      start[k] = i0;
      weights.push(i0 + 1 < srcLen ? Float32Array.of(1 - f, f) : Float32Array.of(1));
    }
  }
  return { start, weights };
}

/** Resize an HWC float image; separable, so one axis may shrink while the other grows. */
export function resizeImage(
  src: Float32Array,
  srcH: number,
  srcW: number,
  channels: number,
  dstH: number,
  dstW: number,
): Float32Array {
  if (srcH === dstH && srcW === dstW) return src;
  return resizeWindow(src, srcH, srcW, channels, { height: dstH, width: dstW, top: 0, left: 0, rows: dstH, cols: dstW });
}

/** Rows top..top + rows - 1 and columns left..left + cols - 1 of an image resized to height × width. */
export interface ResizeWindow {
  readonly height: number;
  readonly width: number;
  readonly top: number;
  readonly left: number;
  readonly rows: number;
  readonly cols: number;
}

/** Part of a resize (resizeImage's pixels exactly), computing only that part: a centre crop of a very wide
 *  image never makes the whole enlarged image. */
export function resizeWindow(src: Float32Array, srcH: number, srcW: number, channels: number, win: ResizeWindow): Float32Array {
  const dstW = win.cols;
  const dstH = win.rows;
  const xs = axisWeights(srcW, win.width, win.left, dstW);
  const ys = axisWeights(srcH, win.height, win.top, dstH);
  // Only the source rows the window reads go through the horizontal pass.
  const firstRow = dstH > 0 ? ys.start[0] : 0;
  const lastRow = dstH > 0 ? ys.start[dstH - 1] + ys.weights[dstH - 1].length - 1 : -1;
  const tmpRows = lastRow - firstRow + 1;
  // Horizontal pass: tmpRows × dstW.
  const tmp = new Float32Array(Math.max(0, tmpRows) * dstW * channels);
  for (let y = 0; y < tmpRows; y++) {
    const row = (firstRow + y) * srcW * channels;
    for (let x = 0; x < dstW; x++) {
      const w = xs.weights[x];
      const s0 = xs.start[x];
      const o = (y * dstW + x) * channels;
      for (let k = 0; k < w.length; k++) {
        const s = row + (s0 + k) * channels;
        for (let c = 0; c < channels; c++) tmp[o + c] += w[k] * src[s + c];
      }
    }
  }
  // Vertical pass: dstH × dstW.
  const out = new Float32Array(dstH * dstW * channels);
  const rowLen = dstW * channels;
  for (let y = 0; y < dstH; y++) {
    const w = ys.weights[y];
    const s0 = ys.start[y] - firstRow;
    const o = y * rowLen;
    for (let k = 0; k < w.length; k++) {
      const s = (s0 + k) * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] += w[k] * tmp[s + i];
    }
  }
  return out;
}

/** RGBA bytes → `channels` bytes per pixel, with rgbaToChannels' rules (alpha over black, BT.601 luminance), rounded. */
export function rgbaToSample(rgba: Uint8Array, pixels: number, channels: number): Uint8Array {
  checkChannels(channels);
  if (channels === 4) return rgba.slice(0, pixels * 4);
  const out = new Uint8Array(pixels * channels);
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    const a = rgba[i + 3] / 255;
    if (channels === 1) {
      out[p] = Math.round((0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) * a);
    } else {
      const o = p * 3;
      out[o] = Math.round(rgba[i] * a);
      out[o + 1] = Math.round(rgba[i + 1] * a);
      out[o + 2] = Math.round(rgba[i + 2] * a);
    }
  }
  return out;
}

/** Float pixels in [0, 1] → bytes (the JavaScript decoders' output into the uint8 sample cache). */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}
