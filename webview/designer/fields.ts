// One editor per spec field (src/model/spec.ts drives every form). Text is parsed here only as far as
// its JSON type: a non-number never reaches the document; range checks are left to the model's
// validator, whose diagnostics the row shows, so the limits live in one place.
import { assertNever } from '../../src/model/assertNever';
import type { FieldSpec } from '../../src/model/spec';
import type { JsonPath, JsonValue } from '../../src/protocol/designer';
import { h } from '../shared/dom';
import { parseField, type Parsed } from './fieldParse';

export { parseField, type Parsed } from './fieldParse';
import type { Actions } from './state';

export interface FieldContext {
  readonly path: JsonPath;
  readonly value: JsonValue | undefined;
  readonly required: boolean;
  readonly actions: Actions;
  /** The editor of a `layerRefs` field (the inspector builds it: it needs the other layers). */
  readonly refsEditor?: () => HTMLElement;
}


export function fieldEditor(key: string, spec: FieldSpec, ctx: FieldContext): HTMLElement {
  const id = `f-${ctx.path.join('-')}`;
  const wrap = h('div', { class: 'field', 'data-field': ctx.path.join('.') });
  const label = h('label', { for: id, title: spec.doc }, key, ctx.required && h('span', { class: 'required', 'aria-hidden': 'true' }, '*'));
  switch (spec.kind) {
    case 'enum':
    case 'bool': {
      const values = spec.kind === 'bool' ? ['true', 'false'] : spec.values;
      const current = ctx.value === undefined ? '' : String(ctx.value);
      const select = selectBox(id, values, current, spec.default === undefined ? undefined : String(spec.default), ctx.required);
      select.addEventListener('change', () => {
        const v = select.value;
        const next: JsonValue | undefined = v === '' ? undefined : spec.kind === 'bool' ? v === 'true' : v;
        if (v !== current) ctx.actions.send({ type: 'editField', path: ctx.path, ...(next === undefined ? {} : { value: next }) });
      });
      wrap.append(label, select);
      break;
    }
    case 'object':
    case 'tagged':
    case 'array':
      wrap.append(label, h('span', { class: 'hint' }, 'edit in the text editor'));
      break;
    case 'layerRefs':
      wrap.classList.add('refs-field');
      wrap.append(label, ctx.refsEditor ? ctx.refsEditor() : h('span', { class: 'hint' }, 'edit in the text editor'));
      break;
    case 'padding2d':
    case 'windowPadding':
    case 'int':
    case 'intOrPair':
    case 'numberRange':
    case 'numberOrList':
    case 'number':
    case 'string':
    case 'shape3':
    case 'dataSource': {
      const shown = display(ctx.value);
      const input = h('vscode-textfield', { id, 'data-focus-key': id, placeholder: 'default' in spec && spec.default !== undefined ? `default ${String(spec.default)}` : '' });
      input.value = shown;
      const error = h('div', { class: 'field-error', 'aria-live': 'polite' });
      const check = (): Parsed => {
        const parsed = parseField(spec, input.value, ctx.required);
        input.invalid = !parsed.ok;
        error.textContent = parsed.ok ? '' : parsed.error;
        return parsed;
      };
      input.addEventListener('input', check);
      input.addEventListener('change', () => {
        const parsed = check();
        if (!parsed.ok || input.value.trim() === shown) return;
        ctx.actions.send({ type: 'editField', path: ctx.path, ...(parsed.value === undefined ? {} : { value: parsed.value }) });
      });
      input.addEventListener('keydown', (e) => {
        if (e.key !== 'Escape') return;
        input.value = shown;
        check();
      });
      wrap.append(label, input, error);
      break;
    }
    default:
      return assertNever(spec, 'field kind');
  }
  return wrap;
}

function display(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  // flat() also spells [[top, bottom], [left, right]] as "top, bottom, left, right", the way it is typed.
  if (Array.isArray(value)) return value.flat().map(String).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function selectBox(id: string, values: readonly string[], current: string, defaultValue: string | undefined, required: boolean): HTMLElement & { value: string } {
  const select = h('vscode-single-select', { id, 'data-focus-key': id });
  if (!required) select.append(h('vscode-option', { value: '' }, defaultValue === undefined ? '(none)' : `(default: ${defaultValue})`));
  // A value the spec does not know (a typo in the file) stays visible so the select does not hide it.
  const all = current !== '' && !values.includes(current) ? [...values, current] : values;
  for (const v of all) select.append(h('vscode-option', { value: v, selected: v === current }, v));
  select.value = current;
  return select;
}
