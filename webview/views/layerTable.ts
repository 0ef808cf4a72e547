// The layer table: one row per layer, every row rendered even when it cannot be inferred. Error rows carry
// the diagnostics' own messages. Keyboard: ↑/↓/Home/End select, Alt+↑/↓ move, Delete removes,
// Enter edits, Ctrl/Cmd+D duplicates; rows can also be dragged to reorder.
import { formatCompact, formatCount, formatDims } from '../../src/model/format';
import type { DesignerView, RowView } from '../../src/protocol/webview';
import { button, h } from '../dom';
import type { Actions } from '../state';

const DRAG_TYPE = 'application/x-cnn-layer-index';

export function renderLayerTable(view: DesignerView, selected: number, actions: Actions): HTMLElement {
  const count = view.rows.length;
  const body = h('tbody');
  body.append(
    h(
      'tr',
      { class: 'input-row' },
      h('td', { class: 'index' }),
      h('td', { class: 'layer' }, h('span', { class: 'type' }, 'input')),
      h('td', { class: 'settings' }),
      h('td', { class: 'output-shape' }, view.inputShape ? formatDims(view.inputShape) : '?'),
      h('td', { class: 'params num' }, '–'),
      h('td', { class: 'macs num' }, '–'),
      h('td', { class: 'actions' }),
    ),
  );
  for (const row of view.rows) body.append(renderRow(row, row.index === selected || (selected < 0 && row.index === 0), count, actions));
  body.addEventListener('keydown', (e) => onKey(e, count, actions));
  if (count === 0) {
    body.append(h('tr', { class: 'empty-row' }, h('td', { colspan: 7 }, 'No layers yet: add one from the palette.')));
  }
  return h(
    'table',
    { id: 'layers', class: 'layers', 'aria-label': 'Layers' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'index', scope: 'col' }, '#'),
        h('th', { scope: 'col' }, 'Layer'),
        h('th', { scope: 'col' }, 'Settings'),
        h('th', { scope: 'col', title: 'height × width × channels' }, 'Output shape'),
        h('th', { scope: 'col', class: 'num' }, 'Params'),
        h('th', { scope: 'col', class: 'num', title: 'Multiply-adds per sample' }, 'Mult-adds'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
    body,
  );
}

/** Moves the selection marks in place (roving tabindex), keeping the row elements. */
export function markSelected(root: Element, selected: number): void {
  for (const tr of root.querySelectorAll<HTMLElement>('tr[data-layer-index]')) {
    const on = Number(tr.dataset.layerIndex) === selected;
    tr.classList.toggle('selected', on);
    tr.tabIndex = on ? 0 : -1;
    tr.setAttribute('aria-selected', String(on));
  }
}

function renderRow(row: RowView, focusable: boolean, count: number, actions: Actions): HTMLElement {
  const i = row.index;
  const errors = row.errors.length > 0;
  const tr = h(
    'tr',
    {
      class: ['layer-row', errors && 'has-error', focusable && 'selected'].filter(Boolean).join(' '),
      'data-layer-index': i,
      'data-layer-type': row.type,
      'data-focus-key': `row-${i}`,
      tabindex: focusable ? 0 : -1,
      draggable: 'true',
      'aria-selected': focusable ? 'true' : 'false',
    },
    h('td', { class: 'index' }, i),
    h('td', { class: 'layer' }, h('span', { class: 'type' }, row.type), row.name !== `${row.type}_${i}` && h('span', { class: 'name' }, row.name)),
    h('td', { class: 'settings' }, h('span', { class: 'summary' }, row.summary), row.errors.map((m) => h('div', { class: 'error-message', role: 'note' }, m))),
    h('td', { class: row.outputShape ? 'output-shape' : 'output-shape unknown' }, row.outputShape ? formatDims(row.outputShape) : '?'),
    h('td', { class: 'params num', title: `${formatCount(row.trainable)} trainable` }, formatCount(row.params)),
    h('td', { class: 'macs num', title: formatCount(row.macs) }, formatCompact(row.macs)),
    h(
      'td',
      { class: 'actions' },
      button('↑', { 'data-action': 'move-up', title: 'Move up (Alt+↑)', 'aria-label': `Move layer ${i} up`, disabled: i === 0 }, () => move(i, i - 1, actions)),
      button('↓', { 'data-action': 'move-down', title: 'Move down (Alt+↓)', 'aria-label': `Move layer ${i} down`, disabled: i === count - 1 }, () => move(i, i + 1, actions)),
      button('❏', { 'data-action': 'duplicate', title: 'Duplicate (Ctrl+D)', 'aria-label': `Duplicate layer ${i}` }, () => actions.send({ type: 'duplicateLayer', index: i }, i + 1)),
      button('✕', { 'data-action': 'delete', title: 'Delete (Del)', 'aria-label': `Delete layer ${i}` }, () => actions.send({ type: 'deleteLayer', index: i }, i)),
    ),
  );
  tr.addEventListener('click', () => actions.select(i, true));
  tr.addEventListener('dblclick', () => actions.editSelected());
  tr.addEventListener('dragstart', (e) => {
    e.dataTransfer?.setData(DRAG_TYPE, String(i));
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
  });
  tr.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    tr.classList.add('drop-target');
  });
  tr.addEventListener('dragleave', () => tr.classList.remove('drop-target'));
  tr.addEventListener('drop', (e) => {
    e.preventDefault();
    tr.classList.remove('drop-target');
    const from = Number(e.dataTransfer?.getData(DRAG_TYPE));
    if (Number.isInteger(from) && from !== i) move(from, i, actions);
  });
  return tr;
}

function move(from: number, to: number, actions: Actions): void {
  actions.send({ type: 'moveLayer', from, to }, to);
}

function onKey(e: KeyboardEvent, count: number, actions: Actions): void {
  // The focused row is the one acted on (selection changes do not rebuild the table).
  if (!(e.target instanceof HTMLTableRowElement) || e.target.dataset.layerIndex === undefined) return;
  const i = Number(e.target.dataset.layerIndex);
  const mod = e.ctrlKey || e.metaKey;
  let handled = true;
  if (e.key === 'ArrowUp' && e.altKey) { if (i > 0) move(i, i - 1, actions); }
  else if (e.key === 'ArrowDown' && e.altKey) { if (i < count - 1) move(i, i + 1, actions); }
  else if (e.key === 'ArrowUp') actions.select(i - 1, true);
  else if (e.key === 'ArrowDown') actions.select(i + 1, true);
  else if (e.key === 'Home') actions.select(0, true);
  else if (e.key === 'End') actions.select(count - 1, true);
  else if (e.key === 'Delete' || e.key === 'Backspace') actions.send({ type: 'deleteLayer', index: i }, i);
  else if (e.key === 'Enter' || e.key === 'F2') actions.editSelected();
  else if (mod && e.key.toLowerCase() === 'd') actions.send({ type: 'duplicateLayer', index: i }, i + 1);
  else handled = false;
  if (handled) e.preventDefault();
}
