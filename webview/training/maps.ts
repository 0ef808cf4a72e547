// Inside the network for one sample: every layer's output as a grid of small heatmaps (one canvas per
// channel, with the channel count and value range), the first conv layer's kernels as images, and the
// predicted class probabilities as bars.
import type { FeatureMapsView, MapView } from '../../src/protocol/training';
import { h } from '../dom';

/** Channels drawn per layer; the header still says how many there are. */
const MAX_CHANNELS = 64;
const CELL_PX = 56;

/** value in [min, max] → gray level; a constant map is mid-gray. */
function level(v: number, min: number, max: number): number {
  return max > min ? Math.round((255 * (v - min)) / (max - min)) : 128;
}

/** One channel of an HWC (or RGB when `rgb`) array as a canvas of its native size, scaled up by CSS. */
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

const range = (m: MapView): string => `[${m.min.toPrecision(3)}, ${m.max.toPrecision(3)}]`;

function layerGrid(m: MapView): HTMLElement {
  const spatial = m.shape.length === 3;
  const channels = spatial ? m.shape[2] : 1;
  const cells: HTMLElement[] = [];
  if (spatial) {
    for (let c = 0; c < Math.min(channels, MAX_CHANNELS); c++) {
      const cv = heatmap(m.data, m.shape[0], m.shape[1], channels, c, m.min, m.max);
      cv.style.width = cv.style.height = `${CELL_PX}px`;
      cv.title = `${m.name} channel ${c}`;
      cells.push(cv);
    }
  } else {
    // A flat layer: one strip, as square as possible.
    const n = m.data.length;
    const w = Math.ceil(Math.sqrt(n));
    const padded = new Float32Array(w * Math.ceil(n / w)).fill(m.min);
    padded.set(m.data);
    const cv = heatmap(padded, Math.ceil(n / w), w, 1, 0, m.min, m.max);
    cv.style.width = `${Math.min(4 * CELL_PX, 4 * w)}px`;
    cv.title = `${m.name}: ${n} values`;
    cells.push(cv);
  }
  const what = spatial ? `${channels} channel${channels === 1 ? '' : 's'}${channels > MAX_CHANNELS ? ` (first ${MAX_CHANNELS} shown)` : ''}` : `${m.data.length} units`;
  return h(
    'section',
    { class: 'layer-maps', 'data-layer': m.name },
    h('h4', {}, m.name, h('span', { class: 'meta' }, ` ${m.shape.join('×')} · ${what} · range ${range(m)}`)),
    h('div', { class: 'grid' }, cells),
  );
}

/** Kernels [kh, kw, inC, outC]: one image per output channel (RGB when the input has 3 channels, else the mean). */
function kernelGrid(k: MapView): HTMLElement {
  const [kh, kw, inC, outC] = k.shape;
  const cells: HTMLElement[] = [];
  for (let o = 0; o < Math.min(outC, MAX_CHANNELS); o++) {
    const rgb = inC === 3;
    const img = new Float32Array(kh * kw * (rgb ? 3 : 1));
    for (let p = 0; p < kh * kw; p++) {
      let sum = 0;
      for (let i = 0; i < inC; i++) {
        const v = k.data[(p * inC + i) * outC + o];
        if (rgb) img[p * 3 + i] = v;
        sum += v;
      }
      if (!rgb) img[p] = sum / inC;
    }
    const cv = heatmap(img, kh, kw, rgb ? 3 : 1, 0, k.min, k.max, rgb, 'kernel');
    cv.style.width = cv.style.height = '40px';
    cv.title = `filter ${o}`;
    cells.push(cv);
  }
  return h('section', { class: 'kernels' }, h('h4', {}, `First conv layer's kernels`, h('span', { class: 'meta' }, ` ${k.shape.join('×')} · range ${range(k)}`)), h('div', { class: 'grid' }, cells));
}

function probabilityBars(maps: FeatureMapsView): HTMLElement {
  const p = maps.probabilities;
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return h(
    'section',
    { class: 'probabilities', 'aria-label': 'Predicted class probabilities' },
    h('h4', {}, 'Prediction: ', h('strong', {}, maps.classes[best] ?? String(best))),
    Array.from(p, (v, i) => {
      const bar = h('span', { class: `bar${i === best ? ' best' : ''}` });
      bar.style.width = `${Math.max(0, Math.min(100, 100 * v)).toFixed(1)}%`;
      return h('div', { class: 'prob-row' }, h('span', { class: 'label' }, maps.classes[i] ?? String(i)), h('span', { class: 'track' }, bar), h('span', { class: 'value' }, `${(100 * v).toFixed(1)}%`));
    }),
  );
}

export function renderMaps(maps: FeatureMapsView): HTMLElement {
  const [ih, iw, ic] = maps.input.shape;
  const input = heatmap(maps.input.data, ih, iw, ic, 0, 0, 1, ic === 3, 'input');
  input.style.width = input.style.height = `${2 * CELL_PX}px`;
  return h(
    'div',
    { class: 'feature-maps', 'data-epoch': maps.epoch },
    h('div', { class: 'sample-row' }, h('figure', {}, input, h('figcaption', {}, maps.caption, maps.epoch ? ` · after epoch ${maps.epoch}` : '')), probabilityBars(maps)),
    maps.kernels ? kernelGrid(maps.kernels) : null,
    maps.layers.map(layerGrid),
  );
}
