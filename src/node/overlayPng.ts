// PNG overlays of a map in [0, 1] (saliency, Grad-CAM) over a model input: the image as the model saw it
// (its channels, its size), enlarged by a whole factor so that small inputs (28×28) are visible, with the map
// in the "jet" colour scale blended in proportion to its value (0 shows the image, 1 mostly the colour).
import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { resizeBilinear } from '../engine/explain';

/** The longest side of an overlay is at least this (by a whole factor; larger inputs stay as they are). */
export const OVERLAY_MIN_SIDE = 224;
/** The colour's weight where the map is 1. */
const MAX_ALPHA = 0.7;

/** Jet: dark blue → blue → cyan → yellow → red → dark red for t in [0, 1], as 0–255 RGB. */
export function jet(t: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, t));
  const channel = (offset: number): number => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - offset))));
  return [channel(3), channel(2), channel(1)];
}

export interface OverlayInput {
  /** The model input, h·w·c values in [0, 1] (NHWC without the batch). */
  readonly image: Float32Array;
  readonly height: number;
  readonly width: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA: alpha is ignored). */
  readonly channels: number;
  /** h·w values in [0, 1]. */
  readonly map: Float32Array;
}

/** The overlay as PNG bytes, and the factor it was enlarged by. */
export function overlayPng(input: OverlayInput): { readonly png: Buffer; readonly scale: number } {
  const { image, height: h, width: w, channels: c, map } = input;
  if (image.length !== h * w * c || map.length !== h * w) throw new Error(`overlay: ${image.length} image values and ${map.length} map values for ${h}×${w}×${c}`);
  const scale = Math.max(1, Math.ceil(OVERLAY_MIN_SIDE / Math.max(h, w)));
  const H = h * scale;
  const W = w * scale;
  // The map is smooth at the output size; the image keeps its pixels (nearest), as the model saw them.
  const heat = scale === 1 ? map : resizeBilinear(map, h, w, H, W);
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = Math.floor(y / scale) * w + Math.floor(x / scale);
      const base = c === 1 ? [image[p]!, image[p]!, image[p]!] : [image[p * c]!, image[p * c + 1]!, image[p * c + 2]!];
      const t = Math.min(1, Math.max(0, heat[y * W + x]!));
      const colour = jet(t);
      const a = MAX_ALPHA * t;
      const o = (y * W + x) * 4;
      for (let k = 0; k < 3; k++) {
        const b = 255 * Math.min(1, Math.max(0, base[k]!));
        png.data[o + k] = Math.round((1 - a) * b + a * colour[k]!);
      }
      png.data[o + 3] = 255;
    }
  }
  return { png: PNG.sync.write(png), scale };
}

export async function writeOverlayPng(path: string, input: OverlayInput): Promise<void> {
  await writeFile(path, overlayPng(input).png);
}
