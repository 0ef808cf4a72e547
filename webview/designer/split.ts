// The handle between the diagram pane and the table: drag it (or focus it and press ↑/↓) to give either
// more room; the height is remembered in the webview state. The table scrolls in the rest of the window's
// height, so selecting a row never scrolls the diagram away.
import { h } from '../shared/dom';
import type { Store } from './state';

const MIN = 120;
const STEP = 24;
const DEFAULT = 420;
/** Room the toolbar and the handle take besides the two panes; the table never shrinks below TABLE_MIN. */
const TABLE_MARGIN = 110;
const TABLE_MIN = 220;

export function splitHandle(pane: HTMLElement, table: HTMLElement, state: Store): HTMLElement {
  const max = (): number => Math.max(MIN, Math.round(window.innerHeight * 0.9));
  const setHeight = (px: number, save: boolean): void => {
    const height = Math.round(Math.min(max(), Math.max(MIN, px)));
    // CSSOM, not a style attribute: the webview's CSP allows the one, not the other.
    pane.style.height = `${height}px`;
    table.style.maxHeight = `${Math.max(TABLE_MIN, window.innerHeight - height - TABLE_MARGIN)}px`;
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
  return handle;
}
