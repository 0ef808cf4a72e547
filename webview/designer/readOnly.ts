// The read-only designer (an `.onnx` file imported in memory): the banner with "Convert to .cnn.json", the
// error view of a file that cannot be converted (every unsupported node, and nothing else: no partial model),
// and the selected layer's settings as plain text instead of editors.
import { formatDims } from '../../src/model/format';
import type { DesignerView, JsonValue, ReadOnlyView } from '../../src/protocol/designer';
import { button, h } from '../shared/dom';
import type { Actions } from './state';
import { isObject } from './inspector';

export function renderBanner(readOnly: ReadOnlyView, actions: Actions): HTMLElement {
  const convertible = readOnly.importErrors === undefined;
  return h(
    'div',
    { id: 'read-only-banner', class: 'read-only-banner', role: 'note' },
    h('span', { class: 'read-only-text' }, `Read-only: ${readOnly.file}`),
    convertible && ' — ',
    convertible &&
      button(
        'Convert to .cnn.json',
        { id: 'convert', 'data-focus-key': 'convert', title: `Writes ${readOnly.convertTo} and its weights beside ${readOnly.file}, then opens it for editing and training` },
        () => actions.send({ type: 'convertToModel' }),
        false,
      ),
    readOnly.notes.length > 0 && h('ul', { class: 'read-only-notes' }, readOnly.notes.map((n) => h('li', {}, n))),
  );
}

/** Why the file cannot be shown: one line per node that cannot be converted, as `cnn import` prints them. */
export function renderImportErrors(readOnly: ReadOnlyView): HTMLElement {
  const problems = readOnly.importErrors ?? [];
  const list = h('ul', { class: 'import-errors' });
  for (const p of problems) list.append(h('li', { class: 'error-message' }, p));
  return h(
    'section',
    { id: 'import-errors', class: 'import-error-view', role: 'alert' },
    h('h2', {}, `${readOnly.file} cannot be shown: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}`),
    list,
    h('p', { class: 'hint' }, 'CNN Studio converts a CNN of the supported ONNX operators (docs/onnx.md); nothing was converted or written.'),
  );
}

/** Model name and input shape as text: nothing to edit. */
export function renderReadOnlyHeader(view: DesignerView): HTMLElement {
  return h(
    'header',
    { id: 'header', class: 'header' },
    h(
      'div',
      { class: 'title-row' },
      h('span', { id: 'model-name', class: 'model-name read-only' }, view.name),
      h('span', { class: 'input-shape', id: 'input-shape' }, `input ${view.inputShape ? formatDims(view.inputShape) : '?'}`),
    ),
    view.description !== undefined && h('p', { class: 'description' }, view.description),
  );
}

/** The selected layer's fields, as the converted file would have them. */
export function renderReadOnlyInspector(view: DesignerView, selected: number): HTMLElement {
  const section = h('section', { id: 'inspector', class: 'inspector', 'aria-label': 'Layer settings' });
  const row = view.rows[selected];
  const raw = view.layers[selected];
  if (!row || !isObject(raw)) {
    section.append(h('p', { class: 'hint' }, 'Select a layer to see its settings.'));
    return section;
  }
  const list = h('dl', { class: 'read-only-fields' });
  for (const [key, value] of Object.entries(raw)) list.append(h('dt', {}, key), h('dd', { 'data-field': `layers.${selected}.${key}` }, text(value)));
  section.append(h('h2', {}, `Layer ${selected}`), list);
  return section;
}

function text(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
