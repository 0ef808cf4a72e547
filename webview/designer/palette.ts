// Every layer type, from the spec table; a click inserts its template after the selected layer. A
// disclosure, so it can fold away and leave the room to the table (remembered in the webview state).
import { LAYER_SPECS, LAYER_TYPES } from '../../src/model/spec';
import type { DesignerView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions, Store } from './state';

export function renderPalette(view: DesignerView, selected: number, actions: Actions, state: Store): HTMLElement {
  const at = selected < 0 ? view.rows.length : selected + 1;
  const details = h(
    'details',
    { id: 'palette', class: 'palette', 'aria-label': 'Add layer', open: state.ui.paletteOpen ?? true },
    h('summary', { 'data-focus-key': 'palette-summary' }, h('h2', {}, 'Add layer')),
    h(
      'div',
      { class: 'palette-buttons', role: 'toolbar' },
      LAYER_TYPES.map((type) =>
        // data-focus-key: the palette is rebuilt on every change; the pressed button keeps the keyboard focus.
        button(type, { 'data-insert-type': type, 'data-focus-key': `insert-${type}`, title: `${LAYER_SPECS[type].doc} (inserted at position ${at})`, disabled: !view.editable }, () =>
          actions.send({ type: 'insertLayer', index: at, layerType: type }, at),
        ),
      ),
    ),
  );
  details.addEventListener('toggle', () => state.saveUi({ paletteOpen: details.open }));
  return details;
}
