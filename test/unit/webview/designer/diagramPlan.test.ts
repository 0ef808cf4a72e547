// What an edit costs the graph picture: a setting, name or shape edit on DenseNet-121 and the 2,004-layer
// model reuses the layout (the layout function is not called, the positions are the very same object) and
// changes the text of the nodes it affects only; a change of the visible nodes or edges lays out again, to
// what a fresh layout gives.
import { strict as assert } from 'node:assert';
import { buildView } from '../../../../src/extension/editor/viewModel';
import type { DesignerView } from '../../../../src/protocol/designer';
import { findBlocks, type Block } from '../../../../webview/designer/blocks';
import type { DiagramRow } from '../../../../webview/designer/diagramView';
import { DiagramPlanner, nodeContent, structureKey, type DiagramPlan } from '../../../../webview/designer/diagramPlan';
import { layoutGraph, type LayoutEdge, type LayoutNode } from '../../../../webview/designer/graphLayout';
import { BLOCK_ID_BASE, visibleGraph } from '../../../../webview/designer/graphModel';
import { deepResnet } from './deepResnet';
import { densenet121 } from './densenet121';

type Model = ReturnType<typeof densenet121>;

const isMerge = (t: string): boolean => t === 'add' || t === 'concatenate' || t === 'multiply';
const collapsed = (): ReadonlySet<string> => new Set();

/** A planner whose layout function counts its calls. */
function counting(): { planner: DiagramPlanner; calls: () => number } {
  let calls = 0;
  const planner = new DiagramPlanner((nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]) => {
    calls++;
    return layoutGraph(nodes, edges);
  });
  return { planner, calls: () => calls };
}

function plan(planner: DiagramPlanner, view: DesignerView, expanded: (blocks: readonly Block[]) => ReadonlySet<string> = collapsed): DiagramPlan {
  return planner.plan(view.rows, structureKey(view.rows), expanded, isMerge);
}

function edited(model: () => Model, change: (m: Model) => void): DesignerView {
  const m = model();
  change(m);
  return buildView(JSON.stringify(m), m.name);
}

/** The ids of the nodes whose text differs between two views of the same graph. */
function changedNodes(a: DesignerView, b: DesignerView, p: DiagramPlan): number[] {
  const before = nodeContent(a.rows, a.inputShape, p.graph);
  const after = nodeContent(b.rows, b.inputShape, p.graph);
  return [...after].filter(([id, text]) => before.get(id) !== text).map(([id]) => id);
}

describe('diagram plan: an edit re-lays out only what changed', () => {
  it('DenseNet-121: conv0\'s filters edited: no layout, the same positions, only the nodes whose shape changed drawn again', () => {
    const { planner, calls } = counting();
    const view = buildView(JSON.stringify(densenet121()), 'densenet121');
    const first = plan(planner, view);
    assert.equal(first.relaid, true);
    assert.equal(calls(), 1);
    assert.equal(first.graph.nodes.length, 27);

    const filters = edited(densenet121, (m) => (m.layers[0]!.filters = 48));
    assert.deepEqual(filters.rows[0]!.outputShape, [112, 112, 48]);
    const second = plan(planner, filters);
    assert.equal(second.relaid, false);
    assert.equal(calls(), 1, 'the layout function is not called again');
    assert.equal(second.layout, first.layout, 'the very same layout');
    assert.equal(second.layout.nodes, first.layout.nodes, 'the very same positions');
    assert.equal(planner.layoutsComputed, 1);
    // conv0 (7×7, in no run of repeats before or after) changed: the blocks were not searched again, and are
    // what a search finds.
    assert.equal(planner.blockSearches, 1);
    assert.equal(second.blocks, first.blocks);
    assert.deepEqual(second.blocks, findBlocks(filters.rows));
    // conv0, relu0, pool0 (48 channels now), denseblock1 (48 + 6 × 32), transition1's norm and relu; the
    // transition's 1×1 conv (128 filters) restores the shapes from there on.
    assert.deepEqual(changedNodes(view, filters, second), [0, 1, 2, BLOCK_ID_BASE, 39, 40]);

    // A name: that node only.
    const renamed = edited(densenet121, (m) => (m.layers[367]!.name = 'pooled'));
    const third = plan(planner, renamed);
    assert.equal(third.layout, first.layout);
    assert.deepEqual(changedNodes(view, renamed, third), [367]);
    assert.equal(calls(), 1);
  });

  it('2,004 layers: the stem\'s filters edited reuses the layout; a block expanded lays out once, collapsed again reuses the first', () => {
    const { planner, calls } = counting();
    const view = buildView(JSON.stringify(deepResnet()), 'deep2000');
    const first = plan(planner, view);
    assert.equal(first.graph.nodes.length, 27);
    const edit = edited(deepResnet, (m) => (m.layers[0]!.filters = 8));
    const second = plan(planner, edit);
    assert.equal(second.relaid, false);
    assert.equal(second.layout.nodes, first.layout.nodes);
    assert.equal(calls(), 1);

    const stage2 = (blocks: readonly Block[]): ReadonlySet<string> => new Set([blocks[1]!.key]);
    const open = plan(planner, edit, stage2);
    assert.equal(open.relaid, true);
    assert.equal(open.graph.nodes.length, 27 - 1 + 658);
    assert.deepEqual(open.layout, layoutGraph(open.graph.nodes, open.graph.edges));
    assert.equal(plan(planner, edit).layout, first.layout, 'collapsed again: the first layout, from the cache');
    assert.equal(calls(), 2);
  });

  it('a structural change lays out again, to what a fresh layout gives', () => {
    const { planner, calls } = counting();
    const view = buildView(JSON.stringify(densenet121()), 'densenet121');
    const first = plan(planner, view);
    // A layer inserted from the palette after conv0: every later index moves.
    const inserted = edited(densenet121, (m) => m.layers.splice(1, 0, { type: 'batchNorm', name: 'added' }));
    const second = plan(planner, inserted);
    assert.equal(second.relaid, true);
    assert.equal(calls(), 2);
    assert.notEqual(second.graph.key, first.graph.key);
    assert.equal(second.graph.nodes.length, 28);
    assert.deepEqual(second.layout, layoutGraph(second.graph.nodes, second.graph.edges));
    // A setting inside a dense block splits the block (its repeats differ now): other nodes, a new layout.
    const inBlock = edited(densenet121, (m) => (m.layers[3 + 6 + 2]!.filters = 64));
    const searches = planner.blockSearches;
    const third = plan(planner, inBlock);
    assert.equal(planner.blockSearches, searches + 1, 'a layer of a run changed: searched again');
    assert.deepEqual(third.blocks, findBlocks(inBlock.rows));
    assert.equal(third.relaid, true);
    assert.ok(third.graph.nodes.length > 27);
    assert.deepEqual(third.layout, layoutGraph(third.graph.nodes, third.graph.edges));
    // The original text back (undo): its layout from the cache.
    assert.equal(plan(planner, view).layout, first.layout);
    assert.equal(calls(), 3);
  });

  it('blocks kept without a search are what a search finds: 400 random edits of settings', () => {
    // A chain of units drawn from a few kinds, so that runs of repeats form and break; a seeded generator.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const kinds = [['conv2d', 'relu'], ['conv2d', 'batchNorm', 'relu'], ['dense'], ['conv2d', 'relu', 'maxPool2d']];
    const types: string[] = [];
    while (types.length < 300) types.push(...kinds[random(2) === 0 ? random(kinds.length) : 0]!);
    let rows: DiagramRow[] = types.map((type, index) => ({ index, type, name: `l${index}`, summary: type === 'conv2d' ? '16 filters' : '', inputs: [{ index: index - 1 }], errors: [], warnings: [] }));
    const planner = new DiagramPlanner();
    let kept = 0;
    for (let edit = 0; edit < 400; edit++) {
      const at = random(rows.length);
      // Mostly a value no other layer has (such an edit keeps the blocks when the layer is in no run), else a common one.
      const summary = random(3) === 0 ? '16 filters' : `${random(1000)} filters`;
      rows = rows.map((r) => (r.index === at ? { ...r, summary } : r));
      const searches = planner.blockSearches;
      assert.deepEqual(planner.blocksOf(rows, structureKey(rows)), findBlocks(rows), `edit ${edit} (layer ${at})`);
      if (planner.blockSearches === searches) kept++;
    }
    assert.ok(kept > 50 && kept < 400, `${kept} of 400 edits kept the blocks without a search`);
  });

  it('a layer that becomes a merge keeps its width, not its height: another layout', () => {
    const rows = (type: string) => [
      { index: 0, type: 'conv2d', name: 'a', summary: '', inputs: [{ index: -1 }] },
      { index: 1, type, name: 'b', summary: '', inputs: [{ index: 0 }] },
    ];
    assert.notEqual(visibleGraph(rows('relu'), [], new Set(), isMerge).key, visibleGraph(rows('concatenate'), [], new Set(), isMerge).key);
  });
});
