// The handle between the diagram pane and the table: drag it (or focus it and press ↑/↓) to give either
// more room; the height is remembered in the webview state. The table (and the totals under it) scrolls in
// the rest of the window's height, what the header, diagram and tools leave: the main column ends in the
// window, so the page does not scroll past the table and selecting a row never scrolls the diagram away.
import { h } from '../shared/dom';
import type { Store } from './state';
import { TABLE_MIN, autoDiagramHeight, tableRoom } from './splitSizes';

const MIN = 120;
const STEP = 24;
const DEFAULT = 420;
export interface Split {
  readonly handle: HTMLElement;
  /** Sizes the table to the window: after each render too, since the header may have grown. */
  fit(): void;
}

export function splitHandle(pane: HTMLElement, table: HTMLElement, state: Store): Split {
  const max = (): number => Math.max(MIN, Math.round(window.innerHeight * 0.9));
  let sized = state.ui.diagramHeight !== undefined;
  const room = (): number => {
    const main = table.parentElement!;
    const bottom = parseFloat(getComputedStyle(document.body).paddingBottom) || 0;
    return tableRoom(window.innerHeight, table.getBoundingClientRect().height, main.getBoundingClientRect().bottom + window.scrollY, bottom);
  };
  const fit = (): void => {
    if (!table.parentElement) return;
    if (!sized) {
      // CSSOM, not a style attribute: the webview's CSP allows the one, not the other.
      const preferred = Math.min(DEFAULT, Math.round(window.innerHeight * 0.5));
      pane.style.height = `${preferred}px`;
      const height = autoDiagramHeight(preferred, room());
      if (height !== preferred) pane.style.height = `${height}px`;
      handle.setAttribute('aria-valuenow', String(height));
    }
    const r = room();
    table.style.maxHeight = `${Math.max(TABLE_MIN, r)}px`;
    // For the e2e: the room the table had, and whether the diagram's height is the person's.
    table.dataset.room = `${r}${sized ? ' sized' : ''}`;
  };
  const setHeight = (px: number, save: boolean): void => {
    const height = Math.round(Math.min(max(), Math.max(MIN, px)));
    sized = true;
    pane.style.height = `${height}px`;
    fit();
    handle.setAttribute('aria-valuenow', String(height));
    if (save) state.saveUi({ diagramHeight: height });
  };
  const handle = h('div', {
    id: 'diagram-split',
    class: 'split-handle',
    role: 'separator',
    tabindex: 0,
    'aria-orientation': 'horizontal',
    'aria-label': 'Resize the diagram',
    'aria-valuemin': MIN,
    title: 'Drag to resize the diagram (↑/↓ when focused)',
  });
  if (state.ui.diagramHeight !== undefined) setHeight(state.ui.diagramHeight, false);
  handle.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const startY = e.clientY;
    const startH = pane.getBoundingClientRect().height;
    handle.setPointerCapture(e.pointerId);
    handle.classList.add('dragging');
    const move = (ev: PointerEvent): void => setHeight(startH + ev.clientY - startY, false);
    const up = (ev: PointerEvent): void => {
      setHeight(startH + ev.clientY - startY, true);
      handle.classList.remove('dragging');
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
  window.addEventListener('resize', () => (sized ? setHeight(pane.getBoundingClientRect().height, false) : fit()));
  handle.addEventListener('keydown', (e) => {
    const now = pane.getBoundingClientRect().height;
    if (e.key === 'ArrowUp') setHeight(now - STEP, true);
    else if (e.key === 'ArrowDown') setHeight(now + STEP, true);
    else return;
    e.preventDefault();
  });
  return { handle, fit };
}
