// Where the diagram's nodes and edges go: a layered layout, left to right in data-flow order (dagre, as
// Netron and TensorBoard draw graphs). A chain, and a graph too large for dagre to lay out at once, are
// placed in file order on one line, which is what dagre would do with a chain anyway. No DOM: unit-tested.
import { graphlib, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';

export interface LayoutNode {
  /** −1 for the model input, else the layer index. */
  readonly id: number;
  readonly width: number;
  readonly height: number;
}

export interface LayoutEdge {
  readonly from: number;
  readonly to: number;
  /** Which input of `to` (its position in the inputs). */
  readonly element: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  /** Node centres, by id. */
  readonly nodes: ReadonlyMap<number, Point>;
  /** One polyline per edge, in the order given, from the source's border to the target's. */
  readonly edges: readonly (readonly Point[])[];
}

const MARGIN = 10;
const NODE_GAP = 18;
const RANK_GAP = 30;
/** dagre's crossing reduction grows faster than linearly: beyond this, file order on one line. */
export const MAX_DAGRE_NODES = 600;

export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const chain = edges.every((e) => e.from === e.to - 1);
  const laid = chain || nodes.length > MAX_DAGRE_NODES ? lineLayout(nodes, edges) : dagreLayout(nodes, edges);
  // A layer read twice by one layer (add(x, x)): the second edge runs beside the first, not on it.
  const seen = new Map<string, number>();
  const paths = laid.edges.map((points, i) => {
    const e = edges[i]!;
    const key = `${e.from}>${e.to}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k === 0 ? points : points.map((p) => ({ x: p.x, y: p.y + 6 * k }));
  });
  return { ...laid, edges: paths };
}

function dagreLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const g = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: NODE_GAP, ranksep: RANK_GAP, edgesep: 8, marginx: MARGIN, marginy: MARGIN });
  for (const n of nodes) g.setNode(String(n.id), { width: n.width, height: n.height });
  // Two inputs from the same layer (add(x, x)) are two edges: name them apart.
  edges.forEach((e, i) => g.setEdge(String(e.from), String(e.to), {}, String(i)));
  layout(g);
  const positions = new Map<number, Point>();
  for (const n of nodes) {
    const p = g.node(String(n.id));
    positions.set(n.id, { x: p.x ?? 0, y: p.y ?? 0 });
  }
  const paths = edges.map((e, i) => (g.edge({ v: String(e.from), w: String(e.to), name: String(i) }).points ?? []).map((p) => ({ x: p.x, y: p.y })));
  const size = g.graph();
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes: positions, edges: paths };
}

/** Every node on one line in file order; an edge that skips nodes arcs below them. */
function lineLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const height = nodes.reduce((m, n) => Math.max(m, n.height), 0);
  const positions = new Map<number, Point>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let x = MARGIN;
  for (const n of nodes) {
    positions.set(n.id, { x: x + n.width / 2, y: MARGIN + height / 2 });
    x += n.width + RANK_GAP;
  }
  let depth = 0;
  const paths = edges.map((e) => {
    const a = positions.get(e.from);
    const b = positions.get(e.to);
    const na = byId.get(e.from);
    const nb = byId.get(e.to);
    if (!a || !b || !na || !nb) return [];
    if (e.from === e.to - 1) return [{ x: a.x + na.width / 2, y: a.y }, { x: b.x - nb.width / 2, y: b.y }];
    // Under the nodes, deeper for longer jumps, so nested shortcuts stay apart.
    const drop = height / 2 + 14 + 8 * Math.min(6, Math.round(Math.log2(e.to - e.from)));
    depth = Math.max(depth, drop);
    return [
      { x: a.x, y: a.y + na.height / 2 },
      { x: a.x + 10, y: a.y + drop },
      { x: b.x - 10, y: b.y + drop },
      { x: b.x, y: b.y + nb.height / 2 },
    ];
  });
  return { width: Math.max(x - RANK_GAP + MARGIN, 0), height: MARGIN * 2 + height / 2 + Math.max(height / 2, depth + 4), nodes: positions, edges: paths };
}
