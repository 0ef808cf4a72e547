// The handle between the diagram pane and the table: drag it (or focus it and press ↑/↓) to give either
// more room; the height is remembered in the webview state. The table scrolls in the rest of the window's
// height (what the header, diagram, tools and totals leave): the main column ends in the window, so the
// page does not scroll past the table and selecting a row never scrolls the diagram away (unless the
// side column is the taller one).
import { h } from '../shared/dom';
import type { Store } from './state';

const MIN = 120;
const STEP = 24;
const DEFAULT = 420;
/** The table never shrinks below this: a lower window scrolls the page instead. */
const TABLE_MIN = 220;

export interface Split {
  readonly handle: HTMLElement;
  /** Sizes the table to the window: after each render too, since the header and totals may have grown. */
  fit(): void;
}

/**
 * The table's greatest height that ends its column within the window: `table` is its height now, `mainBottom`
 * the bottom of its column (document coordinates: all above it and the totals under it), `bottom` the page's
 * margin under that.
 */
export function tableMaxHeight(windowHeight: number, table: number, mainBottom: number, bottom: number): number {
  return Math.max(TABLE_MIN, Math.floor(windowHeight - (mainBottom - table) - bottom));
}

export function splitHandle(pane: HTMLElement, table: HTMLElement, state: Store): Split {
  const max = (): number => Math.max(MIN, Math.round(window.innerHeight * 0.9));
  const fit = (): void => {
    const main = table.parentElement;
    if (!main) return;
    const bottom = parseFloat(getComputedStyle(document.body).paddingBottom) || 0;
    const height = tableMaxHeight(window.innerHeight, table.getBoundingClientRect().height, main.getBoundingClientRect().bottom + window.scrollY, bottom);
    // CSSOM, not a style attribute: the webview's CSP allows the one, not the other.
    table.style.maxHeight = `${height}px`;
  };
  const setHeight = (px: number, save: boolean): void => {
    const height = Math.round(Math.min(max(), Math.max(MIN, px)));
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
  setHeight(state.ui.diagramHeight ?? Math.min(DEFAULT, Math.round(window.innerHeight * 0.5)), false);
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
  window.addEventListener('resize', () => setHeight(pane.getBoundingClientRect().height, false));
  handle.addEventListener('keydown', (e) => {
    const now = pane.getBoundingClientRect().height;
    if (e.key === 'ArrowUp') setHeight(now - STEP, true);
    else if (e.key === 'ArrowDown') setHeight(now + STEP, true);
    else return;
    e.preventDefault();
  });
  return { handle, fit };
}
