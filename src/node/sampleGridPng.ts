// A grid of model inputs as one PNG: each sample as the model sees it (its size, its channels; gray as gray, RGBA
// without its alpha), enlarged by a whole factor so that small inputs (28×28) are visible, on a dark background.
import { PNG } from 'pngjs';

/** A tile's longest side is at least this (by a whole factor; larger inputs stay as they are). */
export const GRID_MIN_TILE = 96;
/** Pixels between tiles and around the grid. */
export const GRID_GAP = 2;
const BACKGROUND = 48;

export interface SampleGrid {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
  /** The whole factor each sample was enlarged by. */
  readonly scale: number;
}

/** The layout for `count` samples of h×w: `columns` wide, or as square as can be (wider than tall). */
export function gridLayout(count: number, h: number, w: number, columns = Math.max(1, Math.ceil(Math.sqrt(count)))): Omit<SampleGrid, 'png'> {
  const rows = Math.max(1, Math.ceil(count / columns));
  const scale = Math.max(1, Math.ceil(GRID_MIN_TILE / Math.max(h, w)));
  return { columns, rows, scale, width: columns * w * scale + (columns + 1) * GRID_GAP, height: rows * h * scale + (rows + 1) * GRID_GAP };
}

/** `count` NHWC samples of `shape` from `images` (values in [0, 1]), left to right then top to bottom. */
export function sampleGridPng(images: Float32Array, count: number, shape: readonly [number, number, number], wide?: number): SampleGrid {
  const [h, w, c] = shape;
  if (count * h * w * c > images.length) throw new RangeError(`sample grid: ${count} samples of ${h}×${w}×${c} need ${count * h * w * c} values, got ${images.length}`);
  const layout = gridLayout(count, h, w, wide);
  const { width, height, columns, scale } = layout;
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = png.data[i + 1] = png.data[i + 2] = BACKGROUND;
    png.data[i + 3] = 255;
  }
  const byte = (v: number): number => Math.round(255 * Math.min(1, Math.max(0, v)));
  for (let n = 0; n < count; n++) {
    const left = GRID_GAP + (n % columns) * (w * scale + GRID_GAP);
    const top = GRID_GAP + Math.floor(n / columns) * (h * scale + GRID_GAP);
    const base = n * h * w * c;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const p = base + (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const o = ((top + y) * width + left + x) * 4;
        png.data[o] = byte(images[p]!);
        png.data[o + 1] = byte(images[p + (c >= 3 ? 1 : 0)]!);
        png.data[o + 2] = byte(images[p + (c >= 3 ? 2 : 0)]!);
      }
    }
  }
  return { png: PNG.sync.write(png), ...layout };
}
