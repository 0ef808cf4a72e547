// The node table of the .onnx view: one row per node in graph order (index, operator, name, output shape,
// parameters, status), unsupported rows marked with the reason. A big graph is appended in slices, one per frame,
// so the view answers while a 10,000-node model fills in; rows are plain elements with one delegated listener.
import type { NodeView } from '../../src/protocol/onnxView';
import { h } from '../shared/dom';
import { count, dims, verdict } from './format';

/** Rows appended per animation frame. */
const SLICE = 300;

export interface NodeTable {
  readonly element: HTMLElement;
  /** Resolves when every row is in the document. */
  readonly complete: Promise<void>;
  /** Stops appending (the view was replaced). */
  cancel(): void;
}

export function renderNodeTable(nodes: readonly NodeView[], onSelect: (index: number) => void): NodeTable {
  const body = h('tbody', {});
  const table = h(
    'table',
    { id: 'nodes', class: 'nodes' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num' }, '#'), h('th', {}, 'Operator'), h('th', {}, 'Name'), h('th', {}, 'Output shape'), h('th', { class: 'num' }, 'Parameters'), h('th', {}, 'Status'))),
    body,
  );
  body.addEventListener('click', (e) => {
    const row = (e.target as Element).closest<HTMLElement>('tr[data-index]');
    if (row) onSelect(Number(row.dataset.index));
  });
  let cancelled = false;
  const complete = new Promise<void>((resolve) => {
    let next = 0;
    const step = (): void => {
      if (cancelled) return resolve();
      const end = Math.min(nodes.length, next + SLICE);
      const rows: HTMLElement[] = [];
      for (; next < end; next++) rows.push(row(nodes[next]!, nodes));
      body.append(...rows);
      if (next < nodes.length) requestAnimationFrame(step);
      else resolve();
    };
    step();
  });
  return { element: table, complete, cancel: () => (cancelled = true) };
}

function row(n: NodeView, nodes: readonly NodeView[]): HTMLElement {
  const marked = n.status === 'unsupported';
  return h(
    'tr',
    { id: `node-${n.index}`, class: `node status-${n.status}`, 'data-index': n.index, 'data-status': n.status, tabindex: -1 },
    h('td', { class: 'num index' }, n.index),
    h('td', { class: 'op' }, n.domain ? `${n.domain}.${n.opType}` : n.opType),
    h('td', { class: 'name' }, n.name || '—'),
    h('td', { class: 'shape' }, n.outputShapes.map(dims).join(', ') || '—'),
    h('td', { class: 'num params' }, n.params > 0 ? count(n.params) : ''),
    h('td', { class: 'verdict-cell' }, marked && h('span', { class: 'mark', 'aria-hidden': 'true' }, '⚠ '), verdict(n, nodes)),
  );
}
