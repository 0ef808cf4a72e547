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
import { rowWindow, scrollToRow } from '../shared/virtualWindow';

const DRAG_TYPE = 'application/x-cnn-layer-index';

/** More layers than this and the table is windowed: only the rows in sight (and a margin) are in the document. */
export const WINDOW_FROM = 150;
/** A windowed row's height in px until the first drawn one is measured (the theme's font decides). */
const ROW_HEIGHT = 26;
const OVERSCAN = 12;

/**
 * The table in its scroller. Up to WINDOW_FROM layers every row is drawn; past it the rows are one line each,
 * of one height, and only those in sight are in the document (a 2,000-row table costs seconds of style and
 * layout). Selection marks, reveal and focus go through here, so they reach rows not drawn yet.
 */
export class LayerTable {
  private view: DesignerView | undefined;
  private selected = -1;
  private range: Range = { first: -1, last: -1 };
  private body: HTMLTableSectionElement | undefined;
  private table: HTMLTableElement | undefined;
  private windowed = false;
  private rowHeight = ROW_HEIGHT;
  private drawn = { first: -1, end: -1 };
  private pending = false;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly actions: Actions,
  ) {
    scroller.addEventListener('scroll', () => {
      if (!this.windowed || this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.draw(false);
      });
    });
  }

  /** A new view: the table built again (its rows are the view's). */
  render(view: DesignerView, selected: number, range: Range): HTMLElement {
    this.view = view;
    this.selected = selected;
    this.range = range;
    const count = view.rows.length;
    this.windowed = count > WINDOW_FROM;
    this.body = h('tbody');
    this.body.addEventListener('keydown', (e) => onKey(e, count, this.actions));
    this.table = h(
      'table',
      { id: 'layers', class: this.windowed ? 'layers windowed' : 'layers', 'aria-label': 'Layers', 'aria-rowcount': count + 2 },
      this.windowed && h('colgroup', {}, COLUMNS.map((c) => h('col', { class: `col-${c}` }))),
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
      this.body,
    );
    this.drawn = { first: -1, end: -1 };
    // A windowed table's rows depend on its scroller's size and its measured header: drawn once, when attached.
    if (!this.windowed) this.draw(true);
    return this.table;
  }

  /** Once the table is in the scroller: a windowed one measures its header and rows and draws what is in sight. */
  attached(): void {
    if (this.windowed) this.draw(true);
  }

  /** Moves the selection marks in place (roving tabindex), keeping the row elements. */
  mark(selected: number, range: Range): void {
    this.selected = selected;
    this.range = range;
    if (!this.body) return;
    const tabStop = this.tabStop();
    for (const tr of this.body.querySelectorAll<HTMLElement>('tr[data-layer-index]')) {
      const i = Number(tr.dataset.layerIndex);
      const inRange = i >= range.first && i <= range.last;
      tr.classList.toggle('selected', i === selected);
      tr.classList.toggle('in-range', inRange);
      tr.tabIndex = i === tabStop ? 0 : -1;
      tr.setAttribute('aria-selected', String(inRange));
    }
  }

  /**
   * Scrolls the table's own box (not the page: the diagram stays in view) so the row shows whole; again on
   * the next frame, when the toolbar's web components above the table have rendered and moved it.
   */
  reveal(index: number): void {
    this.revealNow(index);
    requestAnimationFrame(() => {
      if (index === this.selected) this.revealNow(index);
    });
  }

  private revealNow(index: number): void {
    if (!this.view || index < 0 || index >= this.view.rows.length) return;
    if (this.windowed) {
      const head = this.table?.tHead?.offsetHeight ?? 0;
      // Item 0 is the model input's row: layer i is item i + 1.
      const top = scrollToRow(index + 1, { rowHeight: this.rowHeight, scrollTop: this.scroller.scrollTop, viewHeight: this.visibleHeight(), offset: head, header: head });
      if (top !== undefined) this.scroller.scrollTop = top;
      this.draw(false);
      return;
    }
    const tr = this.row(index);
    if (!tr) return;
    const box = this.scroller.getBoundingClientRect();
    const bottom = box.top + this.visibleHeight();
    const row = tr.getBoundingClientRect();
    const head = this.table?.tHead?.getBoundingClientRect().height ?? 0;
    if (row.top < box.top + head) this.scroller.scrollTop -= box.top + head - row.top;
    else if (row.bottom > bottom) this.scroller.scrollTop += row.bottom - bottom;
  }

  /** The scroller's height that shows: its lower part may lie below the window (the page scrolls too). */
  private visibleHeight(): number {
    const top = this.scroller.getBoundingClientRect().top;
    return Math.max(0, Math.min(this.scroller.clientHeight, window.innerHeight - Math.max(0, top)));
  }

  /** Reveals the row and gives it the keyboard focus (arrow keys in the table). */
  focus(index: number): void {
    this.revealNow(index);
    this.row(index)?.focus({ preventScroll: this.windowed });
  }

  private row(index: number): HTMLElement | null {
    return this.body?.querySelector<HTMLElement>(`tr[data-layer-index="${index}"]`) ?? null;
  }

  /** The one row in the tab order: the selected one, else the first layer drawn. */
  private tabStop(): number {
    if (this.selected >= 0) {
      if (!this.windowed || (this.selected + 1 >= this.drawn.first && this.selected + 1 < this.drawn.end)) return this.selected;
    }
    return this.windowed ? Math.max(0, this.drawn.first - 1) : 0;
  }

  private draw(force: boolean): void {
    const view = this.view;
    const body = this.body;
    if (!view || !body) return;
    const count = view.rows.length;
    const items = count + 1;
    const head = this.windowed ? (this.table?.tHead?.offsetHeight ?? 0) : 0;
    const w = this.windowed
      ? rowWindow({ count: items, rowHeight: this.rowHeight, scrollTop: this.scroller.scrollTop, viewHeight: this.scroller.clientHeight || window.innerHeight, offset: head, overscan: OVERSCAN })
      : { first: 0, end: items, before: 0, after: 0 };
    if (!force && w.first === this.drawn.first && w.end === this.drawn.end) return;
    this.drawn = { first: w.first, end: w.end };
    const tabStop = this.tabStop();
    const rows: HTMLElement[] = [];
    if (w.before > 0) rows.push(spacer(w.before));
    for (let k = w.first; k < w.end; k++) {
      if (k === 0) rows.push(inputRow(view));
      else {
        const row = view.rows[k - 1]!;
        rows.push(renderRow(view, row, row.index === tabStop, row.index === this.selected || (this.selected < 0 && row.index === 0), row.index >= this.range.first && row.index <= this.range.last, count, this.actions));
      }
    }
    if (w.after > 0) rows.push(spacer(w.after));
    if (count === 0) rows.push(h('tr', { class: 'empty-row' }, h('td', { colspan: 8 }, 'No layers yet: add one from the palette.')));
    // Keep the keyboard focus on the same row when it is still drawn.
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && body.contains(active) ? active.closest<HTMLElement>('tr[data-layer-index]')?.dataset.layerIndex : undefined;
    body.replaceChildren(...rows);
    if (focused !== undefined) this.row(Number(focused))?.focus({ preventScroll: true });
    if (!this.windowed) return;
    // The spacers assume every row is as high as the first drawn one: measure it.
    const measured = body.querySelector<HTMLElement>('tr.layer-row')?.offsetHeight;
    if (measured && measured !== this.rowHeight) {
      this.rowHeight = measured;
      this.draw(true);
    }
  }
}

const COLUMNS = ['index', 'layer', 'inputs', 'settings', 'shape', 'params', 'macs', 'actions'] as const;

function inputRow(view: DesignerView): HTMLElement {
  return h(
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
  );
}

function spacer(height: number): HTMLElement {
  const row = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: 8 }));
  // Through the CSSOM: the webview's CSP refuses style attributes.
  row.style.height = `${height}px`;
  return row;
}

function renderRow(view: DesignerView, row: RowView, focusable: boolean, selected: boolean, inRange: boolean, count: number, actions: Actions): HTMLElement {
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
      class: ['layer-row', errors && 'has-error', row.warnings.length > 0 && 'has-warning', selected && 'selected', inRange && 'in-range'].filter(Boolean).join(' '),
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
