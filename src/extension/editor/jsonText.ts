// Minimal, style-keeping edits of JSON text. jsonc-parser's `modify` with formatting options re-indents
// the whole enclosing object (turning one-line layers into eight lines), and without them emits unspaced
// JSON; so values are written here in the compact style of the examples (`{ "type": "flatten" }`) and
// placed next to their siblings with the separator the file already uses. Pure: no VS Code, no I/O.
import { applyEdits, findNodeAtLocation, modify, parseTree, type Node, type ParseError } from 'jsonc-parser';

export type Path = readonly (string | number)[];

export class JsonEditError extends Error {}

/** `{ "a": 1, "b": [1, 2] }`: one line, a space after every separator, as the example files are written. */
export function compact(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(compact).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compact(v)}`).join(', ')} }`;
  }
  const s = JSON.stringify(value);
  if (s === undefined) throw new JsonEditError('value is not JSON');
  return s;
}

/** Parses strictly (the model format allows no comments); throws on any syntax error. */
export function parseStrict(text: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (!root || errors.length > 0) throw new JsonEditError('the text is not valid JSON');
  return root;
}

/** Sets the value at `path`, creating missing parent objects; `undefined` removes it. */
export function setValue(text: string, path: Path, value: unknown): string {
  const root = parseStrict(text);
  if (value === undefined) {
    return findNodeAtLocation(root, [...path]) ? applyEdits(text, modify(text, [...path], undefined, {})) : text;
  }
  const existing = findNodeAtLocation(root, [...path]);
  if (existing) return splice(text, existing.offset, existing.length, compact(value));
  // Walk down to the deepest existing ancestor, then insert the rest as one nested value.
  let depth = path.length - 1;
  let parent = findNodeAtLocation(root, [...path.slice(0, depth)]);
  while (!parent && depth > 0) parent = findNodeAtLocation(root, [...path.slice(0, --depth)]);
  if (!parent) throw new JsonEditError('no such location');
  let nested: unknown = value;
  for (let i = path.length - 1; i > depth; i--) {
    const key = path[i];
    if (typeof key !== 'string') throw new JsonEditError(`cannot create array element ${key}`);
    nested = { [key]: nested };
  }
  const key = path[depth];
  if (parent.type === 'object' && typeof key === 'string') return insertProperty(text, parent, key, nested);
  if (parent.type === 'array' && key === (parent.children ?? []).length) return insertItem(text, parent, key, compact(nested));
  throw new JsonEditError(`cannot set ${String(key)} inside a ${parent.type}`);
}

export function insertProperty(text: string, obj: Node, key: string, value: unknown): string {
  return applySplice(text, memberInsertion(text, obj, key, value));
}

/** One insertion (or replacement) of text: several of them, in distinct places, apply from the last one back. */
export interface Splice {
  readonly offset: number;
  readonly length: number;
  readonly content: string;
}

export function applySplice(text: string, s: Splice): string {
  return splice(text, s.offset, s.length, s.content);
}

/** Applies splices that do not overlap, from the last offset back so the earlier ones stay valid. */
export function applySplices(text: string, splices: readonly Splice[]): string {
  return [...splices].sort((a, b) => b.offset - a.offset).reduce(applySplice, text);
}

/**
 * Where `"key": value` goes in `obj`: right after the last of the `after` keys present (so "name" and
 * "inputs" sit next to "type", where a reader looks), else after the last member; with the separator
 * the object already uses.
 */
export function memberInsertion(text: string, obj: Node, key: string, value: unknown, after: readonly string[] = []): Splice {
  const member = `${JSON.stringify(key)}: ${compact(value)}`;
  const props = obj.children ?? [];
  const last = props[props.length - 1];
  if (!last) return { offset: obj.offset, length: obj.length, content: `{ ${member} }` };
  let anchor = -1;
  props.forEach((p, i) => {
    if (after.includes(String(p.children?.[0]?.value))) anchor = i;
  });
  const prop = props[anchor];
  const next = props[anchor + 1];
  if (prop && next) return { offset: prop.offset + prop.length, length: 0, content: text.slice(prop.offset + prop.length, next.offset) + member };
  const multiLine = text.slice(obj.offset, last.offset).includes('\n');
  const sep = multiLine ? `,${eolOf(text)}${lineIndent(text, last.offset)}` : ', ';
  return { offset: last.offset + last.length, length: 0, content: sep + member };
}

/** Inserts `itemText` (already JSON) so that it becomes element `index` of the array. */
export function insertItem(text: string, arr: Node, index: number, itemText: string): string {
  const items = arr.children ?? [];
  if (index < 0 || index > items.length) throw new JsonEditError(`index ${index} out of range`);
  if (items.length === 0) {
    const outer = lineIndent(text, arr.offset);
    const eol = eolOf(text);
    return splice(text, arr.offset, arr.length, `[${eol}${outer}${indentUnit(text)}${itemText}${eol}${outer}]`);
  }
  const sep = separator(text, arr);
  if (index === items.length) {
    const last = items[items.length - 1]!;
    return splice(text, last.offset + last.length, 0, sep + itemText);
  }
  return splice(text, items[index]!.offset, 0, itemText + sep);
}

/** Removes array element `index` with one neighbouring separator, keeping the other lines as they are. */
export function removeItem(text: string, arr: Node, index: number): string {
  const items = arr.children ?? [];
  const item = items[index];
  if (!item) throw new JsonEditError(`index ${index} out of range`);
  if (items.length === 1) return splice(text, arr.offset, arr.length, '[]');
  if (index > 0) {
    const prev = items[index - 1]!;
    return splice(text, prev.offset + prev.length, item.offset + item.length - (prev.offset + prev.length), '');
  }
  return splice(text, item.offset, items[1]!.offset - item.offset, '');
}

export function nodeText(text: string, node: Node): string {
  return text.slice(node.offset, node.offset + node.length);
}

/** The text between elements, e.g. ",\n    " for one layer per line. */
function separator(text: string, arr: Node): string {
  const [a, b] = arr.children ?? [];
  if (a && b) return text.slice(a.offset + a.length, b.offset);
  if (a && text.slice(arr.offset, a.offset).includes('\n')) return `,${eolOf(text)}${lineIndent(text, a.offset)}`;
  return ', ';
}

function splice(text: string, offset: number, length: number, insert: string): string {
  return text.slice(0, offset) + insert + text.slice(offset + length);
}

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? '';
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** The file's own indentation step (the first indented line), two spaces when it has none. */
function indentUnit(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}
