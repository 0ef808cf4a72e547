// What the diagram draws: one node per layer (and one for the model input), except that a collapsed
// block is one node standing for all its layers; the edges between what is visible, an edge into or out of a
// collapsed block drawn once. Node sizes are fixed per kind, so the layout depends on this structure
// alone: a settings or shape edit changes labels, not positions (diagram.ts re-lays out only when the
// structure key changes). No DOM: unit-tested.
import type { Block, BlockRow } from './blocks';
import type { LayoutEdge, LayoutNode } from './graphLayout';

export const NODE_W = 150;
export const NODE_H = 46;
export const MERGE_W = 150;
export const MERGE_H = 34;
export const BLOCK_W = 190;
export const BLOCK_H = 56;
/** Block nodes' ids: past any layer index. */
export const BLOCK_ID_BASE = 1_000_000;

export interface GraphRow extends BlockRow {
  readonly inputs: readonly { readonly index?: number; readonly error?: string }[];
}

export interface VisibleGraph {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  /** The node that shows each layer: its own id, or its collapsed block's. */
  readonly nodeOf: (row: number) => number;
  /** The block of a block node id. */
  readonly blockOf: (id: number) => Block | undefined;
  /** Nodes and edges as a string: equal keys, equal layouts. */
  readonly key: string;
}

export function visibleGraph(rows: readonly GraphRow[], blocks: readonly Block[], expanded: ReadonlySet<string>, isMerge: (type: string) => boolean): VisibleGraph {
  const owner = new Int32Array(rows.length).fill(-1);
  blocks.forEach((b, k) => {
    if (expanded.has(b.key)) return;
    for (let i = b.first; i <= b.last && i < rows.length; i++) owner[i] = BLOCK_ID_BASE + k;
  });
  const nodeOf = (row: number): number => (row >= 0 && row < rows.length && owner[row]! >= 0 ? owner[row]! : row);
  const nodes: LayoutNode[] = [{ id: -1, width: NODE_W, height: NODE_H }];
  for (const r of rows) {
    const id = nodeOf(r.index);
    if (id !== r.index) {
      if (r.index === blocks[id - BLOCK_ID_BASE]!.first) nodes.push({ id, width: BLOCK_W, height: BLOCK_H });
    } else nodes.push({ id, width: isMerge(r.type) ? MERGE_W : NODE_W, height: isMerge(r.type) ? MERGE_H : NODE_H });
  }
  const edges: LayoutEdge[] = [];
  const once = new Set<string>();
  for (const r of rows) {
    r.inputs.forEach((input, element) => {
      if (input.index === undefined || input.index >= r.index) return;
      const from = nodeOf(input.index);
      const to = nodeOf(r.index);
      if (from === to) return;
      if (from >= BLOCK_ID_BASE || to >= BLOCK_ID_BASE) {
        const k = `${from}>${to}`;
        if (once.has(k)) return;
        once.add(k);
      }
      edges.push({ from, to, element });
    });
  }
  // Sizes in full: a layer turned into a merge (or back) keeps its width but not its height.
  const key = `${nodes.map((n) => `${n.id}:${n.width}x${n.height}`).join(',')}|${edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
  return { nodes, edges, nodeOf, blockOf: (id) => (id >= BLOCK_ID_BASE ? blocks[id - BLOCK_ID_BASE] : undefined), key };
}
