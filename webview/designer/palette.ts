// Every layer type, from the spec table; a click inserts its template after the selected layer.
import { LAYER_SPECS, LAYER_TYPES } from '../../src/model/spec';
import type { DesignerView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions } from './state';

export function renderPalette(view: DesignerView, selected: number, actions: Actions): HTMLElement {
  const at = selected < 0 ? view.rows.length : selected + 1;
  return h(
    'section',
    { id: 'palette', class: 'palette', 'aria-label': 'Add layer' },
    h('h2', {}, 'Add layer'),
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
}
