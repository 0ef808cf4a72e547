// A layer's inputs: shown as names (the implicit previous layer greyed, as "previous"), and picked from the
// earlier layers and the model input — one for most layers, several for merge layers. A pick that adds or
// removes one input is the connect or disconnect gesture; the host names what a reference needs.
import { formatDims } from '../../src/model/format';
import { LAYER_DEFS } from '../../src/model/layers';
import { implicitInput } from '../../src/model/types';
import type { DesignerView, EditIntent, RowView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions } from './state';
import { shortName } from './blocks';

/** The layer types that take two or more inputs (add, concatenate, multiply), from the registry. */
export const MERGE_TYPES: readonly string[] = Object.entries(LAYER_DEFS).filter(([, def]) => def.inputs === 'many').map(([type]) => type);

/** The inputs as text: each name with its shape as a tooltip; "previous" when the layer has no `inputs`. */
const MAX_LISTED = 4;

export function inputsLabel(row: RowView): HTMLElement {
  // Cut to the column with an ellipsis (designer.css): every input's full name in the tooltip.
  const span = h('span', { class: 'input-refs', title: row.inputs.map((i) => `${i.name}${shapeSuffix(i.shape)}`).join('\n') });
  if (row.explicitInputs === 0) {
    const prev = row.inputs[0];
    span.append(h('span', { class: 'input-ref implicit', title: prev ? `${prev.name}${shapeSuffix(prev.shape)} (the previous layer)` : 'the previous layer' }, implicitInput(row.index) < 0 ? 'input' : 'previous'));
    return span;
  }
  // A DenseNet concatenation reads up to 32 layers: the first two, the count, the last one.
  const many = row.inputs.length > MAX_LISTED;
  row.inputs.forEach((input, k) => {
    if (many && k >= 2 && k < row.inputs.length - 1 && !input.error) {
      if (k === 2) span.append(', ', h('span', { class: 'input-ref more', title: row.inputs.slice(2, -1).map((i) => i.name).join('\n') }, `… ${row.inputs.length - 3} more`));
      return;
    }
    if (k > 0) span.append(', ');
    span.append(h('span', { class: input.error ? 'input-ref error' : 'input-ref', 'data-input-element': k, title: input.error ?? `${input.name}${shapeSuffix(input.shape)}` }, shortName(input.name)));
  });
  return span;
}

/** Every input with its shape, and a button that disconnects it (only explicit inputs can be removed). */
export function inputChips(row: RowView, actions: Actions): HTMLElement {
  const list = h('ul', { class: 'input-chips', 'aria-label': `Inputs of layer ${row.index}` });
  row.inputs.forEach((input, k) => {
    const explicit = row.explicitInputs > 0;
    list.append(
      h(
        'li',
        { class: ['input-chip', !explicit && 'implicit', input.error && 'error'].filter(Boolean).join(' '), 'data-input-element': k },
        h('span', { class: 'input-name' }, explicit ? input.name : `${input.name} (previous)`),
        input.shape && h('span', { class: 'input-shape' }, formatDims(input.shape)),
        explicit &&
          button('✕', { 'data-action': 'disconnect', 'data-focus-key': `disconnect-${row.index}-${k}`, title: `Disconnect ${input.name}`, 'aria-label': `Disconnect ${input.name}` }, () =>
            actions.send({ type: 'disconnectInput', index: row.index, element: k }, row.index),
          ),
        input.error && h('div', { class: 'error-message' }, input.error),
      ),
    );
  });
  return list;
}

/**
 * The pick-list: a single select for most layers (choosing "previous" removes `inputs`), a multi-select for
 * merge layers. `id` keeps the keyboard focus across re-renders.
 */
export function inputsPicker(view: DesignerView, row: RowView, actions: Actions, id: string): HTMLElement {
  const sources = [{ value: -1, label: 'input' }, ...view.rows.slice(0, row.index).map((r) => ({ value: r.index, label: `${r.name} (${r.index})` }))];
  const current = row.inputs.map((i) => i.index).filter((i): i is number => i !== undefined);
  if (MERGE_TYPES.includes(row.type)) return multiPicker(row, sources, current, actions, id);
  const select = h('vscode-single-select', { id, 'data-focus-key': id, 'aria-label': `Input of layer ${row.index}` });
  // The layer read without `inputs` (when the row has some, row.inputs holds those instead).
  const implicit = implicitInput(row.index);
  const previous = implicit < 0 ? 'input' : (view.rows[implicit]?.name ?? 'previous');
  select.append(h('vscode-option', { value: '' }, `previous (${previous})`));
  const chosen = row.explicitInputs > 0 ? String(current[0] ?? 'unknown') : '';
  if (chosen === 'unknown') select.append(h('vscode-option', { value: 'unknown', selected: true }, `${row.inputs[0]?.name ?? '?'} (unknown)`));
  for (const s of sources) select.append(h('vscode-option', { value: String(s.value), selected: String(s.value) === chosen }, s.label));
  select.value = chosen;
  select.addEventListener('change', () => {
    const v = select.value;
    if (v === chosen || v === 'unknown') return;
    actions.send({ type: 'setInputs', index: row.index, from: v === '' ? [] : [Number(v)] }, row.index);
  });
  return select;
}

function multiPicker(row: RowView, sources: readonly { value: number; label: string }[], current: readonly number[], actions: Actions, id: string): HTMLElement {
  const select = h('vscode-multi-select', { id, 'data-focus-key': id, 'aria-label': `Inputs of layer ${row.index}` });
  for (const s of sources) select.append(h('vscode-option', { value: String(s.value), selected: current.includes(s.value) }, s.label));
  // "Select all" fires one change per option: act once, on what is selected in the end.
  let pending = false;
  select.addEventListener('change', () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      const picked = new Set(select.value.map(Number));
      const intent = pickIntent(row, current, sources.map((s) => s.value).filter((v) => picked.has(v)));
      if (intent) actions.send(intent, row.index);
    });
  });
  return select;
}

/** The gesture a new selection amounts to: connect or disconnect one input, else set them all (kept ones in their order). */
export function pickIntent(row: RowView, current: readonly number[], picked: readonly number[]): EditIntent | undefined {
  const added = picked.filter((p) => !current.includes(p));
  const removed = current.filter((c) => !picked.includes(c));
  if (added.length === 0 && removed.length === 0) return undefined;
  const [one] = added;
  if (added.length === 1 && removed.length === 0 && one !== undefined) return { type: 'connectInput', index: row.index, from: one };
  const element = removed.length === 1 && added.length === 0 && row.explicitInputs > 0 ? row.inputs.findIndex((i) => i.index === removed[0]) : -1;
  if (element >= 0) return { type: 'disconnectInput', index: row.index, element };
  return { type: 'setInputs', index: row.index, from: [...current.filter((c) => picked.includes(c)), ...added] };
}

function shapeSuffix(shape: readonly number[] | undefined): string {
  return shape ? `: ${formatDims(shape)}` : '';
}
