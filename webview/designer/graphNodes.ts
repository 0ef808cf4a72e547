// The graph view's elements: a layer's node (type, short name, output shape), a merge's circle, a collapsed
// block's stacked node, an expanded block's frame, and the edges' paths. Positions come from the layout;
// colours from the stylesheet.
import { formatDims } from '../../src/model/format';
import { defaultLayerName } from '../../src/model/types';
import { shortName, type Block } from './blocks';
import type { GraphLayout, Point } from './graphLayout';
import { BLOCK_H, BLOCK_W, NODE_H, NODE_W, type VisibleGraph } from './graphModel';
import { MERGE_TYPES } from './inputsPicker';
import { fit, round, svgEl, svgText, svgTitle } from './svg';

/** What the node builders read of a row (the designer's RowView and the diagram's DiagramRow have it). */
interface NodeRow {
  readonly index: number;
  readonly type: string;
  readonly outputShape?: readonly number[];
  readonly errors: readonly string[];
}

const MERGE_R = 13;
/** How far the selection's ring stands off a node's box. */
const HALO = 4;

/**
 * The ring a selected node shows around its box (hidden otherwise): the selection apart from the box's own
 * stroke, so a selected unsupported or broken node stays red and a warning amber.
 */
function halo(width: number, height: number): SVGElement {
  return svgEl('rect', { x: String(-width / 2 - HALO), y: String(-height / 2 - HALO), width: String(width + 2 * HALO), height: String(height + 2 * HALO), rx: '7', class: 'halo' });
}

/** The frame around an expanded block's layers, with its label and the ▾ that collapses it. */
export function blockFrame(b: Block, layout: GraphLayout, graph: VisibleGraph): SVGElement {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = b.first; i <= b.last; i++) {
    const p = layout.nodes.get(graph.nodeOf(i));
    if (!p) continue;
    x0 = Math.min(x0, p.x - NODE_W / 2);
    x1 = Math.max(x1, p.x + NODE_W / 2);
    y0 = Math.min(y0, p.y - NODE_H / 2);
    y1 = Math.max(y1, p.y + NODE_H / 2);
  }
  const g = svgEl('g', { class: 'block-frame', 'data-collapse': b.key, 'data-block-key': b.key });
  if (!Number.isFinite(x0)) return g;
  g.append(
    svgTitle(`${b.label} (layers ${b.first}–${b.last}): click to collapse`),
    svgEl('rect', { x: String(round(x0 - 8)), y: String(round(y0 - 20)), width: String(round(x1 - x0 + 16)), height: String(round(y1 - y0 + 28)), rx: '6', class: 'frame-box' }),
    svgText(`▾ ${b.label}`, x0 - 2, y0 - 7, 'frame-label', 'start'),
  );
  return g;
}

export function blockNode(b: Block, rows: readonly NodeRow[], p: Point): SVGElement {
  const last = rows[b.last];
  const shape = last?.outputShape ? formatDims(last.outputShape) : '?';
  const bad = rows.slice(b.first, b.last + 1).some((r) => r.errors.length > 0);
  const g = svgEl('g', {
    class: ['node', 'block', bad && 'error'].filter(Boolean).join(' '),
    transform: `translate(${round(p.x)},${round(p.y)})`,
    'data-row': String(b.first),
    'data-block': b.key,
    'data-type': 'block',
    'data-first': String(b.first),
    'data-last': String(b.last),
  });
  g.append(
    svgTitle(`${b.label}\nlayers ${b.first}–${b.last} (${b.unit} each)\noutput ${shape}\nclick to expand`),
    halo(BLOCK_W + 4, BLOCK_H + 4),
    svgEl('rect', { x: String(-BLOCK_W / 2 + 4), y: String(-BLOCK_H / 2 + 4), width: String(BLOCK_W), height: String(BLOCK_H), rx: '5', class: 'box stack' }),
    svgEl('rect', { x: String(-BLOCK_W / 2), y: String(-BLOCK_H / 2), width: String(BLOCK_W), height: String(BLOCK_H), rx: '5', class: 'box' }),
    svgText(fit(b.label, 30), 0, -8, 'type'),
    svgText(`▸ layers ${b.first}–${b.last}`, 0, 7, 'name'),
    svgText(shape, 0, 21, 'shape'),
  );
  return g;
}

export function arrowDefs(): SVGDefsElement {
  const arrow = svgEl('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: '7', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
  arrow.append(svgEl('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow-head' }));
  const defs = svgEl('defs');
  defs.append(arrow);
  return defs;
}

export interface NodeLabel {
  readonly id: number;
  readonly type: string;
  readonly name: string;
  readonly shape?: readonly number[];
  readonly summary?: string;
  readonly error: boolean;
  readonly warning: boolean;
  readonly tip?: string;
}

export function layerNode(n: NodeLabel, p: Point): SVGElement {
  const shape = n.shape ? formatDims(n.shape) : '?';
  const merge = MERGE_TYPES.includes(n.type) ? n.type : undefined;
  const g = svgEl('g', {
    class: ['node', n.id < 0 && 'model-input', merge && 'merge', n.error && 'error', !n.error && n.warning && 'warning', !n.shape && 'unknown'].filter(Boolean).join(' '),
    transform: `translate(${round(p.x)},${round(p.y)})`,
    'data-row': String(n.id),
    'data-type': n.type,
  });
  g.append(svgTitle([n.name ? `${n.name} (${n.type})` : n.type, n.summary, shape, n.tip].filter(Boolean).join('\n')));
  const named = n.name !== '' && n.name !== defaultLayerName(n.type, n.id);
  const short = shortName(n.name);
  if (merge) {
    g.append(
      svgEl('circle', { r: String(MERGE_R + HALO), class: 'halo' }),
      svgEl('circle', { r: String(MERGE_R), class: 'box' }),
      svgText(merge === 'add' ? '+' : merge === 'multiply' ? '×' : '∥', 0, 6, 'symbol'),
      svgText(shape, MERGE_R + 5, named ? -2 : 4, 'shape', 'start'),
    );
    if (named) g.append(svgText(fit(short, 12), MERGE_R + 5, 10, 'name', 'start'));
    return g;
  }
  g.append(halo(NODE_W, NODE_H), svgEl('rect', { x: String(-NODE_W / 2), y: String(-NODE_H / 2), width: String(NODE_W), height: String(NODE_H), rx: '4', class: 'box' }));
  g.append(svgText(fit(n.type, 22), 0, named ? -8 : -3, 'type'));
  if (named) g.append(svgText(fit(short, 23), 0, 5, 'name'));
  g.append(svgText(shape, 0, named ? 18 : 12, 'shape'));
  return g;
}

/** dagre ends edges at a node's box; a merge node is a circle inside a wider box: end them on the circle. */
export function clipToMerge(points: readonly Point[], from: NodeRow | undefined, to: NodeRow | undefined, layout: GraphLayout): Point[] {
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
export function pathOf(points: readonly Point[]): string {
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
