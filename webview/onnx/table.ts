// The node table of the .onnx view: one row per node in graph order (index, operator, name, input and output
// shapes, parameters, status), grouped by module (groups.ts) under a header row with the group's totals that folds
// it; unsupported rows marked with the reason. A graph of more than WINDOW_FROM rows is windowed: only the rows in
// sight (and a margin) are in the document, each of one fixed height, so a 10,000-node model opens and scrolls as
// fast as a small one (a table of every row costs seconds of layout). Rows have one delegated listener.
import type { NodeView, OnnxGraphView } from '../../src/protocol/onnxView';
import { h } from '../shared/dom';
import { count, dims, opName, verdict } from './format';
import { CONSTANTS_LABEL, groupNodes, type NodeGroup } from './groups';

/** More rows than this are windowed. */
export const WINDOW_FROM = 800;
/** A windowed row's height in px (one line; the full text is in its title and the details), until measured. */
const ROW_HEIGHT = 24;
/** Rows rendered beyond each edge of the window. */
const OVERSCAN = 20;

export interface NodeTableOptions {
  readonly selected: number | undefined;
  readonly onlyUnsupported: boolean;
  readonly onSelect: (index: number) => void;
}

export interface NodeTable {
  readonly element: HTMLElement;
  /** Marks a node selected, unfolding its group and scrolling it into sight; focuses its row when asked. */
  select(index: number | undefined, focus: boolean): void;
  /** Shows every node, or only the unsupported ones (under their groups' headers). */
  setOnlyUnsupported(only: boolean): void;
}

/** A row of the table: a group's header, or a node. */
type Item = { readonly kind: 'header'; readonly group: number } | { readonly kind: 'node'; readonly index: number };

export function renderNodeTable(graph: OnnxGraphView, options: NodeTableOptions): NodeTable {
  const nodes = graph.nodes;
  const groups = groupNodes(nodes);
  const groupOf = new Int32Array(nodes.length);
  groups.forEach((g, k) => groupOf.fill(k, g.first, g.end));
  const activations = activationTensors(graph);
  // The constants an exporter lists first (PyTorch's Identity of shared weights) start folded.
  const collapsed = new Set(groups.flatMap((g, k) => (g.label === CONSTANTS_LABEL ? [k] : [])));
  let onlyUnsupported = options.onlyUnsupported;
  let selected = options.selected;
  let items: Item[] = [];
  /** Node index → its position in `items`, −1 while hidden (folded or filtered out). */
  const position = new Int32Array(nodes.length);

  const body = h('tbody', {});
  const table = h(
    'table',
    { id: 'nodes', class: 'nodes', 'data-nodes': nodes.length },
    h('colgroup', {}, ['index', 'op', 'name', 'shape', 'params', 'status'].map((c) => h('col', { class: `col-${c}` }))),
    h(
      'thead',
      {},
      h('tr', {}, h('th', { class: 'num' }, '#'), h('th', {}, 'Operator'), h('th', {}, 'Name'), h('th', {}, 'Shape (inputs → outputs)'), h('th', { class: 'num' }, 'Parameters'), h('th', {}, 'Status')),
    ),
    body,
    h(
      'tfoot',
      {},
      h(
        'tr',
        { id: 'totals', class: 'totals' },
        h('td', { colspan: 4 }, `Total: ${count(nodes.length)} ${nodes.length === 1 ? 'node' : 'nodes'}, ${count(graph.initializers)} initializers`),
        h('td', { class: 'num', title: 'Each weight counted once, however many nodes read it' }, count(graph.params)),
        h('td', {}, graph.unsupported > 0 ? `${count(graph.unsupported)} unsupported` : ''),
      ),
    ),
  );
  const scroller = h('div', { id: 'nodes-scroll', class: 'table-scroll' }, table);
  let windowed = false;
  let rowHeight = ROW_HEIGHT;

  const rebuild = (): void => {
    items = [];
    position.fill(-1);
    groups.forEach((g, k) => {
      if (onlyUnsupported && g.unsupported === 0) return;
      if (g.label !== undefined) items.push({ kind: 'header', group: k });
      if (collapsed.has(k)) return;
      for (let i = g.first; i < g.end; i++) {
        if (onlyUnsupported && nodes[i]!.status !== 'unsupported') continue;
        position[i] = items.length;
        items.push({ kind: 'node', index: i });
      }
    });
    windowed = items.length > WINDOW_FROM;
    scroller.classList.toggle('windowed', windowed);
    // A windowed table fills the editor below the summary, so the page does not scroll and its rows are in sight.
    document.body.classList.toggle('windowed-table', windowed);
    draw();
  };

  const firstShown = (): number | undefined => items.find((it) => it.kind === 'node')?.index;
  let drawn = { first: -1, end: -1, length: -1 };
  /** Renders the rows in sight (all of them when the table is not windowed). */
  const draw = (force = true): void => {
    let first = 0;
    let end = items.length;
    if (windowed) {
      first = Math.max(0, Math.floor(scroller.scrollTop / rowHeight) - OVERSCAN);
      end = Math.min(items.length, Math.ceil((scroller.scrollTop + (scroller.clientHeight || 800)) / rowHeight) + OVERSCAN);
    }
    if (!force && drawn.first === first && drawn.end === end && drawn.length === items.length) return;
    drawn = { first, end, length: items.length };
    // One row is in the tab order (the selected one, else the first shown): arrows move from there.
    const tabStop = selected !== undefined && position[selected] !== -1 ? selected : firstShown();
    const rows: HTMLElement[] = [];
    if (first > 0) rows.push(spacer(first * rowHeight));
    for (let k = first; k < end; k++) {
      const item = items[k]!;
      if (item.kind === 'header') rows.push(headerRow(groups[item.group]!, item.group, nodes, collapsed.has(item.group)));
      else rows.push(nodeRow(nodes[item.index]!, nodes, activations, { selected: item.index === selected, tabStop: item.index === tabStop, wrap: !windowed }));
    }
    if (end < items.length) rows.push(spacer((items.length - end) * rowHeight));
    const focused = document.activeElement instanceof HTMLElement && body.contains(document.activeElement) ? document.activeElement.id : '';
    body.replaceChildren(...rows);
    if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
    // The spacers assume every row is as high as the first drawn one (the theme's font decides): measure it.
    const measured = windowed ? body.querySelector<HTMLElement>('tr.node')?.offsetHeight : undefined;
    if (measured && measured !== rowHeight) {
      rowHeight = measured;
      draw();
    }
  };

  let pending = false;
  scroller.addEventListener('scroll', () => {
    if (!windowed || pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw(false);
    });
  });

  const toggle = (group: number): void => {
    if (!collapsed.delete(group)) collapsed.add(group);
    rebuild();
    document.getElementById(`group-${group}`)?.focus({ preventScroll: true });
  };

  const select = (index: number | undefined, focus: boolean): void => {
    selected = index;
    if (index !== undefined && position[index] === -1 && collapsed.delete(groupOf[index]!)) rebuild();
    if (index !== undefined && windowed) {
      const top = position[index]! * rowHeight;
      const header = table.tHead?.offsetHeight ?? rowHeight;
      if (top < scroller.scrollTop + header || top + rowHeight > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top - scroller.clientHeight / 2;
    }
    draw();
    const row = index === undefined ? null : document.getElementById(`node-${index}`);
    if (!windowed) row?.scrollIntoView({ block: 'nearest' });
    if (focus) row?.focus({ preventScroll: true });
  };

  table.addEventListener('click', (e) => {
    const target = e.target as Element;
    const header = target.closest<HTMLElement>('tr.group-header');
    if (header) return toggle(Number(header.dataset.group));
    const row = target.closest<HTMLElement>('tr[data-index]');
    if (row) options.onSelect(Number(row.dataset.index));
  });
  table.addEventListener('keydown', (e) => {
    const row = (e.target as Element).closest<HTMLElement>('tr');
    if (row?.classList.contains('group-header') && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      return toggle(Number(row.dataset.group));
    }
    // Arrows, Home and End move the selection through the shown nodes.
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20, Home: -Infinity, End: Infinity };
    const move = moves[e.key];
    if (move === undefined || !row) return;
    const from = row.dataset.index !== undefined ? position[Number(row.dataset.index)]! : items.findIndex((it) => it.kind === 'header' && it.group === Number(row.dataset.group));
    const to = nextNode(items, Math.max(0, Math.min(items.length - 1, from + (Number.isFinite(move) ? move : move > 0 ? items.length : -items.length))), move > 0 ? 1 : -1);
    if (to === undefined) return;
    e.preventDefault();
    options.onSelect(to);
  });

  rebuild();
  return {
    element: scroller,
    select,
    setOnlyUnsupported: (only) => {
      onlyUnsupported = only;
      rebuild();
    },
  };
}

/** The node at items[k], else the nearest one in the direction of travel, else the other way. */
function nextNode(items: readonly Item[], k: number, direction: 1 | -1): number | undefined {
  for (const d of [direction, -direction]) {
    for (let j = k; j >= 0 && j < items.length; j += d) {
      const item = items[j]!;
      if (item.kind === 'node') return item.index;
    }
  }
  return undefined;
}

/** A module path that wraps only after its slashes. */
function breakable(name: string): (string | HTMLElement)[] {
  return name.split('/').flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), `/${part}`]));
}

function spacer(height: number): HTMLElement {
  const row = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 6 }));
  // Through the CSSOM: the webview's CSP refuses style attributes.
  row.style.height = `${height}px`;
  return row;
}

function headerRow(g: NodeGroup, k: number, nodes: readonly NodeView[], collapsed: boolean): HTMLElement {
  const last = nodes[g.end - 1]!;
  return h(
    'tr',
    { id: `group-${k}`, class: `group-header${g.unsupported > 0 ? ' has-unsupported' : ''}`, 'data-group': k, 'data-label': g.label, tabindex: 0, 'aria-expanded': collapsed ? 'false' : 'true', title: 'Fold or unfold this module' },
    h('td', { class: 'num' }, h('span', { class: 'twisty', 'aria-hidden': 'true' }, collapsed ? '▸' : '▾')),
    h('td', { colspan: 2 }, h('span', { class: 'group-label' }, g.label), h('span', { class: 'group-count' }, ` ${count(g.end - g.first)} nodes`)),
    h('td', { class: 'shape' }, last.status === 'constant' ? '' : h('span', { class: 'out-shape' }, `→ ${dims(last.outputShapes[0])}`)),
    h('td', { class: 'num params' }, g.params > 0 ? count(g.params) : ''),
    h('td', { class: 'verdict-cell' }, g.unsupported > 0 && [h('span', { class: 'mark', 'aria-hidden': 'true' }, '⚠ '), `${count(g.unsupported)} unsupported`]),
  );
}

/** Tensors that carry activations: the graph inputs and the outputs of nodes that are not constants. */
function activationTensors(graph: OnnxGraphView): Set<string> {
  const out = new Set(graph.inputs.map((t) => t.name));
  for (const n of graph.nodes) if (n.status !== 'constant') for (const t of n.outputs) if (t) out.add(t);
  return out;
}

interface RowState {
  readonly selected: boolean;
  /** The one row in the tab order. */
  readonly tabStop: boolean;
  /** Long names may wrap (not in a windowed table, whose rows are one line). */
  readonly wrap: boolean;
}

function nodeRow(n: NodeView, nodes: readonly NodeView[], activations: ReadonlySet<string>, { selected, tabStop, wrap }: RowState): HTMLElement {
  const marked = n.status === 'unsupported';
  const inputs = n.inputs.flatMap((t, i) => (activations.has(t) ? [dims(n.inputShapes[i])] : [])).join(', ') || '—';
  const outputs = n.outputShapes.map(dims).join(', ') || '—';
  const status = verdict(n, nodes);
  return h(
    'tr',
    { id: `node-${n.index}`, class: `node status-${n.status}${selected ? ' selected' : ''}`, 'data-index': n.index, 'data-status': n.status, tabindex: tabStop ? 0 : -1, 'aria-selected': selected ? 'true' : 'false' },
    h('td', { class: 'num index' }, n.index),
    h('td', { class: 'op' }, opName(n)),
    h('td', { class: 'name', title: n.name }, !n.name ? '—' : wrap ? breakable(n.name) : n.name),
    h('td', { class: 'shape', title: `${inputs} → ${outputs}` }, h('span', { class: 'in-shape' }, inputs), h('span', { class: 'arrow' }, ' → '), h('span', { class: 'out-shape' }, outputs)),
    h('td', { class: 'num params' }, n.params > 0 ? count(n.params) : ''),
    h('td', { class: 'verdict-cell', title: status }, marked && h('span', { class: 'mark', 'aria-hidden': 'true' }, '⚠ '), status),
  );
}
