// The diagram's layout: data flows left to right, no two nodes overlap, every edge runs from its source's
// border to its target's; chains (and graphs too large for dagre) sit on one line in file order.
import { strict as assert } from 'node:assert';
import { MAX_DAGRE_NODES, layoutGraph, type LayoutEdge, type LayoutNode } from '../../../../webview/designer/graphLayout';

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
  it('puts a chain on one line, in file order, with straight edges between neighbours', () => {
    const nodes = [box(-1), box(0), box(1), box(2)];
    const layout = layoutGraph(nodes, chainEdges(3));
    const xs = nodes.map((n) => layout.nodes.get(n.id)!.x);
    assert.deepEqual([...xs].sort((a, b) => a - b), xs);
    assert.equal(new Set(nodes.map((n) => layout.nodes.get(n.id)!.y)).size, 1);
    assert.deepEqual(layout.edges[0], [{ x: xs[0]! + 62, y: layout.nodes.get(-1)!.y }, { x: xs[1]! - 62, y: layout.nodes.get(0)!.y }]);
    assert.ok(layout.width >= 4 * 124 && layout.height >= 50);
  });

  it('lays a residual block out left to right, the shortcut routed apart from the convolutions', () => {
    // input → conv0 → conv1 → add(conv1, input) → pool
    const nodes = [box(-1), box(0), box(1), box(2, 40, 64), box(3)];
    const edges: LayoutEdge[] = [...chainEdges(4), { from: -1, to: 2, element: 1 }];
    const layout = layoutGraph(nodes, edges);
    const x = (id: number): number => layout.nodes.get(id)!.x;
    assert.ok(x(-1) < x(0) && x(0) < x(1) && x(1) < x(2) && x(2) < x(3), 'data flows left to right');
    assertNoOverlap(nodes, layout.nodes);
    assert.equal(layout.edges.length, edges.length);
    const shortcut = layout.edges[4]!;
    assert.ok(shortcut.length >= 2);
    // From the input's right side to the add; it passes the convolutions above or below them.
    assert.ok(Math.abs(shortcut[0]!.x - (x(-1) + 62)) < 1 && Math.abs(shortcut[shortcut.length - 1]!.x - (x(2) - 20)) < 1, JSON.stringify(shortcut));
    const convY = layout.nodes.get(0)!.y;
    const middle = shortcut.filter((p) => p.x > x(0) - 62 && p.x < x(1) + 62);
    assert.ok(middle.length > 0 && middle.every((p) => Math.abs(p.y - convY) >= 25), `the shortcut crosses the convolutions: ${JSON.stringify(shortcut)}`);
    assert.ok(layout.width <= 5 * 124 + 4 * 60 && layout.width >= 4 * 124 + 40);
  });

  it('keeps two edges from one layer into an add apart (add(x, x))', () => {
    const layout = layoutGraph([box(-1), box(0), box(1, 40, 64)], [...chainEdges(2), { from: 0, to: 1, element: 1 }]);
    assert.equal(layout.edges.length, 3);
    assert.notDeepEqual(layout.edges[1], layout.edges[2]);
  });

  it('places a graph too large for dagre in file order, shortcuts arcing below', () => {
    const n = MAX_DAGRE_NODES + 10;
    const nodes = [box(-1), ...Array.from({ length: n }, (_, i) => box(i))];
    const edges = [...chainEdges(n), { from: 3, to: 7, element: 1 }];
    const started = Date.now();
    const layout = layoutGraph(nodes, edges);
    assert.ok(Date.now() - started < 1000);
    assert.ok(layout.nodes.get(n - 1)!.x > layout.nodes.get(0)!.x);
    const arc = layout.edges[edges.length - 1]!;
    assert.ok(arc.length === 4 && arc[1]!.y > layout.nodes.get(3)!.y + 25 && arc[1]!.y < layout.height, JSON.stringify(arc));
  });
});
