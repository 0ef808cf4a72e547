// Repeated blocks found from the structure of real networks: the shipped ResNet-20 and MobileNetV2
// examples and torchvision's DenseNet-121 as `cnn import` writes it; and what the diagram then shows.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildView } from '../../../../src/extension/editor/viewModel';
import type { DesignerView } from '../../../../src/protocol/designer';
import { commonNamePrefix, findBlocks, shortName, type BlockRow } from '../../../../webview/designer/blocks';
import { layoutGraph } from '../../../../webview/designer/graphLayout';
import { BLOCK_ID_BASE, visibleGraph } from '../../../../webview/designer/graphModel';
import { deepResnet } from './deepResnet';
import { densenet121 } from './densenet121';

const example = (file: string): DesignerView => buildView(readFileSync(join(__dirname, '../../../../examples', file), 'utf8'), file);
const isMerge = (t: string): boolean => t === 'add' || t === 'concatenate' || t === 'multiply';
const summary = (view: DesignerView): string[] => findBlocks(view.rows).map((b) => `${b.first}–${b.last} ${b.label}`);

describe('repeated blocks', () => {
  it('ResNet-20: the residual blocks of each stage, the stem and each stage\'s downsampling block left out', () => {
    const view = example('resnet20.cnn.json');
    assert.deepEqual(summary(view), ['3–23 stage1: 3 × residual block', '33–46 stage2: 2 × residual block', '56–69 stage3: 2 × residual block']);
    // Each unit starts at the conv after the previous block's output, not at the relu before it.
    assert.equal(view.rows[3]!.name, 'stage1_block1_conv1');
    assert.equal(view.rows[23]!.name, 'stage1_block3_out');
  });

  it('DenseNet-121 (torchvision, imported from ONNX): four dense blocks of 6, 12, 24 and 16 dense layers', () => {
    const view = buildView(JSON.stringify(densenet121()), 'densenet121');
    assert.equal(view.rows.length, 370);
    assert.deepEqual(summary(view), [
      '3–38 denseblock1: 6 × dense layer',
      '44–115 denseblock2: 12 × dense layer',
      '121–264 denseblock3: 24 × dense layer',
      '270–365 denseblock4: 16 × dense layer',
    ]);
  });

  it('MobileNetV2 (the example): no two back-to-back blocks are alike, so nothing collapses', () => {
    assert.deepEqual(summary(example('mobilenetv2.cnn.json')), []);
    assert.deepEqual(summary(example('lenet5.cnn.json')), []);
  });

  it('a plain chain of identical layers is one block; a unit is the shortest that repeats', () => {
    const rows: BlockRow[] = Array.from({ length: 8 }, (_, i) => ({ index: i, type: i % 2 ? 'relu' : 'conv2d', name: `l${i}`, summary: i % 2 ? '' : '8 filters 3×3', inputs: [{ index: i - 1 }] }));
    assert.deepEqual(findBlocks(rows).map((b) => [b.first, b.last, b.unit, b.count, b.kind]), [[0, 7, 2, 4, 'conv2d + relu']]);
    // A different setting in the middle splits the run: 2 units, then 1 (too small), nothing else.
    const edited = rows.map((r) => (r.index === 4 ? { ...r, summary: '16 filters 3×3' } : r));
    assert.deepEqual(findBlocks(edited).map((b) => [b.first, b.last]), [[0, 3]]);
  });

  it('stays fast on 2,000 layers', () => {
    const rows: BlockRow[] = Array.from({ length: 2000 }, (_, i) => ({ index: i, type: ['conv2d', 'batchNorm', 'relu', 'add'][i % 4]!, name: `l${i}`, summary: '', inputs: i % 4 === 3 ? [{ index: i - 1 }, { index: i - 4 }] : [{ index: i - 1 }] }));
    const started = performance.now();
    const blocks = findBlocks(rows);
    assert.ok(performance.now() - started < 1500, `${performance.now() - started} ms`);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0]!.count * blocks[0]!.unit, 2000);
  });

  it('names: the last part shared by the members, not a layer type; the last path segment on a node', () => {
    assert.equal(commonNamePrefix(['layer3/layer3.1/conv1', 'layer3/layer3.2/conv1'], ['conv2d']), 'layer3');
    assert.equal(commonNamePrefix(['conv2d_3', 'conv2d_5'], ['conv2d']), '');
    assert.equal(shortName('features/features.0/features.0.0'), 'features.0.0');
    assert.equal(shortName('features.denseblock1.denselayer1.conv1'), 'denselayer1.conv1');
    assert.equal(shortName('conv2d_1'), 'conv2d_1');
  });
});

describe('the visible graph', () => {
  it('DenseNet-121 collapsed: each dense block one node, every edge into it drawn once; expanded: every layer', () => {
    const view = buildView(JSON.stringify(densenet121()), 'densenet121');
    const blocks = findBlocks(view.rows);
    const collapsed = visibleGraph(view.rows, blocks, new Set(), isMerge);
    assert.equal(collapsed.nodes.length, 1 + 370 - (36 + 72 + 144 + 96) + 4);
    assert.equal(collapsed.nodeOf(100), BLOCK_ID_BASE + 1);
    assert.equal(collapsed.blockOf(BLOCK_ID_BASE + 2)?.label, 'denseblock3: 24 × dense layer');
    // Into block 1: only from pool0 (its concatenations all read it: one edge); out: to transition1's norm.
    assert.deepEqual(collapsed.edges.filter((e) => e.to === BLOCK_ID_BASE || e.from === BLOCK_ID_BASE).map((e) => `${e.from}>${e.to}`), ['2>1000000', '1000000>39']);
    const started = performance.now();
    const layout = layoutGraph(collapsed.nodes, collapsed.edges);
    assert.ok(performance.now() - started < 500);
    assert.ok(layout.nodes.get(BLOCK_ID_BASE + 3)!.y > layout.nodes.get(BLOCK_ID_BASE)!.y, 'top to bottom');

    // denseblock3 expanded: its concatenations' long edges would take dagre seconds; file order instead.
    const third = visibleGraph(view.rows, blocks, new Set([blocks[2]!.key]), isMerge);
    const before = performance.now();
    const thirdLayout = layoutGraph(third.nodes, third.edges);
    assert.ok(performance.now() - before < 300, `${performance.now() - before} ms`);
    assert.ok(thirdLayout.nodes.get(264)!.y > thirdLayout.nodes.get(121)!.y);

    const open = visibleGraph(view.rows, blocks, new Set(blocks.map((b) => b.key)), isMerge);
    assert.equal(open.nodes.length, 371);
    assert.equal(open.edges.length, view.rows.reduce((n, r) => n + r.inputs.length, 0));
    // Layout depends on structure only: the same key for a model whose settings changed, not shapes of nodes.
    const renamed = view.rows.map((r) => ({ ...r, name: `${r.name}_x` }));
    assert.equal(visibleGraph(renamed, blocks, new Set(), isMerge).key, collapsed.key);
  });

  it('2,004 layers: three stages of residual blocks collapse to 27 nodes; one stage or all of them laid out in well under a second', () => {
    const view = buildView(JSON.stringify(deepResnet()), 'deep2000');
    assert.equal(view.rows.length, 2004);
    const blocks = findBlocks(view.rows);
    assert.deepEqual(summary(view), ['3–667 stage1: 95 × residual block', '677–1334 stage2: 94 × residual block', '1344–2001 stage3: 94 × residual block']);
    assert.equal(visibleGraph(view.rows, blocks, new Set(), isMerge).nodes.length, 27);
    for (const [expanded, nodes] of [[[blocks[1]!.key], 27 - 1 + 658], [blocks.map((b) => b.key), 2005]] as const) {
      const graph = visibleGraph(view.rows, blocks, new Set(expanded), isMerge);
      assert.equal(graph.nodes.length, nodes);
      const started = performance.now();
      const layout = layoutGraph(graph.nodes, graph.edges);
      assert.ok(performance.now() - started < 500, `${performance.now() - started} ms`);
      assert.ok(layout.nodes.get(1000)!.y > layout.nodes.get(900)!.y, 'top to bottom');
    }
  });

  it('ResNet-20 with one stage expanded: that stage\'s shortcuts are edges again', () => {
    const view = example('resnet20.cnn.json');
    const blocks = findBlocks(view.rows);
    const g = visibleGraph(view.rows, blocks, new Set([blocks[0]!.key]), isMerge);
    const shortcuts = g.edges.filter((e) => e.to < BLOCK_ID_BASE && e.from < BLOCK_ID_BASE && e.from !== e.to - 1);
    assert.deepEqual(shortcuts.map((e) => `${e.from}>${e.to}`).filter((s) => Number(s.split('>')[1]) <= 23), ['2>8', '9>15', '16>22']);
    assert.equal(g.nodes.filter((n) => n.id >= BLOCK_ID_BASE).length, 2);
  });
});
