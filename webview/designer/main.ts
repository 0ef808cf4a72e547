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
import { applyPatch, patchAction } from '../../src/protocol/designerPatch';
import { h, replaceContent } from '../shared/dom';
import { connect } from './host';
import { Store, type Actions } from './state';
import { Diagram } from './diagram';
import { splitHandle } from './split';
import { renderGraphTools } from './graphTools';
import { renderHeader } from './header';
import { renderInspector } from './inspector';
import { LayerTable } from './layerTable';
import { renderPalette } from './palette';
import { renderTotals } from './totals';
import { renderTraining } from './training';

// When the script started and the first view arrived, ms since the page started: the e2e's profile of open-to-drawn.
const scriptAt = performance.now();
let firstViewAt: number | undefined;
/** When the last view message arrived (epoch ms, comparable with the workbench's clock): the e2e's edit-to-repaint profile. */
let lastViewAt = 0;
const app = document.getElementById('app') ?? document.body;
const regions = {
  header: h('div', { class: 'region' }),
  status: h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' }),
  tools: h('div', { class: 'region' }),
  table: h('div', { class: 'region' }),
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
      firstViewAt ??= performance.now();
      lastViewAt = Date.now();
      state.setView(msg.view, msg.documentVersion);
      break;
    case 'patch': {
      const action = patchAction(state.view ? state.documentVersion : undefined, msg);
      if (action === 'apply' && state.view) {
        lastViewAt = Date.now();
        state.setView(applyPatch(state.view, msg.patch), msg.documentVersion);
      } else if (action === 'resync') host.resync();
      break;
    }
    case 'fatal':
      state.setFatal(msg.message);
      break;
    case 'select':
      // From the text editor: select without sending the selection back (that would replace the text cursor).
      state.select(msg.index);
      table.reveal(state.selected);
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
    if (focusRow) table.focus(state.selected);
    else table.reveal(state.selected);
    if (state.selected !== before && state.selected >= 0) revealInText(state.selected);
  },
  editSelected() {
    document.querySelector<HTMLElement>('#inspector .fields [data-focus-key]')?.focus();
  },
  setStatus: (s) => state.setStatus(s),
};

/** A text editor of the same document follows the selection (the host ignores it when there is none). */
let revealTimer: number | undefined;
function revealInText(index: number): void {
  window.clearTimeout(revealTimer);
  revealTimer = window.setTimeout(() => host.send({ type: 'revealLayer', index }).catch(() => undefined), 80);
}

// The table and the totals under it scroll together in the window's height below the diagram (split.ts).
const tableScroller = h('div', { class: 'table-region' }, regions.table, regions.totals);
const table = new LayerTable(tableScroller, actions);
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
const split = splitHandle(diagram.element, tableScroller, state);
const workspace = h(
  'div',
  { class: 'workspace' },
  h('div', { class: 'main-col' }, diagram.element, split.handle, regions.tools, tableScroller),
  h('aside', { class: 'side-col' }, regions.palette, regions.inspector, regions.training),
);
app.replaceChildren(
  regions.header,
  regions.status,
  workspace,
);
app.removeAttribute('aria-busy');
// What lies above the table changes height after a render too (the web components' buttons take their size a
// frame later; a status line comes and goes): the table's room follows.
const aboveTable = new ResizeObserver(() => split.fit());
for (const el of [regions.header, regions.status, regions.tools]) aboveTable.observe(el);

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
  const t0 = performance.now();
  if (change === 'view') {
    replaceContent(regions.header, [renderHeader(view, actions)]);
    const ta = performance.now();
    replaceContent(regions.table, [table.render(view, sel, range)]);
    const tb = performance.now();
    table.attached();
    const tc = performance.now();
    replaceContent(regions.totals, [renderTotals(view)]);
    replaceContent(regions.training, [renderTraining(view, actions)]);
    diagram.element.dataset.tableParts ??= `header ${(ta - t0).toFixed(0)}, rows ${(tb - ta).toFixed(0)}, measure ${(tc - tb).toFixed(0)}, totals+training ${(performance.now() - tc).toFixed(0)} ms`;
  } else {
    table.mark(sel, range);
  }
  const t1 = performance.now();
  replaceContent(regions.palette, [renderPalette(view, sel, actions, state)]);
  replaceContent(regions.tools, [renderGraphTools(view, range, actions)]);
  replaceContent(regions.inspector, [renderInspector(view, sel, actions)]);
  const t2 = performance.now();
  // The table's room (and by default the diagram's height) before the diagram is drawn, since its first
  // draw fits the picture to the pane.
  split.fit();
  const t3 = performance.now();
  const drawn = diagram.draw(view, sel, range);
  const d = diagram.element.dataset;
  if (change === 'view') {
    // Each view's cost in the webview, from its message to the diagram drawn (the e2e's edit-to-repaint profile).
    const parts = drawn ? `blocks ${drawn.blocksMs.toFixed(1)}, layout ${drawn.layoutMs.toFixed(1)}, render ${drawn.renderMs.toFixed(1)}` : 'not redrawn';
    d.lastView = `arrived ${lastViewAt} drawn ${Date.now()}: table ${(t1 - t0).toFixed(1)} ms, side ${(t3 - t1).toFixed(1)} ms, diagram ${(performance.now() - t3).toFixed(1)} ms (${parts})`;
  }
  if (d.scriptAt === undefined) {
    d.scriptAt = scriptAt.toFixed(0);
    d.timeOrigin = performance.timeOrigin.toFixed(0);
    d.viewAt = (firstViewAt ?? t0).toFixed(0);
    d.tableMs = (t1 - t0).toFixed(1);
    d.sideMs = (t2 - t1).toFixed(1);
    d.resources = performance
      .getEntriesByType('resource')
      .map((e) => `${e.name.split('/').pop()?.split('?')[0]} ${e.startTime.toFixed(0)}–${(e as PerformanceResourceTiming).responseEnd.toFixed(0)}`)
      .join(', ');
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (nav) d.navigation = `fetch ${nav.fetchStart.toFixed(0)} worker ${nav.workerStart.toFixed(0)} response ${nav.responseStart.toFixed(0)}–${nav.responseEnd.toFixed(0)} DOMContentLoaded ${nav.domContentLoadedEventStart.toFixed(0)}`;
    // Painted: the frame after the one that laid out and painted the first draw (style and layout included).
    requestAnimationFrame(() => requestAnimationFrame(() => (d.firstPaintedAt = performance.now().toFixed(0))));
  }
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
