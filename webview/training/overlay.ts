// Saliency and Grad-CAM drawn over the image (issue 13): the sample in grey (or colour), the map in [0, 1]
// blended on top from the theme's yellow to its red, more opaque where the map is higher, and a legend with the
// scale's maximum. Colours are read from the theme when drawn; the caller redraws on a theme change.
import { h } from '../shared/dom';
import { fmt } from './breakdown';
import { mix, themeColor, type Rgba } from './colors';

export interface HeatColors {
  readonly low: Rgba;
  readonly high: Rgba;
  readonly background: Rgba;
}

/** The heat ramp's colours in the current theme. */
export function heatColors(): HeatColors {
  return {
    low: themeColor('--vscode-charts-yellow', '#cca700'),
    high: themeColor('--vscode-charts-red', '#f14c4c'),
    background: themeColor('--vscode-editor-background', '#1e1e1e'),
  };
}

/** At most this opaque, so the image stays readable under the hottest pixels. */
const MAX_ALPHA = 0.8;

/** The ramp at v ∈ [0, 1]: colour and opacity. */
export function heatAt(v: number, c: HeatColors): { readonly rgb: Rgba; readonly alpha: number } {
  const t = Math.max(0, Math.min(1, v));
  return { rgb: mix(c.low, c.high, t), alpha: MAX_ALPHA * t };
}

/** image [h, w, c] (any range: scaled to its own min–max) with `heat` (h·w values in [0, 1]) blended on top. */
export function overlayCanvas(image: Float32Array, shape: readonly number[], heat: Float32Array | undefined, colors: HeatColors, cls = 'overlay'): HTMLCanvasElement {
  const [hgt, wid, ch] = shape;
  const canvas = h('canvas', { class: cls, width: wid, height: hgt });
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  let min = Infinity;
  let max = -Infinity;
  for (const v of image) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const grey = (v: number): number => (max > min ? (255 * (v - min)) / (max - min) : 128);
  const img = ctx.createImageData(wid, hgt);
  for (let p = 0; p < hgt * wid; p++) {
    const base = ch === 3 ? [grey(image[p * 3]), grey(image[p * 3 + 1]), grey(image[p * 3 + 2])] : [grey(image[p * ch]), grey(image[p * ch]), grey(image[p * ch])];
    const hot = heat ? heatAt(heat[p], colors) : { rgb: colors.low, alpha: 0 };
    for (let k = 0; k < 3; k++) img.data[p * 4 + k] = Math.round(base[k] * (1 - hot.alpha) + hot.rgb[k] * hot.alpha);
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** The colour scale from 0 to `max` (what 1 on the map stands for), as drawn over the editor background. */
export function legend(max: number, what: string, colors: HeatColors): HTMLElement {
  const W = 160;
  const bar = h('canvas', { class: 'legend-bar', width: W, height: 1, role: 'img', 'aria-label': `colour scale from 0 to ${max}` });
  const ctx = bar.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(W, 1);
    for (let x = 0; x < W; x++) {
      const hot = heatAt(x / (W - 1), colors);
      for (let k = 0; k < 3; k++) img.data[x * 4 + k] = Math.round(colors.background[k] * (1 - hot.alpha) + hot.rgb[k] * hot.alpha);
      img.data[x * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  return h(
    'div',
    { class: 'legend' },
    h('span', { class: 'legend-title' }, what),
    h('span', { class: 'legend-scale' }, h('span', { class: 'n' }, '0'), bar, h('span', { class: 'n legend-max', title: String(max), 'data-exact': String(max) }, fmt(max))),
  );
}
