// Inside the network for one sample: every layer's output in file order as a grid of small heatmaps (one
// canvas per channel, with the channel count, value range and, in a graph, the layers it reads), and the
// predicted class probabilities as bars (every layer's kernels are ./kernels.ts). A deep model (ResNet-20 has
// 72 layers) starts with only its first layers open, and a closed layer draws nothing until opened.
import type { FeatureMapsView, MapView } from '../../src/protocol/training';
import { button, h } from '../shared/dom';
import type { AttributionBlock } from './attribution';
import { mapValue, stripWidth, type CellRef, type ExplainPanel } from './explain';
import { heatmap } from './heatmap';
import { Diagram } from '../designer/diagram';
import { layersDiagram } from './graph';

/** Channels drawn per layer; the header still says how many there are. */
const MAX_CHANNELS = 64;
const CELL_PX = 56;
/** Up to this many layers every layer is open; beyond, the first OPEN_FIRST are. */
const OPEN_ALL_UP_TO = 16;
const OPEN_FIRST = 4;
/** Layers the user opened or closed, by name: kept across the re-render after every epoch. */
const toggled = new Map<string, boolean>();
/**
 * Past OPEN_ALL_UP_TO layers the list starts closed: the designer's graph of the layers above it (one for the
 * page, redrawn only when the layers change) finds one; a click on a node opens its maps and scrolls to them.
 */
let layersGraph: Diagram | undefined;
let onNode: (row: number) => void = () => undefined;

export { heatmap } from './heatmap';

const range = (m: MapView): string => `[${m.min.toPrecision(3)}, ${m.max.toPrecision(3)}]`;

/** A canvas of layer `layer` (channel, or the flat strip) that opens the explanation of the clicked cell. */
function explainable(cv: HTMLCanvasElement, layer: number, m: MapView, channel: number | 'flat', panel: ExplainPanel): HTMLElement {
  const flat = channel === 'flat';
  const wrap = h('span', { class: 'map-cell', 'data-layer-index': layer, 'data-channel': channel, tabindex: 0, role: 'button', 'aria-label': `${cv.title}: explain a cell (Enter)` }, cv, h('span', { class: 'cell-marker', hidden: true }));
  const cellAt = (x: number, y: number): CellRef => {
    const col = Math.floor((x / Math.max(1, cv.clientWidth)) * cv.width);
    const row = Math.floor((y / Math.max(1, cv.clientHeight)) * cv.height);
    if (flat) return { layer, row: 0, col: 0, channel: Math.min(m.data.length - 1, row * cv.width + col) };
    return { layer, row, col, channel };
  };
  wrap.addEventListener('click', (e) => {
    // Relative to the canvas's content (inside its border), in CSS pixels.
    const r = cv.getBoundingClientRect();
    panel.open(cellAt(e.clientX - r.left - cv.clientLeft, e.clientY - r.top - cv.clientTop));
  });
  wrap.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    // The cell already selected on this map, else its centre.
    const sel = panel.lastCell;
    const here = sel && sel.layer === layer && (flat || sel.channel === channel) ? sel : flat ? { layer, row: 0, col: 0, channel: 0 } : { layer, row: Math.floor(cv.height / 2), col: Math.floor(cv.width / 2), channel };
    panel.open(here);
  });
  return wrap;
}

function layerCells(m: MapView, layer: number, panel: ExplainPanel): HTMLElement[] {
  const spatial = m.shape.length === 3;
  const channels = spatial ? m.shape[2] : 1;
  const cells: HTMLElement[] = [];
  if (spatial) {
    for (let c = 0; c < Math.min(channels, MAX_CHANNELS); c++) {
      const cv = heatmap(m.data, m.shape[0], m.shape[1], channels, c, m.min, m.max);
      cv.style.width = cv.style.height = `${CELL_PX}px`;
      cv.title = `${m.name} channel ${c}`;
      cells.push(explainable(cv, layer, m, c, panel));
    }
  } else {
    // A flat layer: one strip, as square as possible.
    const n = m.data.length;
    const w = stripWidth(n);
    const padded = new Float32Array(w * Math.ceil(n / w)).fill(m.min);
    padded.set(m.data);
    const cv = heatmap(padded, Math.ceil(n / w), w, 1, 0, m.min, m.max);
    cv.style.width = `${Math.min(4 * CELL_PX, 4 * w)}px`;
    cv.title = `${m.name}: ${n} values`;
    cells.push(explainable(cv, layer, m, 'flat', panel));
  }
  return cells;
}

/** Outlines the selected cell on its map (and clears every other marker). */
export function markCell(root: ParentNode, cell: CellRef | undefined, layers: readonly MapView[]): void {
  for (const mk of root.querySelectorAll<HTMLElement>('.cell-marker')) mk.hidden = true;
  const m = cell && layers[cell.layer];
  if (!cell || !m) return;
  const flat = m.shape.length !== 3;
  const wrap = root.querySelector<HTMLElement>(`.map-cell[data-layer-index="${cell.layer}"][data-channel="${flat ? 'flat' : cell.channel}"]`);
  const mk = wrap?.querySelector<HTMLElement>('.cell-marker');
  const cv = wrap?.querySelector('canvas');
  if (!mk || !cv) return;
  const row = flat ? Math.floor(cell.channel / cv.width) : cell.row;
  const col = flat ? cell.channel % cv.width : cell.col;
  Object.assign(mk.style, { top: `${(100 * row) / cv.height}%`, left: `${(100 * col) / cv.width}%`, width: `${100 / cv.width}%`, height: `${100 / cv.height}%` });
  mk.title = `${m.name} (${row}, ${col}${flat ? '' : `, ${cell.channel}`}) = ${mapValue(m, cell)}`;
  mk.hidden = false;
}

/** One layer as a disclosure: the header always, the channel grid drawn when (first) open. */
function layerGrid(m: MapView, index: number, open: boolean, panel: ExplainPanel): HTMLElement {
  const spatial = m.shape.length === 3;
  const channels = spatial ? m.shape[2] : 1;
  const what = spatial ? `${channels} channel${channels === 1 ? '' : 's'}${channels > MAX_CHANNELS ? ` (first ${MAX_CHANNELS} shown)` : ''}` : `${m.data.length} units`;
  const from = m.inputs ? h('span', { class: 'inputs', title: 'the layers it reads' }, ` ← ${m.inputs.join(', ')}`) : null;
  const grid = h('div', { class: 'grid' }, open ? layerCells(m, index, panel) : []);
  const details = h(
    'details',
    { class: 'layer-maps', 'data-layer': m.name, 'data-layer-index': index, open },
    h('summary', {}, h('h4', {}, m.name, from, h('span', { class: 'meta' }, ` ${m.shape.join('×')} · ${what} · range ${range(m)}`))),
    grid,
    panel.selection?.layer === index ? panel.element : null,
  );
  details.addEventListener('toggle', () => {
    toggled.set(m.name, details.open);
    if (details.open && !grid.hasChildNodes()) grid.append(...layerCells(m, index, panel));
  });
  return details;
}

function layerList(layers: readonly MapView[], panel: ExplainPanel): HTMLElement {
  const few = layers.length <= OPEN_ALL_UP_TO;
  const sections = layers.map((m, i) => layerGrid(m, i, toggled.get(m.name) ?? (few || i < OPEN_FIRST), panel));
  const setAll = (open: boolean): void => {
    for (const d of sections) if (d instanceof HTMLDetailsElement) d.open = open;
  };
  const tools = few ? null : h('div', { class: 'maps-tools' }, h('span', { class: 'meta' }, `${layers.length} layers, in file order`), button('Open all', { id: 'maps-open-all' }, () => setAll(true)), button('Close all', { id: 'maps-close-all' }, () => setAll(false)));
  const list = h('div', { class: 'layer-list' }, tools, sections);
  // The panel follows its cell: into that layer's section (opened), with the cell outlined on its map.
  panel.onSelect = (cell) => {
    const section = cell && sections[cell.layer];
    if (cell && section instanceof HTMLDetailsElement) {
      if (!section.open) section.open = true;
      const grid = section.querySelector('.grid');
      if (grid && !grid.hasChildNodes()) grid.append(...layerCells(layers[cell.layer], cell.layer, panel));
      if (panel.element.parentElement !== section) section.append(panel.element);
    }
    markCell(list, cell, layers);
  };
  panel.returnFocus = (cell) => {
    const flat = layers[cell.layer]?.shape.length !== 3;
    list.querySelector<HTMLElement>(`.map-cell[data-layer-index="${cell.layer}"][data-channel="${flat ? 'flat' : cell.channel}"]`)?.focus();
  };
  return list;
}

/** The class probabilities; a row opens the explanation of that output unit (softmax: logits → probabilities). */
function probabilityBars(maps: FeatureMapsView, panel: ExplainPanel): HTMLElement {
  const p = maps.probabilities;
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  const last = maps.layers.length - 1;
  return h(
    'section',
    { class: 'probabilities', 'aria-label': 'Predicted class probabilities' },
    h('h4', {}, 'Prediction: ', h('strong', {}, maps.classes[best] ?? String(best))),
    Array.from(p, (v, i) => {
      const bar = h('span', { class: `bar${i === best ? ' best' : ''}` });
      bar.style.width = `${Math.max(0, Math.min(100, 100 * v)).toFixed(1)}%`;
      const row = h(
        'div',
        { class: 'prob-row', role: 'button', tabindex: 0, 'data-class': i, title: `${maps.classes[i] ?? i}: ${v} — explain how it was computed` },
        h('span', { class: 'label' }, maps.classes[i] ?? String(i)),
        h('span', { class: 'track' }, bar),
        h('span', { class: 'value' }, `${(100 * v).toFixed(1)}%`),
      );
      const open = (): void => panel.open({ layer: last, row: 0, col: 0, channel: i });
      row.addEventListener('click', open);
      row.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open()));
      return row;
    }),
  );
}

/** What the maps view explains with: the cell panel and the sample's saliency / Grad-CAM. */
export interface MapsInside {
  readonly panel: ExplainPanel;
  readonly attribution: AttributionBlock;
}

export function renderMaps(maps: FeatureMapsView, inside: MapsInside): HTMLElement {
  const { panel, attribution } = inside;
  panel.setMaps(maps);
  // A new sample or epoch is a new attribution (the weights moved); a re-render of the same maps is not.
  attribution.show({ kind: 'inspected' }, `${JSON.stringify(maps.sample)}@${maps.epoch}`);
  const [ih, iw, ic] = maps.input.shape;
  const input = heatmap(maps.input.data, ih, iw, ic, 0, 0, 1, ic === 3, 'input');
  input.style.width = input.style.height = `${2 * CELL_PX}px`;
  const list = layerList(maps.layers, panel);
  markCell(list, panel.selection, maps.layers);
  const graph = maps.layers.length > OPEN_ALL_UP_TO ? graphOfLayers(maps, list) : null;
  return h(
    'div',
    { class: 'feature-maps', 'data-epoch': maps.epoch },
    h('div', { class: 'sample-row' }, h('figure', {}, input, h('figcaption', {}, maps.caption, maps.epoch ? ` · after epoch ${maps.epoch}` : '')), probabilityBars(maps, panel), attribution.element),
    h('p', { class: 'hint' }, 'Click a cell of any map (or a class probability) to see how it was computed.'),
    graph,
    list,
  );
}

/** The graph of the layers, its node clicks opening the layer's section in `list`. */
function graphOfLayers(maps: FeatureMapsView, list: HTMLElement): HTMLElement {
  const graph = (layersGraph ??= new Diagram({ select: (row) => onNode(row) }));
  graph.element.classList.add('layers-graph');
  const view = layersDiagram(maps.input, maps.layers);
  onNode = (row) => {
    const section = list.querySelector<HTMLDetailsElement>(`details.layer-maps[data-layer-index="${row}"]`);
    if (!section) return;
    section.open = true;
    section.scrollIntoView({ block: 'start' });
    graph.draw(view, row, { first: row, last: row });
  };
  graph.draw(view, -1, { first: -1, last: -1 });
  // Placed (fit or life size from the top) once it is in the page and has a size.
  requestAnimationFrame(() => graph.draw(view, -1, { first: -1, last: -1 }));
  return graph.element;
}
