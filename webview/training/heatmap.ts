// One channel of an HWC array (or its RGB) as a grey-level canvas of its native size, scaled up by CSS: the
// feature maps, kernels, thumbnails and the images the explanations and overlays draw on.
import { h } from '../shared/dom';

/** value in [min, max] → gray level; a constant map is mid-gray. */
export function level(v: number, min: number, max: number): number {
  return max > min ? Math.round((255 * (v - min)) / (max - min)) : 128;
}

export function heatmap(data: Float32Array | Uint8Array, hgt: number, wid: number, channels: number, channel: number, min: number, max: number, rgb = false, cls = 'map'): HTMLCanvasElement {
  const canvas = h('canvas', { class: cls, width: wid, height: hgt });
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const img = ctx.createImageData(wid, hgt);
  for (let p = 0; p < hgt * wid; p++) {
    const o = p * 4;
    if (rgb) for (let k = 0; k < 3; k++) img.data[o + k] = level(data[p * channels + k], min, max);
    else img.data[o] = img.data[o + 1] = img.data[o + 2] = level(data[p * channels + channel], min, max);
    img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
