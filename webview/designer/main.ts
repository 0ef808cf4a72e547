// Designer webview entry: connect to the host, keep the last view in the store, re-render the views from
// it. The webview never edits the model itself: it sends intents and waits for the document's new view.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './designer.css';
import { assertNever } from '../../src/model/assertNever';
import { withDocumentVersion, type HostMessage, type Intent } from '../../src/protocol/designer';
import { h, replaceContent } from '../shared/dom';
import { connect } from './host';
import { Store, type Actions } from './state';
import { Diagram } from './diagram';
import { splitHandle } from './split';
import { renderGraphTools } from './graphTools';
import { renderHeader } from './header';
import { renderInspector } from './inspector';
import { markSelected, renderLayerTable } from './layerTable';
import { renderPalette } from './palette';
import { renderTotals } from './totals';
import { renderTraining } from './training';

const app = document.getElementById('app') ?? document.body;
const regions = {
  header: h('div', { class: 'region' }),
  status: h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  tools: h('div', { class: 'region' }),
  table: h('div', { class: 'region table-region' }),
  totals: h('div', { class: 'region' }),
  palette: h('div', { class: 'region' }),
  inspector: h('div', { class: 'region' }),
  training: h('div', { class: 'region' }),
};

// Host messages arrive asynchronously (message events), so `state` is initialised before the first one.
const host = connect(onHostMessage);
const state = new Store((p) => host.setState(p), host.getState());

function onHostMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'init':
    case 'update':
      state.setView(msg.view, msg.documentVersion);
      break;
    case 'fatal':
      state.setFatal(msg.message);
      break;
    case 'select':
      // From the text editor: select without sending the selection back (that would replace the text cursor).
      state.select(msg.index);
      revealInTable(state.selected);
      break;
    default:
      return assertNever(msg, 'message');
  }
}

const actions: Actions = {
  send(intent: Intent, select?: number) {
    const fromTable = document.activeElement?.closest('#layers') !== null && document.activeElement !== null;
    state.setStatus(undefined);
    host.send(withDocumentVersion(intent, state.documentVersion)).then(
      () => {
        if (select !== undefined) actions.select(select, fromTable);
      },
      (e: unknown) => state.setStatus({ kind: 'error', text: e instanceof Error ? e.message : String(e) }),
    );
  },
  select(index: number, focusRow = false, extend = false) {
    const before = state.selected;
    state.select(index, extend);
    if (focusRow) document.querySelector<HTMLElement>(`tr[data-layer-index="${state.selected}"]`)?.focus();
    else revealInTable(state.selected);
    if (state.selected !== before && state.selected >= 0) revealInText(state.selected);
  },
  editSelected() {
    document.querySelector<HTMLElement>('#inspector .fields [data-focus-key]')?.focus();
  },
  setStatus: (s) => state.setStatus(s),
};

/** Scrolls the table's own box (not the page: the diagram stays in view) to the row. */
function revealInTable(index: number): void {
  const tr = regions.table.querySelector<HTMLElement>(`tr[data-layer-index="${index}"]`);
  if (!tr) return;
  const box = regions.table.getBoundingClientRect();
  const row = tr.getBoundingClientRect();
  const head = regions.table.querySelector('thead')?.getBoundingClientRect().height ?? 0;
  if (row.top < box.top + head) regions.table.scrollTop -= box.top + head - row.top;
  else if (row.bottom > box.bottom) regions.table.scrollTop += row.bottom - box.bottom;
}

/** A text editor of the same document follows the selection (the host ignores it when there is none). */
let revealTimer: number | undefined;
function revealInText(index: number): void {
  window.clearTimeout(revealTimer);
  revealTimer = window.setTimeout(() => host.send({ type: 'revealLayer', index }).catch(() => undefined), 80);
}

const diagram = new Diagram(
  {
    select: (row, extend) => actions.select(row, false, extend),
    blocksChanged: (blocks) => state.saveUi({ blocks }),
    modeChanged: (diagramMode) => state.saveUi({ diagramMode }),
    exportImage: (format, data) =>
      host.send({ type: 'exportImage', format, data }).catch((e: unknown) => state.setStatus({ kind: 'error', text: `Export failed: ${e instanceof Error ? e.message : String(e)}` })),
  },
  state.ui.blocks,
  state.ui.diagramMode,
);
const workspace = h(
  'div',
  { class: 'workspace' },
  h('div', { class: 'main-col' }, diagram.element, splitHandle(diagram.element, regions.table, state), regions.tools, regions.table, regions.totals),
  h('aside', { class: 'side-col' }, regions.palette, regions.inspector, regions.training),
);
app.replaceChildren(
  regions.header,
  regions.status,
  workspace,
);
app.removeAttribute('aria-busy');

let restoredScroll = false;
state.subscribe((change) => {
  if (state.fatal) {
    app.replaceChildren(h('div', { id: 'fatal', class: 'fatal', role: 'alert' }, state.fatal));
    return;
  }
  replaceContent(regions.status, state.status ? [h('span', { class: state.status.kind }, state.status.text)] : []);
  const view = state.view;
  if (!view || change === 'status') return;
  const sel = state.selected;
  const range = state.range;
  if (change === 'view') {
    replaceContent(regions.header, [renderHeader(view, actions)]);
    replaceContent(regions.table, [renderLayerTable(view, sel, range, actions)]);
    replaceContent(regions.totals, [renderTotals(view)]);
    replaceContent(regions.training, [renderTraining(view, actions)]);
  } else {
    markSelected(regions.table, sel, range);
  }
  replaceContent(regions.palette, [renderPalette(view, sel, actions, state)]);
  replaceContent(regions.tools, [renderGraphTools(view, range, actions)]);
  replaceContent(regions.inspector, [renderInspector(view, sel, actions)]);
  diagram.draw(view, sel, range);
  document.body.dataset.ready = 'true';
  if (!restoredScroll) {
    restoredScroll = true;
    window.scrollTo(0, state.scrollTop);
  }
});

let scrollTimer: number | undefined;
window.addEventListener('scroll', () => {
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => state.saveScroll(window.scrollY), 200);
});
