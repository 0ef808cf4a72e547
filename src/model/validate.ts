// Checks a parsed JSON tree against the spec tables and rebuilds a clean value: invalid optional
// fields are dropped (their default applies) so later stages can still work with the rest, while
// every problem becomes a diagnostic on the exact node that causes it.
import type { Node } from 'jsonc-parser';
import type { DiagnosticCode, ModelDiagnostic, TextRange } from './diagnostics';
import { LAYER_SPECS, MAX_DIM, type FieldSpec, type ObjectSpec } from './spec';
import { suggest } from './suggest';

const KERAS_ALIASES: Record<string, string> = Object.fromEntries(
  Object.entries(LAYER_SPECS).map(([type, spec]) => [spec.keras.replace(/Activation\("(\w+)"\)/, '$1'), type]),
);

/** Marks a value that failed validation (distinct from a valid `undefined`). */
export const INVALID: unique symbol = Symbol('invalid');
export type Checked = unknown | typeof INVALID;

export class Validator {
  readonly diagnostics: ModelDiagnostic[] = [];

  /** With salvage, a misspelt type or field is read as its suggestion, so shape inference can go on past a typo. */
  constructor(private readonly salvage = false) {}

  report(node: Node | TextRange, path: readonly (string | number)[], code: DiagnosticCode, message: string, suggestion?: string): void {
    const layerIndex = path[0] === 'layers' && typeof path[1] === 'number' ? path[1] : undefined;
    this.diagnostics.push({
      message,
      range: { offset: node.offset, length: node.length },
      severity: 'error',
      code,
      path,
      ...(suggestion !== undefined ? { suggestion } : {}),
      ...(layerIndex !== undefined ? { layerIndex } : {}),
    });
  }

  check(node: Node, spec: FieldSpec, path: readonly (string | number)[]): Checked {
    switch (spec.kind) {
      case 'int':
      case 'number':
        return this.number(node, spec, path);
      case 'intOrPair':
        return this.intOrPair(node, spec, path);
      case 'numberRange':
        return this.numberRange(node, spec, path);
      case 'numberOrList':
        return this.numberOrList(node, spec, path);
      case 'enum': {
        if (node.type !== 'string' || !spec.values.includes(node.value as string)) {
          const hint = node.type === 'string' ? suggest(String(node.value), spec.values) : undefined;
          const list = spec.values.map((v) => `"${v}"`).join(', ');
          this.report(node, path, 'wrong-type', `${label(path)} must be one of ${list}${hint ? `; did you mean "${hint}"?` : ''}`, hint);
          return INVALID;
        }
        return node.value;
      }
      case 'bool':
        if (node.type !== 'boolean') return this.wrongType(node, path, 'true or false');
        return node.value;
      case 'string':
        if (node.type !== 'string') return this.wrongType(node, path, 'a string');
        if (spec.path !== undefined && node.value === '') return this.empty(node, path, spec.path);
        return node.value;
      case 'shape3':
        return this.shape3(node, path);
      case 'layerRefs':
        return this.layerRefs(node, path);
      case 'padding2d':
        return this.padding2d(node, spec, path);
      case 'windowPadding':
        return this.windowPadding(node, spec, path);
      case 'object':
        if (node.type !== 'object') return this.wrongType(node, path, 'an object');
        return this.object(node, spec.spec, path);
      case 'tagged':
        return this.tagged(node, spec.variants, path);
      case 'array': {
        if (node.type !== 'array') return this.wrongType(node, path, 'an array');
        return (node.children ?? []).map((child, i) => this.check(child, spec.items, [...path, i]));
      }
      case 'dataSource':
        if (node.type === 'string') return node.value === '' ? this.empty(node, path, DATA_SOURCE_HINT) : node.value;
        if (node.type !== 'object') return this.wrongType(node, path, 'a folder path or { "images": …, "labels": … }');
        return this.object(node, IDX_SPEC, path);
    }
  }

  /** Validates the fields of an object; returns INVALID when a required field is missing or invalid. */
  object(node: Node, spec: ObjectSpec, path: readonly (string | number)[], skip: readonly string[] = []): Checked {
    const out: Record<string, unknown> = {};
    // Required fields that are present under a misspelt name: one error (the spelling) is enough.
    const misspelt = new Set<string>();
    const names = Object.keys(spec.fields);
    for (const prop of node.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      if (skip.includes(key)) continue;
      let field = spec.fields[key];
      if (!field) {
        const hint = suggest(key, names);
        if (hint) misspelt.add(hint);
        if (this.salvage && hint && !hasKey(node, hint) && valueNode) {
          field = spec.fields[hint];
          const value = this.check(valueNode, field, [...path, hint]);
          if (value !== INVALID) out[hint] = value;
          continue;
        }
        const where = path.length ? ` in ${label(path)}` : '';
        this.report(keyNode, [...path, key], 'unknown-field', `unknown field ${quote(key)}${where}${hint ? `; did you mean "${hint}"?` : ''}`, hint);
        continue;
      }
      if (!valueNode) continue; // a syntax error was already reported; the field stays unset
      if (key in out) {
        this.report(keyNode, [...path, key], 'unknown-field', `${quote(key)} is given twice`);
        continue;
      }
      const value = this.check(valueNode, field, [...path, key]);
      if (value !== INVALID) out[key] = value;
    }
    for (const [older, name] of spec.aliases ?? []) {
      if (!hasKey(node, older) || !hasKey(node, name)) continue;
      const keyNode = (node.children ?? []).find((p) => p.children?.[0]?.value === older)?.children?.[0];
      const where = path.length ? `${label(path)}.` : '';
      this.report(keyNode ?? keyRangeOrObject(node), [...path, older], 'unknown-field', `${where}${older} is the older name of ${where}${name}: give only one of them`);
      delete out[older];
    }
    // `out` holds only values that passed their check, and the object is usable only when every required field is
    // among them: a key present in the text is not enough (its value may be missing, invalid or salvaged from a typo).
    let usable = true;
    for (const req of spec.required) {
      if (req in out) continue;
      usable = false;
      if (misspelt.has(req) || hasKey(node, req)) continue; // already reported at the key or its value
      this.report(keyRangeOrObject(node), [...path, req], 'missing-field', `${path.length ? label(path) : 'the model'} needs "${req}"`);
    }
    return usable ? out : INVALID;
  }

  private tagged(node: Node, variants: Readonly<Record<string, ObjectSpec>>, path: readonly (string | number)[]): Checked {
    if (node.type !== 'object') return this.wrongType(node, path, 'an object');
    const typeProp = (node.children ?? []).find((p) => p.children?.[0]?.value === 'type');
    const typeNode = typeProp?.children?.[1];
    const kinds = Object.keys(variants);
    if (!typeNode) {
      this.report(keyRangeOrObject(node), [...path, 'type'], 'missing-field', `${label(path)} needs a "type": one of ${kinds.join(', ')}`);
      return INVALID;
    }
    let type = typeNode.value;
    if (typeNode.type !== 'string' || !Object.prototype.hasOwnProperty.call(variants, type as string)) {
      const hint = typeNode.type === 'string' ? suggest(String(type), kinds, path[0] === 'layers' ? KERAS_ALIASES : {}) : undefined;
      if (this.salvage && hint) type = hint;
    }
    if (!Object.prototype.hasOwnProperty.call(variants, type as string)) {
      const hint = typeNode.type === 'string' ? suggest(String(type), kinds, path[0] === 'layers' ? KERAS_ALIASES : {}) : undefined;
      const what = typeNode.type === 'string' ? `unknown type ${quote(String(type))}` : '"type" must be a string';
      this.report(typeNode, [...path, 'type'], 'unknown-type', `${what}${hint ? `; did you mean "${hint}"?` : `; expected one of ${kinds.join(', ')}`}`, hint);
      return INVALID;
    }
    const rest = this.object(node, variants[type as string], path, ['type']);
    return rest === INVALID ? INVALID : { type, ...(rest as object) };
  }

  private number(node: Node, spec: Extract<FieldSpec, { kind: 'int' | 'number' }>, path: readonly (string | number)[]): Checked {
    const isInt = spec.kind === 'int';
    if (node.type !== 'number') return this.wrongType(node, path, isInt ? 'a whole number' : 'a number');
    const v = node.value as number;
    if (isInt && !Number.isInteger(v)) return this.wrongType(node, path, 'a whole number');
    const low = spec.kind === 'number' && spec.exclusiveMin ? v <= spec.min : v < spec.min;
    const high = spec.kind === 'number' && spec.exclusiveMax ? v >= spec.max : v > spec.max;
    if (!Number.isFinite(v) || low || high) {
      const lo = spec.kind === 'number' && spec.exclusiveMin ? `> ${spec.min}` : `≥ ${spec.min}`;
      const hi = spec.kind === 'number' && spec.exclusiveMax ? `< ${spec.max}` : `≤ ${spec.max}`;
      this.report(node, path, 'out-of-range', `${label(path)} is ${v}; it must be ${lo} and ${hi}`);
      return INVALID;
    }
    return v;
  }

  private intOrPair(node: Node, spec: Extract<FieldSpec, { kind: 'intOrPair' }>, path: readonly (string | number)[]): Checked {
    const asInt: FieldSpec = { kind: 'int', min: spec.min, max: spec.max, doc: spec.doc };
    if (node.type === 'number') return this.check(node, asInt, path);
    if (node.type !== 'array' || node.children?.length !== 2) {
      return this.wrongType(node, path, 'a whole number or [height, width]');
    }
    const [h, w] = node.children.map((c, i) => this.check(c, asInt, [...path, i]));
    return h === INVALID || w === INVALID ? INVALID : [h, w];
  }

  /** [low, high]: each end within the limits (reported at that end), and low ≤ high (reported at the pair). */
  private numberRange(node: Node, spec: Extract<FieldSpec, { kind: 'numberRange' }>, path: readonly (string | number)[]): Checked {
    if (node.type !== 'array' || node.children?.length !== 2) return this.wrongType(node, path, 'a range [low, high]');
    const end: FieldSpec = { kind: 'number', min: spec.min, max: spec.max, ...(spec.exclusiveMin ? { exclusiveMin: true } : {}), doc: spec.doc };
    const [lo, hi] = node.children.map((c, i) => this.check(c, end, [...path, i]));
    if (lo === INVALID || hi === INVALID) return INVALID;
    if ((lo as number) > (hi as number)) {
      this.report(node, path, 'out-of-range', `${label(path)} is [${String(lo)}, ${String(hi)}]; the low end must not be above the high end`);
      return INVALID;
    }
    return [lo, hi];
  }

  /** One number, or a non-empty array of them, each within the limits (reported at that element). */
  private numberOrList(node: Node, spec: Extract<FieldSpec, { kind: 'numberOrList' }>, path: readonly (string | number)[]): Checked {
    const one: FieldSpec = { kind: 'number', min: spec.min, max: spec.max, ...(spec.exclusiveMin ? { exclusiveMin: true } : {}), doc: spec.doc };
    if (node.type === 'number') return this.check(node, one, path);
    if (node.type !== 'array') return this.wrongType(node, path, 'a number or an array of numbers (one per channel)');
    const children = node.children ?? [];
    if (children.length === 0) {
      this.report(node, path, 'out-of-range', `${label(path)} is empty: give one number, or one per channel`);
      return INVALID;
    }
    const values = children.map((c, i) => this.check(c, one, [...path, i]));
    return values.includes(INVALID) ? INVALID : values;
  }

  /** Names only: whether they name earlier layers is the shape function's check (it knows the whole list). */
  private layerRefs(node: Node, path: readonly (string | number)[]): Checked {
    if (node.type !== 'array') return this.wrongType(node, path, 'an array of layer names, e.g. ["conv2d_1", "block1_out"]');
    const children = node.children ?? [];
    if (children.length === 0) {
      this.report(node, path, 'out-of-range', `${label(path)} is empty: name one or more earlier layers (or "input"), or leave it out to take the previous layer`);
      return INVALID;
    }
    const names = children.map((c, i) => {
      if (c.type !== 'string') return this.wrongType(c, [...path, i], 'a layer name (a string)');
      if (c.value === '') return this.empty(c, [...path, i], 'an earlier layer, or "input"');
      return c.value as string;
    });
    return names.includes(INVALID) ? INVALID : names;
  }

  private padding2d(node: Node, spec: Extract<FieldSpec, { kind: 'padding2d' }>, path: readonly (string | number)[]): Checked {
    const asInt: FieldSpec = { kind: 'int', min: spec.min, max: spec.max, doc: spec.doc };
    if (node.type === 'number') return this.check(node, asInt, path);
    const expected = 'a whole number, [height, width] or [[top, bottom], [left, right]]';
    if (node.type !== 'array' || node.children?.length !== 2) return this.wrongType(node, path, expected);
    const [a, b] = node.children;
    if (a!.type === 'number' && b!.type === 'number') {
      const [h, w] = node.children.map((c, i) => this.check(c, asInt, [...path, i]));
      return h === INVALID || w === INVALID ? INVALID : [h, w];
    }
    if (a!.type !== 'array' || b!.type !== 'array') return this.wrongType(node, path, expected);
    const pair = { kind: 'intOrPair', min: spec.min, max: spec.max, doc: spec.doc } as const;
    const sides = node.children.map((c, i) => (c.children?.length === 2 ? this.check(c, pair, [...path, i]) : this.wrongType(c, [...path, i], i === 0 ? '[top, bottom]' : '[left, right]')));
    return sides.includes(INVALID) ? INVALID : sides;
  }

  /** "valid" / "same" (an enum), or explicit cells (padding2d's forms). */
  private windowPadding(node: Node, spec: Extract<FieldSpec, { kind: 'windowPadding' }>, path: readonly (string | number)[]): Checked {
    if (node.type === 'string' && spec.values.includes(String(node.value))) return this.check(node, { kind: 'enum', values: spec.values, doc: spec.doc }, path);
    if (node.type === 'number' || node.type === 'array') return this.padding2d(node, { kind: 'padding2d', min: spec.min, max: spec.max, default: 0, doc: spec.doc }, path);
    return this.wrongType(node, path, `${spec.values.map((v) => `"${v}"`).join(', ')}, a whole number, [height, width] or [[top, bottom], [left, right]]`);
  }

  private shape3(node: Node, path: readonly (string | number)[]): Checked {
    if (node.type !== 'array' || node.children?.length !== 3) {
      return this.wrongType(node, path, '[height, width, channels]');
    }
    const dim: FieldSpec = { kind: 'int', min: 1, max: MAX_DIM, doc: '' };
    const dims = node.children.map((c, i) => this.check(c, dim, [...path, i]));
    return dims.includes(INVALID) ? INVALID : dims;
  }

  private empty(node: Node, path: readonly (string | number)[], hint: string): typeof INVALID {
    this.report(node, path, 'wrong-type', `${label(path)} is empty: name ${hint}`);
    return INVALID;
  }

  private wrongType(node: Node, path: readonly (string | number)[], expected: string): typeof INVALID {
    const got = node.type === 'number' && !Number.isInteger(node.value) ? 'a fraction' : describe(node);
    this.report(node, path, 'wrong-type', `${label(path)} must be ${expected}, not ${got}`);
    return INVALID;
  }
}

const DATA_SOURCE_HINT = 'a folder with one subfolder per class, or an IDX pair { "images", "labels" }';

const IDX_SPEC: ObjectSpec = {
  doc: 'IDX files (MNIST format, plain or .gz).',
  fields: {
    images: { kind: 'string', path: 'an IDX images file, e.g. train-images-idx3-ubyte.gz', doc: 'The images file, e.g. train-images-idx3-ubyte.gz.' },
    labels: { kind: 'string', path: 'an IDX labels file, e.g. train-labels-idx1-ubyte.gz', doc: 'The labels file, e.g. train-labels-idx1-ubyte.gz.' },
  },
  required: ['images', 'labels'],
};

function describe(node: Node): string {
  switch (node.type) {
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    case 'string':
      return `the string ${JSON.stringify(node.value).slice(0, 40)}`;
    case 'null':
      return 'null';
    case 'number':
    case 'boolean':
    case 'property':
      return String(node.value);
  }
}

function hasKey(node: Node, key: string): boolean {
  return (node.children ?? []).some((p) => p.children?.[0]?.value === key);
}

/** A missing field is reported on the object's first line (its opening brace), not the whole object. */
function keyRangeOrObject(node: Node): TextRange {
  return { offset: node.offset, length: 1 };
}

/** A name from the file as JSON writes it: escapes keep a message on one line; long names are cut. */
function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 66 ? `${q.slice(0, 64)}…"` : q;
}

/** 'layers[2].kernelSize', or the plain field name at the top. */
export function label(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || 'the model';
}
