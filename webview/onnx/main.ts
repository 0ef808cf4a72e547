// The .onnx view's webview: the file's whole graph drawn by the designer's graph view (top to bottom, repeated
// blocks collapsed, unsupported nodes red) and as a table of nodes grouped by module under a summary, the
// selected node's details, and "Convert to .cnn.json" when nothing is unsupported. Read-only: the one intent is Convert.
// A node selected in the picture or the table is selected in both.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import './onnx.css';
import { assertNever } from '../../src/model/assertNever';
import type { OnnxHostMessage, OnnxView } from '../../src/protocol/onnxView';
import { button, h, replaceContent } from '../shared/dom';
import { Diagram } from '../designer/diagram';
import { renderDetails } from './details';
import { onnxDiagram, type OnnxDiagram } from './graph';
import { connect } from './host';
import { renderSummary, type GraphView } from './summary';
import { renderNodeTable, type NodeTable } from './table';

const app = document.getElementById('app') ?? document.body;
const regions = {
  summary: h('div', { class: 'region' }),
  status: h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  toolbar: h('div', { class: 'region toolbar' }),
  table: h('div', { class: 'region table-region' }),
  details: h('div', { class: 'region details-region' }),
};
const diagram = new Diagram({ select: (row) => {
  const node = picture?.nodeOfRow[row];
  if (node !== undefined) select(node);
} });
diagram.element.classList.add('onnx-diagram');
app.replaceChildren(regions.summary, regions.status, regions.toolbar, diagram.element, h('div', { class: 'workspace' }, regions.table, regions.details));
app.removeAttribute('aria-busy');

let view: GraphView | undefined;
let table: NodeTable | undefined;
let picture: OnnxDiagram | undefined;
let selected: number | undefined;
let onlyUnsupported = false;

const host = connect((msg: OnnxHostMessage) => {
  switch (msg.type) {
    case 'init':
    case 'update':
      return show(msg.view);
    case 'fatal':
      app.replaceChildren(h('div', { id: 'fatal', class: 'fatal', role: 'alert' }, msg.message));
      return;
    default:
      return assertNever(msg, 'message');
  }
});

function show(next: OnnxView): void {
  document.body.dataset.ready = 'false';
  setStatus(undefined);
  if (next.kind === 'unreadable') {
    view = undefined;
    table = undefined;
    picture = undefined;
    diagram.element.hidden = true;
    document.body.classList.remove('windowed-table');
    replaceContent(regions.summary, [
      h('section', { id: 'unreadable', class: 'unreadable', role: 'alert' }, h('h1', {}, `${next.file} cannot be read`), h('p', { class: 'problem' }, next.problem)),
    ]);
    for (const r of [regions.toolbar, regions.table, regions.details]) replaceContent(r, []);
    document.body.dataset.ready = 'true';
    return;
  }
  view = next;
  if (selected !== undefined && selected >= next.graph.nodes.length) selected = undefined;
  if (next.graph.unsupported === 0) onlyUnsupported = false;
  replaceContent(regions.summary, [renderSummary(next, convert)]);
  renderToolbar(next);
  // Attached before its first rows are drawn: a windowed table measures its scroller.
  const scroller = h('div', {});
  replaceContent(regions.table, [scroller]);
  table = renderNodeTable(next.graph, { selected, onlyUnsupported, onSelect: select });
  scroller.replaceWith(table.element);
  if (selected !== undefined) table.select(selected, false);
  replaceContent(regions.details, [renderDetails(next.graph, selected)]);
  picture = onnxDiagram(next.graph);
  diagram.element.hidden = false;
  drawPicture();
  document.body.dataset.ready = 'true';
}

/** The picture with the selected node marked (a constant, not drawn, marks nothing). */
function drawPicture(): void {
  if (!picture) return;
  const row = selected === undefined ? -1 : picture.rowOfNode[selected] ?? -1;
  diagram.draw(picture.view, row, { first: row, last: row });
}

function renderToolbar(v: GraphView): void {
  const unsupported = v.graph.unsupported;
  replaceContent(regions.toolbar, [
    unsupported > 0 &&
      button(onlyUnsupported ? 'Show all nodes' : `Show only the ${unsupported} unsupported`, { id: 'filter', 'aria-pressed': onlyUnsupported ? 'true' : 'false' }, () => {
        onlyUnsupported = !onlyUnsupported;
        table?.setOnlyUnsupported(onlyUnsupported);
        renderToolbar(v);
      }),
  ]);
}

function select(index: number): void {
  if (!view) return;
  selected = index;
  table?.select(index, true);
  replaceContent(regions.details, [renderDetails(view.graph, index)]);
  drawPicture();
}

// "Show the first" unsupported node: select it, so its details open.
regions.summary.addEventListener('click', (e) => {
  const link = (e.target as Element).closest<HTMLAnchorElement>('a.jump');
  if (!link) return;
  e.preventDefault();
  select(Number(link.hash.replace('#node-', '')));
});

function convert(): void {
  setStatus({ kind: 'info', text: 'Converting…' });
  host.convert().then(
    (r) => setStatus(r.converted ? undefined : { kind: 'info', text: 'Nothing was written.' }),
    (e: unknown) => setStatus({ kind: 'error', text: e instanceof Error ? e.message : String(e) }),
  );
}

function setStatus(s: { kind: 'info' | 'error'; text: string } | undefined): void {
  replaceContent(regions.status, s ? [h('span', { class: s.kind }, s.text)] : []);
}
