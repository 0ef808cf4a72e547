// Where the diagram's nodes and edges go: a layered layout, top to bottom in data-flow order (dagre, as
// Netron and TensorBoard draw graphs). A chain, and a graph too large for dagre to lay out at once, are
// placed in file order in one column, which is what dagre would do with a chain anyway. No DOM: unit-tested.
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
const RANK_GAP = 26;
/** dagre's crossing reduction grows faster than linearly: beyond this many nodes or edges, file order in one column. */
export const MAX_DAGRE_NODES = 600;
export const MAX_DAGRE_EDGES = 900;
/**
 * dagre splits an edge spanning k ranks into k pieces: DenseNet's concatenations (each reading every earlier
 * layer of its block) make tens of thousands (an expanded 24-layer dense block took 11 s). Beyond this sum of
 * spans, counted in file order, file order in one column too.
 */
export const MAX_DAGRE_SPAN = 4000;

export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  // A chain in node order, collapsed blocks included (DenseNet-121's 27 nodes): dagre would place it exactly so,
  // at the cost of its ranking passes (about 20 ms on opening the designer, before the code is warm).
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const chain = edges.every((e) => order.get(e.to)! - order.get(e.from)! === 1);
  const laid = chain || nodes.length > MAX_DAGRE_NODES || edges.length > MAX_DAGRE_EDGES || span(nodes, edges) > MAX_DAGRE_SPAN ? columnLayout(nodes, edges) : dagreLayout(nodes, edges);
  // A layer read twice by one layer (add(x, x)): the second edge runs beside the first, not on it.
  const seen = new Map<string, number>();
  const paths = laid.edges.map((points, i) => {
    const e = edges[i]!;
    const key = `${e.from}>${e.to}`;
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    return k === 0 ? points : points.map((p) => ({ x: p.x + 6 * k, y: p.y }));
  });
  return { ...laid, edges: paths };
}

function span(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): number {
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  return edges.reduce((sum, e) => sum + Math.abs((order.get(e.to) ?? 0) - (order.get(e.from) ?? 0)), 0);
}

/** dagre's layered layout (exported for the tests: a chain's column is what it gives, point for point). */
export function dagreLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const g = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: NODE_GAP, ranksep: RANK_GAP, edgesep: 8, marginx: MARGIN, marginy: MARGIN });
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

/** Every node in one column in file order; an edge that skips nodes arcs to their right. */
function columnLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): GraphLayout {
  const width = nodes.reduce((m, n) => Math.max(m, n.width), 0);
  const positions = new Map<number, Point>();
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  let y = MARGIN;
  for (const n of nodes) {
    positions.set(n.id, { x: MARGIN + width / 2, y: y + n.height / 2 });
    y += n.height + RANK_GAP;
  }
  let reach = 0;
  const paths = edges.map((e) => {
    const a = positions.get(e.from);
    const b = positions.get(e.to);
    const na = byId.get(e.from);
    const nb = byId.get(e.to);
    if (!a || !b || !na || !nb) return [];
    const jump = (order.get(e.to) ?? 0) - (order.get(e.from) ?? 0);
    if (jump === 1) return [{ x: a.x, y: a.y + na.height / 2 }, { x: b.x, y: b.y - nb.height / 2 }];
    // Right of the nodes, further out for longer jumps, so nested shortcuts stay apart.
    const out = width / 2 + 14 + 8 * Math.min(8, Math.round(Math.log2(Math.max(1, jump))));
    reach = Math.max(reach, out);
    return [
      { x: a.x + na.width / 2, y: a.y },
      { x: a.x + out, y: a.y + 10 },
      { x: b.x + out, y: b.y - 10 },
      { x: b.x + nb.width / 2, y: b.y },
    ];
  });
  return { width: MARGIN * 2 + width / 2 + Math.max(width / 2, reach + 4), height: Math.max(y - RANK_GAP + MARGIN, 0), nodes: positions, edges: paths };
}
