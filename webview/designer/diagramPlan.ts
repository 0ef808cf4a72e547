// What an edit costs the graph picture. The repeated blocks are found again only when the layers' types,
// settings or wiring change, and not when the only layers changed were in no run of repeats and still cannot
// be (blocks.ts: blocksStillValid), as conv0 of DenseNet-121; the layout is computed only when the visible nodes and edges change (node
// sizes are fixed per kind, so nothing else moves anything) and is cached by that key, a few kept, so that
// collapsing a block back is free too. An edit of a setting, a name or a shape reuses the positions as they
// are, and nodeContent() tells which nodes' text changed, so that only those are drawn again.
// No DOM: unit-tested on DenseNet-121 and the 2,004-layer model.
import { blockHead, blocksStillValid, findBlocks, type Block } from './blocks';
import type { DiagramRow } from './diagramView';
import { layoutGraph, type GraphLayout } from './graphLayout';
import { visibleGraph, type VisibleGraph } from './graphModel';

const LAYOUT_CACHE = 8;

export interface DiagramPlan {
  readonly blocks: readonly Block[];
  readonly graph: VisibleGraph;
  readonly layout: GraphLayout;
  /** Whether this plan computed its layout (a structural change), or reused one. */
  readonly relaid: boolean;
}

/** What block detection reads: the layers' types, settings and wiring; names and shapes apart. */
export function structureKey(rows: readonly DiagramRow[]): string {
  return JSON.stringify(rows.map((r) => [r.type, r.summary, r.inputs.map((i) => i.index)]));
}

/** Changed layers past which the blocks are searched again rather than checked. */
const FEW_CHANGED = 8;

export class DiagramPlanner {
  private blocks: { key: string; heads: readonly string[]; wiring: readonly string[]; list: readonly Block[] } | undefined;
  /** Block searches so far (the tests read it: conv0's filters edited adds none). */
  blockSearches = 0;
  private readonly layouts = new Map<string, GraphLayout>();
  /** Layouts computed so far (the e2e and the tests read it: an edit of a setting adds none). */
  layoutsComputed = 0;

  constructor(private readonly lay: typeof layoutGraph = layoutGraph) {}

  /** The blocks of `rows`: the last ones when `structure` (structureKey) is the same or the change cannot move them. */
  blocksOf(rows: readonly DiagramRow[], structure: string): readonly Block[] {
    const last = this.blocks;
    if (last?.key === structure) return last.list;
    const heads = rows.map(blockHead);
    const wiring = rows.map((r) => r.inputs.map((i) => i.index).join(','));
    let list: readonly Block[] | undefined;
    if (last && last.heads.length === heads.length && wiring.every((w, i) => w === last.wiring[i])) {
      const changed: number[] = [];
      for (let i = 0; i < heads.length && changed.length <= FEW_CHANGED; i++) if (heads[i] !== last.heads[i]) changed.push(i);
      if (changed.length <= FEW_CHANGED && blocksStillValid(last.heads, heads, changed)) list = last.list;
    }
    if (!list) {
      list = findBlocks(rows);
      this.blockSearches++;
    }
    this.blocks = { key: structure, heads, wiring, list };
    return list;
  }

  plan(rows: readonly DiagramRow[], structure: string, expanded: (blocks: readonly Block[]) => ReadonlySet<string>, isMerge: (type: string) => boolean): DiagramPlan {
    const blocks = this.blocksOf(rows, structure);
    const graph = visibleGraph(rows, blocks, expanded(blocks), isMerge);
    let layout = this.layouts.get(graph.key);
    const relaid = !layout;
    if (!layout) {
      layout = this.lay(graph.nodes, graph.edges);
      this.layoutsComputed++;
      if (this.layouts.size >= LAYOUT_CACHE) this.layouts.delete(this.layouts.keys().next().value!);
    } else this.layouts.delete(graph.key); // most recently used last
    this.layouts.set(graph.key, layout);
    return { blocks, graph, layout, relaid };
  }
}

/**
 * Everything a node's element shows, as a string per node id: equal strings, equal elements (diagram.ts
 * draws again only the nodes whose string changed). A collapsed block shows its label, range and the last
 * layer's shape, red when any of its layers has an error.
 */
export function nodeContent(rows: readonly DiagramRow[], inputShape: readonly number[] | undefined, graph: VisibleGraph): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of graph.nodes) {
    const block = graph.blockOf(n.id);
    if (block) {
      let bad = false;
      for (let i = block.first; i <= block.last && !bad; i++) bad = (rows[i]?.errors.length ?? 0) > 0;
      out.set(n.id, JSON.stringify(['block', block.key, block.label, rows[block.last]?.outputShape, bad]));
    } else if (n.id < 0) out.set(n.id, JSON.stringify(['input', inputShape]));
    else {
      const r = rows[n.id];
      out.set(n.id, JSON.stringify(r ? [r.type, r.name, r.summary, r.outputShape, r.errors, r.warnings] : []));
    }
  }
  return out;
}
