// The toolbar above the table: the gestures on the selected rows (Shift+click or Shift+↑/↓ selects a range) —
// a residual connection around them — and transfer learning's freeze boundary (up to the last selected layer).
import type { DesignerView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions, Range } from './state';

export function renderGraphTools(view: DesignerView, range: Range, actions: Actions): HTMLElement {
  const some = range.first >= 0 && view.editable;
  const which = range.first === range.last ? `layer ${range.first}` : `layers ${range.first}–${range.last}`;
  // A frozen layer: parameters, none of them trainable ("trainable": false).
  const anyFrozen = view.rows.some((r) => r.params > 0 && r.trainable === 0);
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
    button(
      some ? `Freeze up to layer ${range.last}` : 'Freeze up to here',
      {
        id: 'freeze-up-to',
        'data-focus-key': 'freeze-up-to',
        title: 'Transfer learning: "trainable": false on the selected layer and every layer before it (those with parameters); the layers after it train.',
        disabled: !some,
      },
      () => actions.send({ type: 'freezeUpTo', index: range.last }, range.last),
    ),
    button(
      'Unfreeze all',
      { id: 'unfreeze-all', 'data-focus-key': 'unfreeze-all', title: 'Removes every "trainable": false: every layer trains.', disabled: !(view.editable && anyFrozen) },
      () => actions.send({ type: 'unfreezeAll' }, range.last >= 0 ? range.last : undefined),
    ),
    h('span', { class: 'hint' }, 'Shift+click selects a range of layers'),
  );
}
