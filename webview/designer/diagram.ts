// The model as a graph: one node per layer (type, name, output shape) and one for the model input, an edge
// from each input to the layer that reads it — shortcuts and branches included — laid out left to right
// (graphLayout.ts). Merge layers are circles (+ for add, ∥ for concatenate). SVG, so the theme colours come
// from the stylesheet's var(--vscode-*) and follow a theme switch by themselves; no inline style (CSP).
// The layout is recomputed only when the graph changes, not when the selection does.
import { formatDims } from '../../src/model/format';
import { defaultLayerName, implicitInput } from '../../src/model/types';
import type { DesignerView, RowView } from '../../src/protocol/designer';
import { h } from '../shared/dom';
import type { Range } from './state';
import { layoutGraph, type GraphLayout, type LayoutEdge, type LayoutNode, type Point } from './graphLayout';
import { MERGE_TYPES } from './inputsPicker';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 124;
const NODE_H = 50;
const MERGE_W = 40;
const MERGE_H = 64;
const MERGE_R = 15;
const MAX_CHARS = 19;

interface Drawn {
  readonly key: string;
  readonly layout: GraphLayout;
  readonly edges: readonly LayoutEdge[];
}

export class Diagram {
  readonly element: HTMLElement;
  private readonly svg = svg('svg', { id: 'diagram-graph', role: 'group', 'aria-label': 'Model graph' });
  private drawn: Drawn | undefined;

  constructor(onSelect: (row: number, extend: boolean) => void) {
    this.element = h('section', { id: 'diagram', class: 'diagram', 'aria-label': 'Model graph' });
    this.element.append(this.svg);
    this.svg.addEventListener('click', (e) => {
      const node = e.target instanceof Element ? e.target.closest<SVGElement>('[data-row]') : null;
      const row = Number(node?.dataset.row);
      if (node && row >= 0) onSelect(row, e.shiftKey);
    });
  }

  draw(view: DesignerView, selected: number, range: Range): void {
    const nodes: LayoutNode[] = [{ id: -1, width: NODE_W, height: NODE_H }, ...view.rows.map((r) => ({ id: r.index, ...size(r) }))];
    const edges: LayoutEdge[] = view.rows.flatMap((r) =>
      r.inputs.flatMap((input, element) => (input.index !== undefined && input.index < r.index ? [{ from: input.index, to: r.index, element }] : [])),
    );
    // What the picture depends on, selection apart: redraw only when it changes.
    const key = JSON.stringify([view.inputShape, view.rows.map((r) => [r.type, r.name, r.outputShape, r.errors.length, r.warnings.length, r.inputs.map((i) => [i.index, i.error])])]);
    if (this.drawn?.key !== key) {
      const layout = layoutGraph(nodes, edges);
      this.drawn = { key, layout, edges };
      this.render(view, layout, edges);
    }
    this.mark(selected, range);
  }

  private render(view: DesignerView, layout: GraphLayout, edges: readonly LayoutEdge[]): void {
    const s = this.svg;
    s.replaceChildren();
    s.setAttribute('width', String(Math.max(layout.width, 100)));
    s.setAttribute('height', String(Math.max(layout.height, 40)));
    s.setAttribute('viewBox', `0 0 ${Math.max(layout.width, 100)} ${Math.max(layout.height, 40)}`);
    const arrow = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: '7', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
    arrow.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow-head' }));
    const defs = svg('defs', {});
    defs.append(arrow);
    s.append(defs);
    const rows = new Map(view.rows.map((r) => [r.index, r]));
    const edgeLayer = svg('g', { class: 'edges' });
    edges.forEach((e, i) => {
      const to = rows.get(e.to);
      const points = clipToMerge(layout.edges[i] ?? [], rows.get(e.from), to, layout);
      if (points.length < 2) return;
      const skip = e.from !== implicitInput(e.to);
      const bad = to?.inputs[e.element]?.error !== undefined;
      const path = svg('path', {
        class: ['edge', skip && 'skip', bad && 'error'].filter(Boolean).join(' '),
        d: pathOf(points),
        'data-from': String(e.from),
        'data-to': String(e.to),
        'marker-end': 'url(#arrow)',
      });
      edgeLayer.append(path);
    });
    const nodeLayer = svg('g', { class: 'nodes' });
    nodeLayer.append(this.node({ id: -1, label: 'input', name: '', shape: view.inputShape, merge: undefined, error: false, warning: false }, layout));
    for (const r of view.rows) {
      nodeLayer.append(
        this.node(
          { id: r.index, label: r.type, name: r.name, shape: r.outputShape, merge: MERGE_TYPES.includes(r.type) ? r.type : undefined, error: r.errors.length > 0, warning: r.warnings.length > 0, tip: [...r.errors, ...r.warnings].join('\n') },
          layout,
        ),
      );
    }
    s.append(edgeLayer, nodeLayer);
    const skips = edges.filter((e) => e.from !== implicitInput(e.to)).length;
    s.setAttribute('aria-label', `Model graph: ${view.rows.length} layers, ${edges.length} connections${skips ? `, ${skips} of them shortcuts or branches` : ''}`);
  }

  private node(
    n: { id: number; label: string; name: string; shape?: readonly number[]; merge: string | undefined; error: boolean; warning: boolean; tip?: string },
    layout: GraphLayout,
  ): SVGElement {
    const p = layout.nodes.get(n.id) ?? { x: 0, y: 0 };
    const shape = n.shape ? formatDims(n.shape) : '?';
    const g = svg('g', {
      class: ['node', n.id < 0 && 'model-input', n.merge && 'merge', n.error && 'error', !n.error && n.warning && 'warning', !n.shape && 'unknown'].filter(Boolean).join(' '),
      transform: `translate(${round(p.x)},${round(p.y)})`,
      'data-row': String(n.id),
      'data-type': n.label,
    });
    const title = svg('title', {});
    title.textContent = [n.name || n.label, shape, n.tip].filter(Boolean).join('\n');
    g.append(title);
    if (n.merge) {
      g.append(svg('circle', { r: String(MERGE_R), class: 'box' }));
      g.append(text(n.merge === 'add' ? '+' : n.merge === 'multiply' ? '×' : '∥', 0, 6, 'symbol'));
      g.append(text(fit(n.name), 0, -MERGE_R - 6, 'name'));
      g.append(text(shape, 0, MERGE_R + 14, 'shape'));
      return g;
    }
    g.append(svg('rect', { x: String(-NODE_W / 2), y: String(-NODE_H / 2), width: String(NODE_W), height: String(NODE_H), rx: '4', class: 'box' }));
    const named = n.name !== '' && n.name !== defaultLayerName(n.label, n.id);
    g.append(text(fit(n.label), 0, named ? -9 : -4, 'type'));
    if (named) g.append(text(fit(n.name), 0, 5, 'name'));
    g.append(text(shape, 0, named ? 19 : 13, 'shape'));
    return g;
  }

  /** Selection marks only: the layout stays. */
  private mark(selected: number, range: Range): void {
    for (const g of this.svg.querySelectorAll<SVGGElement>('g.node')) {
      const row = Number(g.dataset.row);
      g.classList.toggle('selected', row === selected);
      g.classList.toggle('in-range', row >= range.first && row <= range.last && row !== selected);
    }
    for (const e of this.svg.querySelectorAll<SVGPathElement>('path.edge')) {
      e.classList.toggle('selected', Number(e.dataset.to) === selected || Number(e.dataset.from) === selected);
    }
  }
}

function size(r: RowView): { width: number; height: number } {
  return MERGE_TYPES.includes(r.type) ? { width: MERGE_W, height: MERGE_H } : { width: NODE_W, height: NODE_H };
}

/** dagre ends edges at a node's box; a merge node is a circle inside a taller box: end them on the circle. */
function clipToMerge(points: readonly Point[], from: RowView | undefined, to: RowView | undefined, layout: GraphLayout): Point[] {
  const out = [...points];
  if (out.length < 2) return out;
  const onCircle = (centre: Point | undefined, toward: Point): Point | undefined => {
    if (!centre) return undefined;
    const dx = toward.x - centre.x;
    const dy = toward.y - centre.y;
    const d = Math.hypot(dx, dy) || 1;
    return { x: centre.x + (dx / d) * (MERGE_R + 2), y: centre.y + (dy / d) * (MERGE_R + 2) };
  };
  if (to && MERGE_TYPES.includes(to.type)) out[out.length - 1] = onCircle(layout.nodes.get(to.index), out[out.length - 2]!) ?? out[out.length - 1]!;
  if (from && MERGE_TYPES.includes(from.type)) out[0] = onCircle(layout.nodes.get(from.index), out[1]!) ?? out[0]!;
  return out;
}

/** A smooth path through the points: straight ends, quadratic curves through the bends. */
function pathOf(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${round(first.x)},${round(first.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${round(p.x)},${round(p.y)} ${round((p.x + q.x) / 2)},${round((p.y + q.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${round(last.x)},${round(last.y)}`;
  return d;
}

function fit(s: string): string {
  return s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS - 1)}…` : s;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function text(content: string, x: number, y: number, cls: string): SVGTextElement {
  const t = svg('text', { x: String(x), y: String(y), class: cls, 'text-anchor': 'middle' });
  t.textContent = content;
  return t;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}
