// The node table of the .onnx view: one row per node in graph order (index, operator, name, input and output
// shapes, parameters, status), grouped by module (groups.ts) under a header row with the group's totals that folds
// it; unsupported rows marked with the reason. A big graph is appended in slices, one per frame, so the view
// answers while a 10,000-node model fills in; rows are plain elements with one delegated listener.
import type { NodeView, OnnxGraphView } from '../../src/protocol/onnxView';
import { h } from '../shared/dom';
import { count, dims, opName, verdict } from './format';
import { groupNodes, type NodeGroup } from './groups';

/** Rows appended per animation frame. */
const SLICE = 300;

export interface NodeTable {
  readonly element: HTMLElement;
  /** Resolves when every row is in the document. */
  readonly complete: Promise<void>;
  /** Stops appending (the view was replaced). */
  cancel(): void;
  /** Unfolds the group holding a node, so its row shows. */
  reveal(index: number): void;
}

export function renderNodeTable(graph: OnnxGraphView, onSelect: (index: number) => void): NodeTable {
  const nodes = graph.nodes;
  const groups = groupNodes(nodes);
  const bodies = groups.map((g) => groupBody(g, nodes));
  const table = h(
    'table',
    { id: 'nodes', class: 'nodes' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', { class: 'num' }, '#'), h('th', {}, 'Operator'), h('th', {}, 'Name'), h('th', {}, 'Input shape'), h('th', {}, 'Output shape'), h('th', { class: 'num' }, 'Parameters'), h('th', {}, 'Status')),
    ),
    bodies,
    h(
      'tfoot',
      {},
      h('tr', { id: 'totals', class: 'totals' }, h('td', { colspan: 5 }, `Total: ${count(nodes.length)} ${nodes.length === 1 ? 'node' : 'nodes'}, ${count(graph.initializers)} initializers`), h('td', { class: 'num', title: 'Each weight counted once, however many nodes read it' }, count(graph.params)), h('td', {}, graph.unsupported > 0 ? `${count(graph.unsupported)} unsupported` : '')),
    ),
  );
  table.addEventListener('click', (e) => {
    const target = e.target as Element;
    const header = target.closest<HTMLElement>('tr.group-header');
    if (header) return toggle(header);
    const row = target.closest<HTMLElement>('tr[data-index]');
    if (row) onSelect(Number(row.dataset.index));
  });
  table.addEventListener('keydown', (e) => {
    const header = (e.target as Element).closest<HTMLElement>('tr.group-header');
    if (header && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      toggle(header);
    }
  });
  // Inputs whose values are activations (not weights): the producer of every tensor, made once.
  const activations = activationTensors(graph);
  let cancelled = false;
  const complete = new Promise<void>((resolve) => {
    let group = 0;
    let next = 0;
    const step = (): void => {
      if (cancelled) return resolve();
      const end = Math.min(nodes.length, next + SLICE);
      while (next < end) {
        const g = groups[group]!;
        const stop = Math.min(end, g.end);
        const rows: HTMLElement[] = [];
        for (; next < stop; next++) rows.push(row(nodes[next]!, nodes, activations));
        bodies[group]!.append(...rows);
        if (next === g.end) group++;
      }
      if (next < nodes.length) requestAnimationFrame(step);
      else resolve();
    };
    step();
  });
  const reveal = (index: number): void => {
    const body = bodies[groups.findIndex((g) => index >= g.first && index < g.end)];
    if (body?.classList.contains('collapsed')) toggle(body.querySelector<HTMLElement>('tr.group-header')!);
  };
  return { element: table, complete, cancel: () => (cancelled = true), reveal };
}

function groupBody(g: NodeGroup, nodes: readonly NodeView[]): HTMLElement {
  if (g.label === undefined) return h('tbody', { class: 'plain' });
  const last = nodes[g.end - 1]!;
  return h(
    'tbody',
    { class: `group${g.unsupported > 0 ? ' has-unsupported' : ''}`, 'data-group': g.label },
    h(
      'tr',
      { class: 'group-header', tabindex: 0, 'aria-expanded': 'true', title: 'Fold or unfold this module' },
      h('td', { class: 'num' }, h('span', { class: 'twisty', 'aria-hidden': 'true' })),
      h('td', { colspan: 3 }, h('span', { class: 'group-label' }, g.label), h('span', { class: 'group-count' }, ` ${count(g.end - g.first)} nodes`)),
      h('td', { class: 'shape' }, dims(last.outputShapes[0])),
      h('td', { class: 'num params' }, g.params > 0 ? count(g.params) : ''),
      h('td', { class: 'verdict-cell' }, g.unsupported > 0 && [h('span', { class: 'mark', 'aria-hidden': 'true' }, '⚠ '), `${count(g.unsupported)} unsupported`]),
    ),
  );
}

function toggle(header: HTMLElement): void {
  const body = header.parentElement!;
  const collapsed = body.classList.toggle('collapsed');
  header.setAttribute('aria-expanded', collapsed ? 'false' : 'true');
}

/** Tensors that carry activations: the graph inputs and the outputs of nodes that are not constants. */
function activationTensors(graph: OnnxGraphView): Set<string> {
  const out = new Set(graph.inputs.map((t) => t.name));
  for (const n of graph.nodes) if (n.status !== 'constant') for (const t of n.outputs) if (t) out.add(t);
  return out;
}

function row(n: NodeView, nodes: readonly NodeView[], activations: ReadonlySet<string>): HTMLElement {
  const marked = n.status === 'unsupported';
  const inputs = n.inputs.flatMap((t, i) => (activations.has(t) ? [dims(n.inputShapes[i])] : []));
  return h(
    'tr',
    { id: `node-${n.index}`, class: `node status-${n.status}`, 'data-index': n.index, 'data-status': n.status, tabindex: -1 },
    h('td', { class: 'num index' }, n.index),
    h('td', { class: 'op' }, opName(n)),
    h('td', { class: 'name' }, n.name || '—'),
    h('td', { class: 'shape in-shape' }, inputs.join(', ') || '—'),
    h('td', { class: 'shape out-shape' }, n.outputShapes.map(dims).join(', ') || '—'),
    h('td', { class: 'num params' }, n.params > 0 ? count(n.params) : ''),
    h('td', { class: 'verdict-cell' }, marked && h('span', { class: 'mark', 'aria-hidden': 'true' }, '⚠ '), verdict(n, nodes)),
  );
}
