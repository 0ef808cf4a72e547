// The diagram's layout: data flows top to bottom, no two nodes overlap, every edge runs from its source's
// border to its target's; chains (and graphs too large for dagre) sit in one column in file order.
import { strict as assert } from 'node:assert';
import { MAX_DAGRE_NODES, dagreLayout, layoutGraph, type LayoutEdge, type LayoutNode } from '../../../../webview/designer/graphLayout';

const box = (id: number, width = 124, height = 50): LayoutNode => ({ id, width, height });
const chainEdges = (n: number): LayoutEdge[] => Array.from({ length: n }, (_, i) => ({ from: i - 1, to: i, element: 0 }));

function assertNoOverlap(nodes: readonly LayoutNode[], at: ReadonlyMap<number, { x: number; y: number }>): void {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a.id >= b.id) continue;
      const pa = at.get(a.id)!;
      const pb = at.get(b.id)!;
      const apart = Math.abs(pa.x - pb.x) >= (a.width + b.width) / 2 || Math.abs(pa.y - pb.y) >= (a.height + b.height) / 2;
      assert.ok(apart, `nodes ${a.id} and ${b.id} overlap`);
    }
  }
}

describe('diagram layout', () => {
  it('puts a chain in one column, in file order, with straight edges between neighbours', () => {
    const nodes = [box(-1), box(0), box(1), box(2)];
    const layout = layoutGraph(nodes, chainEdges(3));
    const ys = nodes.map((n) => layout.nodes.get(n.id)!.y);
    assert.deepEqual([...ys].sort((a, b) => a - b), ys);
    assert.equal(new Set(nodes.map((n) => layout.nodes.get(n.id)!.x)).size, 1);
    const x = layout.nodes.get(-1)!.x;
    assert.deepEqual(layout.edges[0], [{ x, y: ys[0]! + 25 }, { x, y: ys[1]! - 25 }]);
    assert.ok(layout.height >= 4 * 50 && layout.width >= 124 && layout.width < 2 * 124);
  });

  it('puts a chain through collapsed blocks (ids not consecutive) in one column, where dagre puts every node too', () => {
    // DenseNet-121 collapsed: the stem, a block node (id past any layer), a transition, another block, the head.
    const nodes = [box(-1), box(0), box(1_000_000, 190, 56), box(40), box(41, 124, 34), box(1_000_001, 190, 56), box(90)];
    const edges: LayoutEdge[] = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id, element: 0 }));
    const layout = layoutGraph(nodes, edges);
    const dagre = dagreLayout(nodes, edges);
    assert.deepEqual([layout.width, layout.height], [dagre.width, dagre.height]);
    for (const n of nodes) assert.deepEqual(layout.nodes.get(n.id), dagre.nodes.get(n.id), `node ${n.id}`);
    // The same straight segments (dagre adds a point on the way): the column's, with only their two ends.
    assert.ok(layout.edges.every((points) => points.length === 2), 'laid out as a column, without dagre');
    layout.edges.forEach((points, i) => {
      const d = dagre.edges[i]!;
      assert.deepEqual([points[0], points[points.length - 1]], [d[0], d[d.length - 1]]);
      assert.ok(d.every((p) => p.x === points[0]!.x), 'dagre draws it straight down too');
    });
  });

  it('lays a residual block out top to bottom, the shortcut routed beside the convolutions', () => {
    // input → conv0 → conv1 → add(conv1, input) → pool
    const nodes = [box(-1), box(0), box(1), box(2, 124, 34), box(3)];
    const edges: LayoutEdge[] = [...chainEdges(4), { from: -1, to: 2, element: 1 }];
    const layout = layoutGraph(nodes, edges);
    const y = (id: number): number => layout.nodes.get(id)!.y;
    assert.ok(y(-1) < y(0) && y(0) < y(1) && y(1) < y(2) && y(2) < y(3), 'data flows top to bottom');
    assertNoOverlap(nodes, layout.nodes);
    assert.equal(layout.edges.length, edges.length);
    const shortcut = layout.edges[4]!;
    assert.ok(shortcut.length >= 2);
    // From the input's bottom to the add's top; it passes the convolutions on their left or right.
    assert.ok(Math.abs(shortcut[0]!.y - (y(-1) + 25)) < 1 && Math.abs(shortcut[shortcut.length - 1]!.y - (y(2) - 17)) < 1, JSON.stringify(shortcut));
    const convX = layout.nodes.get(0)!.x;
    const middle = shortcut.filter((p) => p.y > y(0) - 25 && p.y < y(1) + 25);
    assert.ok(middle.length > 0 && middle.every((p) => Math.abs(p.x - convX) >= 62), `the shortcut crosses the convolutions: ${JSON.stringify(shortcut)}`);
    assert.ok(layout.height <= 5 * 50 + 4 * 60 && layout.height >= 4 * 50 + 40);
  });

  it('keeps two edges from one layer into an add apart (add(x, x))', () => {
    const layout = layoutGraph([box(-1), box(0), box(1, 40, 64)], [...chainEdges(2), { from: 0, to: 1, element: 1 }]);
    assert.equal(layout.edges.length, 3);
    assert.notDeepEqual(layout.edges[1], layout.edges[2]);
  });

  it('places a graph too large for dagre in file order, shortcuts arcing to the right', () => {
    const n = MAX_DAGRE_NODES + 10;
    const nodes = [box(-1), ...Array.from({ length: n }, (_, i) => box(i))];
    const edges = [...chainEdges(n), { from: 3, to: 7, element: 1 }];
    const started = Date.now();
    const layout = layoutGraph(nodes, edges);
    assert.ok(Date.now() - started < 1000);
    assert.ok(layout.nodes.get(n - 1)!.y > layout.nodes.get(0)!.y);
    const arc = layout.edges[edges.length - 1]!;
    assert.ok(arc.length === 4 && arc[1]!.x > layout.nodes.get(3)!.x + 62 && arc[1]!.x < layout.width, JSON.stringify(arc));
  });
});
