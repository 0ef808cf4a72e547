// The toolbar above the table: the graph gesture on the selected rows (Shift+click or Shift+↑/↓ selects a
// range) — a residual connection around them.
import type { DesignerView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions, Range } from './state';

export function renderGraphTools(view: DesignerView, range: Range, actions: Actions): HTMLElement {
  const some = range.first >= 0 && view.editable;
  const which = range.first === range.last ? `layer ${range.first}` : `layers ${range.first}–${range.last}`;
  return h(
    'div',
    { id: 'graph-tools', class: 'graph-tools', role: 'toolbar', 'aria-label': 'Connections' },
    button(
      some ? `Add residual connection around ${which}` : 'Add residual connection',
      {
        id: 'add-residual',
        'data-focus-key': 'add-residual',
        title: 'Adds the input of the first selected layer to the output of the last one, with an add layer after it. Shift+click or Shift+↑/↓ in the table selects a range.',
        disabled: !some,
      },
      () => actions.send({ type: 'addResidual', first: range.first, last: range.last }, range.last + 1),
    ),
    h('span', { class: 'hint' }, 'Shift+click selects a range of layers'),
  );
}
