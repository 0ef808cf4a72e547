// The layer table: one row per layer, every row rendered even when it cannot be inferred. Error rows carry
// the diagnostics' own messages. Keyboard: ↑/↓/Home/End select (with Shift: a range, for the residual
// gesture), Alt+↑/↓ move, Delete removes, Enter edits, Ctrl/Cmd+D duplicates; rows can also be dragged
// to reorder. The Inputs column opens its pick-list on demand (one list per row would be quadratic).
import { formatCompact, formatCount, formatDims } from '../../src/model/format';
import { defaultLayerName } from '../../src/model/types';
import type { DesignerView, RowView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions, Range } from './state';
import { inputsLabel, inputsPicker } from './inputsPicker';
import { shortName } from './blocks';

const DRAG_TYPE = 'application/x-cnn-layer-index';

export function renderLayerTable(view: DesignerView, selected: number, range: Range, actions: Actions): HTMLElement {
  const count = view.rows.length;
  const body = h('tbody');
  body.append(
    h(
      'tr',
      { class: 'input-row' },
      h('td', { class: 'index' }),
      h('td', { class: 'layer' }, h('span', { class: 'type' }, 'input')),
      h('td', { class: 'inputs' }),
      h('td', { class: 'settings' }),
      h('td', { class: 'output-shape' }, view.inputShape ? formatDims(view.inputShape) : '?'),
      h('td', { class: 'params num' }, '–'),
      h('td', { class: 'macs num' }, '–'),
      h('td', { class: 'actions' }),
    ),
  );
  for (const row of view.rows) {
    const focusable = row.index === selected || (selected < 0 && row.index === 0);
    body.append(renderRow(view, row, focusable, row.index >= range.first && row.index <= range.last, count, actions));
  }
  body.addEventListener('keydown', (e) => onKey(e, count, actions));
  if (count === 0) {
    body.append(h('tr', { class: 'empty-row' }, h('td', { colspan: 8 }, 'No layers yet: add one from the palette.')));
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
        h('th', { scope: 'col', title: 'The layers whose outputs it takes ("previous": the layer before it)' }, 'Inputs'),
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
export function markSelected(root: Element, selected: number, range: Range): void {
  for (const tr of root.querySelectorAll<HTMLElement>('tr[data-layer-index]')) {
    const i = Number(tr.dataset.layerIndex);
    const on = i === selected;
    const inRange = i >= range.first && i <= range.last;
    tr.classList.toggle('selected', on);
    tr.classList.toggle('in-range', inRange);
    tr.tabIndex = on ? 0 : -1;
    tr.setAttribute('aria-selected', String(inRange));
  }
}

function renderRow(view: DesignerView, row: RowView, focusable: boolean, inRange: boolean, count: number, actions: Actions): HTMLElement {
  const i = row.index;
  const errors = row.errors.length > 0;
  const inputs = h('td', { class: 'inputs' }, inputsLabel(row));
  if (i > 0 && view.editable) {
    inputs.append(
      button('✎', { 'data-action': 'edit-inputs', title: 'Choose the inputs', 'aria-label': `Choose the inputs of layer ${i}` }, () => {
        const picker = inputsPicker(view, row, actions, `inputs-${i}`);
        inputs.replaceChildren(picker);
        picker.focus();
      }),
    );
  }
  // The row actions are made when the row is first hovered or focused: four web components per row
  // would be 8,000 in a 2,000-layer model, most of the time it takes to open one.
  const actionsCell = h('td', { class: 'actions' }, h('div', { class: 'row-actions' }));
  const fillActions = (): void => {
    const box = actionsCell.firstElementChild!;
    if (box.childElementCount > 0) return;
    box.append(
      button('↑', { 'data-action': 'move-up', title: 'Move up (Alt+↑)', 'aria-label': `Move layer ${i} up`, disabled: i === 0 }, () => move(i, i - 1, actions)),
      button('↓', { 'data-action': 'move-down', title: 'Move down (Alt+↓)', 'aria-label': `Move layer ${i} down`, disabled: i === count - 1 }, () => move(i, i + 1, actions)),
      button('❏', { 'data-action': 'duplicate', title: 'Duplicate (Ctrl+D)', 'aria-label': `Duplicate layer ${i}` }, () => actions.send({ type: 'duplicateLayer', index: i }, i + 1)),
      button('✕', { 'data-action': 'delete', title: 'Delete (Del)', 'aria-label': `Delete layer ${i}` }, () => actions.send({ type: 'deleteLayer', index: i }, i)),
    );
  };
  const tr = h(
    'tr',
    {
      class: ['layer-row', errors && 'has-error', row.warnings.length > 0 && 'has-warning', focusable && 'selected', inRange && 'in-range'].filter(Boolean).join(' '),
      'data-layer-index': i,
      'data-layer-type': row.type,
      'data-focus-key': `row-${i}`,
      tabindex: focusable ? 0 : -1,
      draggable: 'true',
      'aria-selected': inRange ? 'true' : 'false',
    },
    h('td', { class: 'index' }, i),
    h('td', { class: 'layer' }, h('span', { class: 'type' }, row.type), row.name !== defaultLayerName(row.type, i) && h('span', { class: 'name', title: row.name }, shortName(row.name, 18))),
    inputs,
    h(
      'td',
      { class: 'settings' },
      h('span', { class: 'summary', title: row.summary }, row.summary),
      row.errors.map((m) => h('div', { class: 'error-message', role: 'note' }, m)),
      row.warnings.map((m) => h('div', { class: 'warning-message', role: 'note' }, m)),
    ),
    h('td', { class: row.outputShape ? 'output-shape' : 'output-shape unknown' }, row.outputShape ? formatDims(row.outputShape) : '?'),
    h(
      'td',
      { class: 'params num', title: `${formatCount(row.trainable)} trainable${row.params > 0 && row.trainable === 0 ? ' ("trainable": false: frozen)' : ''}` },
      row.params > 0 && row.trainable === 0 && h('span', { class: 'frozen', 'aria-label': 'frozen' }, 'frozen '),
      formatCount(row.params),
    ),
    h('td', { class: 'macs num', title: formatCount(row.macs) }, formatCompact(row.macs)),
    actionsCell,
  );
  tr.addEventListener('pointerenter', fillActions);
  tr.addEventListener('focusin', fillActions);
  tr.addEventListener('click', (e) => {
    // Clicks inside the inputs pick-list belong to it.
    if (e.target instanceof Element && e.target.closest('vscode-single-select, vscode-multi-select')) return;
    actions.select(i, true, e.shiftKey);
  });
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
  else if (e.key === 'ArrowUp') actions.select(i - 1, true, e.shiftKey);
  else if (e.key === 'ArrowDown') actions.select(i + 1, true, e.shiftKey);
  else if (e.key === 'Home') actions.select(0, true);
  else if (e.key === 'End') actions.select(count - 1, true);
  else if (e.key === 'Delete' || e.key === 'Backspace') actions.send({ type: 'deleteLayer', index: i }, i);
  else if (e.key === 'Enter' || e.key === 'F2') actions.editSelected();
  else if (mod && e.key.toLowerCase() === 'd') actions.send({ type: 'duplicateLayer', index: i }, i + 1);
  else handled = false;
  if (handled) e.preventDefault();
}
