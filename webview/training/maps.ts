// Inside the network for one sample: every layer's output in file order as a grid of small heatmaps (one
// canvas per channel, with the channel count, value range and, in a graph, the layers it reads), the first
// conv layer's kernels as images, and the predicted class probabilities as bars. A deep model (ResNet-20 has
// 72 layers) starts with only its first layers open, and a closed layer draws nothing until opened.
import type { FeatureMapsView, MapView } from '../../src/protocol/training';
import { button, h } from '../dom';

/** Channels drawn per layer; the header still says how many there are. */
const MAX_CHANNELS = 64;
const CELL_PX = 56;
/** Up to this many layers every layer is open; beyond, the first OPEN_FIRST are. */
const OPEN_ALL_UP_TO = 16;
const OPEN_FIRST = 4;
/** Layers the user opened or closed, by name: kept across the re-render after every epoch. */
const toggled = new Map<string, boolean>();

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

function layerCells(m: MapView): HTMLElement[] {
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
  return cells;
}

/** One layer as a disclosure: the header always, the channel grid drawn when (first) open. */
function layerGrid(m: MapView, open: boolean): HTMLElement {
  const spatial = m.shape.length === 3;
  const channels = spatial ? m.shape[2] : 1;
  const what = spatial ? `${channels} channel${channels === 1 ? '' : 's'}${channels > MAX_CHANNELS ? ` (first ${MAX_CHANNELS} shown)` : ''}` : `${m.data.length} units`;
  const from = m.inputs ? h('span', { class: 'inputs', title: 'the layers it reads' }, ` ← ${m.inputs.join(', ')}`) : null;
  const grid = h('div', { class: 'grid' }, open ? layerCells(m) : []);
  const details = h(
    'details',
    { class: 'layer-maps', 'data-layer': m.name, open },
    h('summary', {}, h('h4', {}, m.name, from, h('span', { class: 'meta' }, ` ${m.shape.join('×')} · ${what} · range ${range(m)}`))),
    grid,
  );
  details.addEventListener('toggle', () => {
    toggled.set(m.name, details.open);
    if (details.open && !grid.hasChildNodes()) grid.append(...layerCells(m));
  });
  return details;
}

function layerList(layers: readonly MapView[]): HTMLElement {
  const few = layers.length <= OPEN_ALL_UP_TO;
  const sections = layers.map((m, i) => layerGrid(m, toggled.get(m.name) ?? (few || i < OPEN_FIRST)));
  const setAll = (open: boolean): void => {
    for (const d of sections) if (d instanceof HTMLDetailsElement) d.open = open;
  };
  const tools = few ? null : h('div', { class: 'maps-tools' }, h('span', { class: 'meta' }, `${layers.length} layers, in file order`), button('Open all', { id: 'maps-open-all' }, () => setAll(true)), button('Close all', { id: 'maps-close-all' }, () => setAll(false)));
  return h('div', { class: 'layer-list' }, tools, sections);
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
  return h('section', { class: 'kernels' }, h('h4', {}, `First conv layer's kernels`, h('span', { class: 'meta' }, ` ${k.name} · ${k.shape.join('×')} · range ${range(k)}`)), h('div', { class: 'grid' }, cells));
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
    layerList(maps.layers),
  );
}
