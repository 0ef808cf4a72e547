// Every weight layer's kernels, one layer at a time (a picker): a conv layer as a grid of kh×kw tiles, a row per
// output channel and a column per input channel; a depthwise kernel as one tile per channel; dense kernels and
// 1×1 convolutions as a matrix, a row per output. One diverging colour scale per layer, symmetric around 0, from
// the theme's colours, with its legend; the value under the pointer is shown exactly. The worker caps what a
// large layer sends (the note says so), and the whole layer is one canvas, so drawing never freezes the view.
import { assertNever } from '../../src/model/assertNever';
import type { KernelView } from '../../src/protocol/training';
import { h } from '../shared/dom';
import { cssVar } from './charts';

/** Tiles per row where they wrap (see wraps). */
const WRAP_PER_ROW = 16;
/** The drawn size the scale aims for, in CSS pixels. */
const TARGET_WIDTH = 720;
const TARGET_HEIGHT = 320;
const MAX_CELL = 12;
/** The layer picked, by parameter name: kept across the re-render after every epoch. */
let picked: string | undefined;

type Rgb = readonly [number, number, number];

/** Any CSS colour → RGB, through a canvas (theme variables may be hex, rgb() or names). */
function rgbOf(color: string): Rgb {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return [128, 128, 128];
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

interface Scale {
  readonly negative: Rgb;
  readonly zero: Rgb;
  readonly positive: Rgb;
  readonly gap: Rgb;
}

/** Read afresh on every render, so a theme change recolours. Zero sits a little off the background so it reads as a value. */
function themeScale(): Scale {
  const bg = rgbOf(cssVar('--vscode-editor-background', '#1e1e1e'));
  const fg = rgbOf(cssVar('--vscode-foreground', '#cccccc'));
  return { negative: rgbOf(cssVar('--vscode-charts-blue', '#3794ff')), zero: mix(bg, fg, 0.12), positive: rgbOf(cssVar('--vscode-charts-red', '#f14c4c')), gap: bg };
}

function colour(v: number, absMax: number, s: Scale): Rgb {
  const t = absMax > 0 ? Math.max(-1, Math.min(1, v / absMax)) : 0;
  return t < 0 ? mix(s.zero, s.negative, -t) : mix(s.zero, s.positive, t);
}

const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2));

/** Tiles in reading order, wrapped: depthwise kernels, and a conv on one input channel (else one tall column). */
const wraps = (k: KernelView): boolean => k.kind === 'depthwise' || (k.kind === 'conv' && k.cols === 1);

/** Tile grid geometry: tiles across and down, each kh×kw with a 1-pixel gap (none for a matrix). */
function geometry(k: KernelView): { across: number; down: number; gap: number; width: number; height: number } {
  const gap = k.kind === 'matrix' ? 0 : 1;
  const tiles = k.rows * k.cols;
  const across = wraps(k) ? Math.min(WRAP_PER_ROW, tiles) : k.cols;
  const down = wraps(k) ? Math.ceil(tiles / across) : k.rows;
  return { across, down, gap, width: across * (k.kw + gap) - gap, height: down * (k.kh + gap) - gap };
}

/** Which weight a canvas pixel shows, as text; undefined in a gap. */
function describe(k: KernelView, px: number, py: number): string | undefined {
  const g = geometry(k);
  const tx = Math.floor(px / (k.kw + g.gap));
  const ty = Math.floor(py / (k.kh + g.gap));
  const x = px - tx * (k.kw + g.gap);
  const y = py - ty * (k.kh + g.gap);
  if (tx >= g.across || ty >= g.down || x >= k.kw || y >= k.kh) return undefined;
  const tile = wraps(k) ? ty * g.across + tx : ty * k.cols + tx;
  if (tile >= k.rows * k.cols) return undefined;
  const v = k.data[(tile * k.kh + y) * k.kw + x];
  const value = `w = ${v} (${fmt(v)})`;
  if (k.kind === 'matrix') return `output ${ty} ← input ${tx}: ${value}`;
  if (k.kind === 'depthwise') {
    const c = Math.floor(tile / k.cols);
    const m = tile % k.cols;
    return `channel ${c}${k.cols > 1 ? `, multiplier ${m} (output channel ${c * k.cols + m})` : ''}, row ${y}, column ${x}: ${value}`;
  }
  const [out, inp] = wraps(k) ? [tile, 0] : [ty, tx];
  return `output channel ${out} ← input channel ${inp}, row ${y}, column ${x}: ${value}`;
}

function draw(k: KernelView, s: Scale): HTMLCanvasElement {
  const g = geometry(k);
  const canvas = h('canvas', { class: 'kernel-grid', width: g.width, height: g.height, 'data-param': k.param });
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const img = ctx.createImageData(g.width, g.height);
  for (let p = 0; p < g.width * g.height; p++) {
    img.data[p * 4] = s.gap[0];
    img.data[p * 4 + 1] = s.gap[1];
    img.data[p * 4 + 2] = s.gap[2];
    img.data[p * 4 + 3] = 255;
  }
  const tiles = k.rows * k.cols;
  for (let t = 0; t < tiles; t++) {
    const tx = wraps(k) ? t % g.across : t % k.cols;
    const ty = wraps(k) ? Math.floor(t / g.across) : Math.floor(t / k.cols);
    for (let y = 0; y < k.kh; y++) {
      for (let x = 0; x < k.kw; x++) {
        const c = colour(k.data[(t * k.kh + y) * k.kw + x], k.absMax, s);
        const o = ((ty * (k.kh + g.gap) + y) * g.width + tx * (k.kw + g.gap) + x) * 4;
        img.data[o] = c[0];
        img.data[o + 1] = c[1];
        img.data[o + 2] = c[2];
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  // Whole CSS pixels per canvas pixel (crisp), each axis on its own: a 10 × 676 matrix stays readable.
  const sx = Math.max(1, Math.min(MAX_CELL, Math.floor(TARGET_WIDTH / g.width)));
  const sy = k.kind === 'matrix' ? Math.max(sx, Math.min(MAX_CELL, Math.floor(TARGET_HEIGHT / g.height))) : sx;
  canvas.style.width = `${g.width * sx}px`;
  canvas.style.height = `${g.height * Math.max(1, sy)}px`;
  return canvas;
}

/** The scale's colours from −absMax to absMax, with five values under it. */
function legend(absMax: number, s: Scale): HTMLElement {
  const steps = 64;
  const bar = h('canvas', { class: 'kernel-legend-bar', width: steps, height: 1, 'aria-hidden': 'true' });
  const ctx = bar.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(steps, 1);
    for (let i = 0; i < steps; i++) {
      const c = colour(((2 * i) / (steps - 1) - 1) * absMax, absMax, s);
      img.data.set([c[0], c[1], c[2], 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }
  const ticks = [-1, -0.5, 0, 0.5, 1].map((f) => h('span', {}, fmt(f * absMax)));
  return h('div', { class: 'kernel-legend', role: 'img', 'aria-label': `colour scale from ${fmt(-absMax)} (blue) through 0 to ${fmt(absMax)} (red)` }, bar, h('div', { class: 'kernel-legend-ticks' }, ticks));
}

function what(k: KernelView): string {
  switch (k.kind) {
    case 'conv':
      return k.cols === 1 ? `${k.kh}×${k.kw} tiles: one per output channel (one input channel), ${WRAP_PER_ROW} to a row` : `${k.kh}×${k.kw} tiles: a row per output channel, a column per input channel`;
    case 'depthwise':
      return `${k.kh}×${k.kw} tiles: one per channel${k.cols > 1 ? ' and multiplier' : ''}, ${WRAP_PER_ROW} to a row`;
    case 'matrix':
      return 'a row per output, a column per input';
    default:
      return assertNever(k.kind, 'kernel kind');
  }
}

function capNote(k: KernelView): string | undefined {
  const rows = k.rows < k.totalRows ? `the first ${k.rows} of ${k.totalRows} ${k.kind === 'depthwise' ? 'channels' : 'outputs'}` : undefined;
  const cols = k.cols < k.totalCols ? `the first ${k.cols} of ${k.totalCols} inputs` : undefined;
  const parts = [rows, cols].filter((p): p is string => p !== undefined);
  return parts.length ? `Large layer: showing ${parts.join(' × ')} (the colour scale is the whole layer's).` : undefined;
}

export function renderKernels(views: readonly KernelView[]): HTMLElement {
  const section = h('section', { class: 'layer-kernels', 'aria-label': "Every layer's kernels" });
  if (views.length === 0) return section;
  const current = views.find((v) => v.param === picked) ?? views[0]!;
  const select = h(
    'select',
    { id: 'kernel-layer', 'aria-label': 'Layer', 'data-focus-key': 'kernel-layer' },
    views.map((v) => h('option', { value: v.param, selected: v === current }, `${v.param} · ${v.shape.join('×')}`)),
  );
  const body = h('div', { class: 'kernel-body' });
  const show = (k: KernelView): void => {
    const s = themeScale();
    const canvas = draw(k, s);
    const readout = h('p', { class: 'kernel-readout meta', 'aria-live': 'polite' }, 'Point at a weight to read its value.');
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      const px = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
      const py = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
      readout.textContent = describe(k, px, py) ?? '';
    });
    const note = capNote(k);
    body.replaceChildren(
      h('p', { class: 'meta' }, `${k.param} · ${k.shape.join('×')} · ${what(k)}`),
      note ? h('p', { class: 'kernel-cap', role: 'note' }, note) : '',
      h('div', { class: 'kernel-canvas-wrap' }, canvas),
      legend(k.absMax, s),
      readout,
    );
  };
  select.addEventListener('change', () => {
    picked = select.value;
    const k = views.find((v) => v.param === picked);
    if (k) show(k);
  });
  show(current);
  section.append(h('h3', {}, "Every layer's kernels ", h('label', { for: 'kernel-layer', class: 'meta' }, 'layer '), select), body);
  return section;
}
