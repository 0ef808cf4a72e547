// The `training` section, generated from TRAINING_SPEC: nested objects become fieldsets, tagged objects
// (optimizer, schedule) a type select plus the chosen variant's fields. Every edit is one editField.
import { assertNever } from '../../src/model/assertNever';
import { TRAINING_SPEC } from '../../src/model/modelSpec';
import type { FieldSpec, ObjectSpec } from '../../src/model/spec';
import type { DesignerView, JsonPath, JsonValue } from '../../src/protocol/designer';
import { h } from '../shared/dom';
import type { Actions } from './state';
import { fieldEditor, selectBox } from './fields';
import { isObject } from './inspector';

type Obj = { readonly [key: string]: JsonValue };

export function renderTraining(view: DesignerView, actions: Actions): HTMLElement {
  const raw = isObject(view.training) ? view.training : {};
  return h(
    'section',
    { id: 'training', class: 'training', 'aria-label': 'Training settings' },
    h('h2', {}, 'Training'),
    h('div', { class: 'fields' }, ...objectFields(TRAINING_SPEC, ['training'], raw, actions)),
  );
}

function objectFields(spec: ObjectSpec, path: JsonPath, raw: Obj, actions: Actions, skip: readonly string[] = []): HTMLElement[] {
  return Object.entries(spec.fields)
    .filter(([key]) => !skip.includes(key))
    .map(([key, field]) => fieldFor(key, field, [...path, key], raw[key], spec.required.includes(key), actions));
}

function fieldFor(key: string, field: FieldSpec, path: JsonPath, value: JsonValue | undefined, required: boolean, actions: Actions): HTMLElement {
  switch (field.kind) {
    case 'object':
      return group(key, field.doc, path, objectFields(field.spec, path, isObject(value) ? value : {}, actions));
    case 'tagged': {
      const obj = isObject(value) ? value : undefined;
      const type = typeof obj?.type === 'string' ? obj.type : '';
      const id = `f-${path.join('-')}-type`;
      const select = selectBox(id, Object.keys(field.variants), type, undefined, required);
      select.addEventListener('change', () => {
        if (select.value === type) return;
        // Switching variant keeps the other settings (the validator flags any that no longer apply).
        if (select.value === '') actions.send({ type: 'editField', path });
        else if (obj) actions.send({ type: 'editField', path: [...path, 'type'], value: select.value });
        else actions.send({ type: 'editField', path, value: { type: select.value } });
      });
      const variant = field.variants[type];
      return group(key, field.doc, path, [
        h('div', { class: 'field', 'data-field': [...path, 'type'].join('.') }, h('label', { for: id }, 'type'), select),
        ...(variant && obj ? objectFields(variant, path, obj, actions, ['type']) : []),
      ]);
    }
    case 'dataSource': {
      if (isObject(value)) {
        const text: FieldSpec = { kind: 'string', doc: field.doc };
        return group(key, field.doc, path, [
          fieldEditor('images', text, { path: [...path, 'images'], value: value.images, required: true, actions }),
          fieldEditor('labels', text, { path: [...path, 'labels'], value: value.labels, required: true, actions }),
        ]);
      }
      return fieldEditor(key, { kind: 'string', doc: `${field.doc} A folder with one subfolder per class.` }, { path, value, required, actions });
    }
    case 'int':
    case 'intOrPair':
    case 'numberRange':
    case 'numberOrList':
    case 'number':
    case 'enum':
    case 'bool':
    case 'string':
    case 'shape3':
    case 'array':
    case 'layerRefs':
    case 'padding2d':
    case 'windowPadding':
      return fieldEditor(key, field, { path, value, required, actions });
    default:
      return assertNever(field, 'field kind');
  }
}

function group(key: string, doc: string, path: JsonPath, children: readonly HTMLElement[]): HTMLElement {
  return h('fieldset', { class: 'group', 'data-field': path.join('.') }, h('legend', { title: doc }, key), ...children);
}
