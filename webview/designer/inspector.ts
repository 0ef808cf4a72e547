// Field editors for the selected layer, generated from LAYER_SPECS: change the type, edit any field,
// remove fields the spec does not know (typos the diagnostics point at).
import { LAYER_SPECS, LAYER_TYPES, isLayerType } from '../../src/model/spec';
import type { DesignerView, JsonValue } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions } from './state';
import { fieldEditor, selectBox } from './fields';
import { MERGE_TYPES, inputChips, inputsPicker } from './inputsPicker';

export function renderInspector(view: DesignerView, selected: number, actions: Actions): HTMLElement {
  const section = h('section', { id: 'inspector', class: 'inspector', 'aria-label': 'Layer settings' });
  const row = view.rows[selected];
  const raw = view.layers[selected];
  if (!row || !isObject(raw)) {
    section.append(h('p', { class: 'hint' }, view.rows.length ? 'Select a layer to edit it.' : 'Add a layer from the palette.'));
    return section;
  }
  const type = typeof raw.type === 'string' ? raw.type : '';
  const typeSelect = selectBox(`f-layers-${selected}-type`, LAYER_TYPES, type, undefined, true);
  typeSelect.addEventListener('change', () => {
    if (typeSelect.value !== type) actions.send({ type: 'editField', path: ['layers', selected, 'type'], value: typeSelect.value });
  });
  section.append(
    h('h2', {}, `Layer ${selected}`),
    h('div', { class: 'field', 'data-field': `layers.${selected}.type` }, h('label', { for: typeSelect.id }, 'type'), typeSelect),
  );
  if (row.errors.length) section.append(h('ul', { class: 'errors' }, row.errors.map((m) => h('li', { class: 'error-message' }, m))));
  if (!isLayerType(type)) {
    section.append(h('p', { class: 'hint' }, 'Unknown layer type: choose one above.'));
    return section;
  }
  const spec = LAYER_SPECS[type];
  section.append(h('p', { class: 'doc' }, spec.doc));
  const form = h('div', { class: 'fields' });
  for (const [key, field] of Object.entries(spec.fields)) {
    // A merge layer lists its inputs (each can be disconnected) above the multi-select; another layer's one
    // input is the single select's value, with its shape and any error below.
    const merge = MERGE_TYPES.includes(row.type);
    const refsEditor = (): HTMLElement =>
      h(
        'div',
        { class: 'refs-editor' },
        (merge || selected === 0 || row.inputs.some((i) => i.error)) && inputChips(row, actions),
        selected > 0 && inputsPicker(view, row, actions, `f-layers-${selected}-${key}`),
      );
    form.append(fieldEditor(key, field, { path: ['layers', selected, key], value: raw[key], required: spec.required.includes(key), actions, refsEditor }));
  }
  for (const key of Object.keys(raw).filter((k) => k !== 'type' && !(k in spec.fields))) {
    form.append(
      h(
        'div',
        { class: 'field unknown-field', 'data-field': `layers.${selected}.${key}` },
        h('span', { class: 'error-message' }, `unknown field "${key}"`),
        button('Remove', { 'data-action': 'remove-field', 'data-focus-key': `rm-${selected}-${key}` }, () =>
          actions.send({ type: 'editField', path: ['layers', selected, key] }),
        ),
      ),
    );
  }
  section.append(form);
  return section;
}

export function isObject(v: JsonValue | undefined): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
