// Mutation-based arbitraries for the property tests: every example and fixture model, changed the way a hand, an
// editor or a bad merge changes them. Text mutations work on characters; structure mutations on the parsed value
// (typos in keys, values of the wrong kind or size, layers deleted, duplicated or moved, deep nesting).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readRepoFile, ROOT } from '../../unit/model/helpers';

// test/unit/model/fixtures holds ResNet-50: moving, deleting and duplicating its layers breaks references and names.
export const SOURCES: readonly { readonly file: string; readonly text: string }[] = ['examples', 'test/fixtures', 'test/unit/model/fixtures'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.cnn.json'))
    .sort()
    .map((f) => ({ file: `${dir}/${f}`, text: readRepoFile(`${dir}/${f}`) })),
);

const PUNCTUATION = [',', '"', ':', '[', ']', '{', '}', '0', '1', '9', '-', '.', 'e', 'E', '+', ' ', '\n', '\\', 'a', '_'];

type TextEdit =
  | { readonly op: 'insert'; readonly at: number; readonly s: string }
  | { readonly op: 'delete'; readonly at: number; readonly n: number }
  | { readonly op: 'replace'; readonly at: number; readonly s: string }
  | { readonly op: 'duplicate'; readonly at: number; readonly n: number }
  | { readonly op: 'truncate'; readonly at: number };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.string({ minLength: 1, maxLength: 4, unit: fc.constantFrom(...PUNCTUATION) }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), s: fc.constantFrom(...PUNCTUATION) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyText(text: string, e: TextEdit): string {
  const at = text.length ? e.at % (text.length + 1) : 0;
  switch (e.op) {
    case 'insert':
      return text.slice(0, at) + e.s + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.n);
    case 'replace':
      return text.slice(0, at) + e.s + text.slice(at + 1);
    case 'duplicate':
      return text.slice(0, at + e.n) + text.slice(at, at + e.n) + text.slice(at + e.n);
    case 'truncate':
      return text.slice(0, at);
  }
}

/** A source file with one to four character-level edits. */
export const textMutant: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: SOURCES.length - 1 }), fc.array(textEdit, { minLength: 1, maxLength: 4 }))
  .map(([i, edits]) => edits.reduce(applyText, SOURCES[i]!.text));

// ---- structure mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Literal JSON text for values JSON.stringify cannot write (1e400 would become null). */
const RAW = '\u0000raw:';
const BAD_VALUES: readonly Json[] = [
  0, -1, -3, 1e12, 2.5, 0.5, 1e-9, 65537, 1048577, 4294967296, `${RAW}1e400`, `${RAW}-1e400`, `${RAW}1E+2`, `${RAW}-0`,
  'NaN', 'Infinity', '', '3', 'same', 'relu', 'conv2d', null, true, false, [], [1], [2, 2], [3, 3, 3], [0, 2], [[3]], [28, 28], [28, 28, 1, 1], {}, { type: 'adam' },
  { images: '', labels: '' }, `${RAW}${'['.repeat(70)}${']'.repeat(70)}`, `${RAW}${'[{"a":'.repeat(12)}1${'}]'.repeat(12)}`,
];

type StructEdit =
  | { readonly op: 'rename'; readonly target: number; readonly at: number; readonly ch: string; readonly how: number }
  | { readonly op: 'set'; readonly target: number; readonly value: number }
  | { readonly op: 'swap'; readonly target: number; readonly other: number }
  | { readonly op: 'remove'; readonly target: number }
  | { readonly op: 'layers'; readonly how: 'delete' | 'duplicate' | 'move'; readonly from: number; readonly to: number };

const structEdit: fc.Arbitrary<StructEdit> = fc.oneof(
  fc.record({ op: fc.constant('rename' as const), target: fc.nat(), at: fc.nat(), ch: fc.constantFrom(...PUNCTUATION, 'S', 'x'), how: fc.nat({ max: 4 }) }),
  fc.record({ op: fc.constant('set' as const), target: fc.nat(), value: fc.nat({ max: BAD_VALUES.length - 1 }) }),
  fc.record({ op: fc.constant('swap' as const), target: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('remove' as const), target: fc.nat() }),
  fc.record({ op: fc.constant('layers' as const), how: fc.constantFrom('delete' as const, 'duplicate' as const, 'move' as const), from: fc.nat(), to: fc.nat() }),
);

/** Every [path, value] below the root, depth first. */
function entries(value: Json, path: Path = [], out: [Path, Json][] = []): [Path, Json][] {
  const children: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : value !== null && typeof value === 'object' ? Object.entries(value) : [];
  for (const [k, v] of children) {
    out.push([[...path, k], v]);
    entries(v, [...path, k], out);
  }
  return out;
}

function parentOf(root: Json, path: Path): Json {
  let node = root;
  for (const p of path.slice(0, -1)) node = (node as Record<string | number, Json>)[p]!;
  return node;
}

/** A near typo of a key: a character inserted, deleted or replaced, two swapped, or the case changed. */
function typo(key: string, at: number, ch: string, how: number): string {
  const i = key.length ? at % key.length : 0;
  switch (how) {
    case 0:
      return key.slice(0, i) + ch + key.slice(i);
    case 1:
      return key.slice(0, i) + key.slice(i + 1);
    case 2:
      return key.slice(0, i) + ch + key.slice(i + 1);
    case 3:
      return key.length > 1 ? key.slice(0, i) + (key[i + 1] ?? '') + key[i] + key.slice(i + 2) : key + ch;
    default:
      return key.toUpperCase();
  }
}

function applyStruct(root: Json, e: StructEdit): Json {
  const all = entries(root);
  if (e.op === 'layers') {
    const layers = (root as { layers?: Json }).layers;
    if (!Array.isArray(layers) || layers.length === 0) return root;
    const from = e.from % layers.length;
    const [layer] = layers.splice(from, 1);
    if (e.how === 'duplicate') layers.splice(from, 0, layer!, structuredClone(layer!));
    if (e.how === 'move') layers.splice(e.to % (layers.length + 1), 0, layer!);
    return root;
  }
  if (all.length === 0) return root;
  const [path, value] = all[e.target % all.length]!;
  const parent = parentOf(root, path) as Record<string | number, Json> & Json[];
  const key = path[path.length - 1]!;
  switch (e.op) {
    case 'rename': {
      if (typeof key !== 'string') return root;
      // Rebuild the object so the renamed key keeps its place.
      const renamed = Object.fromEntries(Object.entries(parent).map(([k, v]) => [k === key ? typo(key, e.at, e.ch, e.how) : k, v]));
      for (const k of Object.keys(parent)) delete parent[k];
      Object.assign(parent, renamed);
      return root;
    }
    case 'set':
      parent[key] = structuredClone(BAD_VALUES[e.value]!);
      return root;
    case 'swap': {
      const [otherPath, otherValue] = all[e.other % all.length]!;
      if (otherPath.length >= path.length && path.every((p, i) => otherPath[i] === p)) return root; // not into itself
      if (path.length >= otherPath.length && otherPath.every((p, i) => path[i] === p)) return root;
      parent[key] = structuredClone(otherValue);
      (parentOf(root, otherPath) as Record<string | number, Json>)[otherPath[otherPath.length - 1]!] = structuredClone(value);
      return root;
    }
    case 'remove':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return root;
  }
}

function toText(value: Json, indent: number): string {
  return JSON.stringify(value, null, indent).replace(/"\\u0000raw:((?:[^"\\]|\\.)*)"/g, (_, raw: string) => JSON.parse(`"${raw}"`) as string);
}

/** A source model with one to four structural edits, written back as JSON (with 0–2 spaces of indentation). */
export const structureMutant: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: SOURCES.length - 1 }), fc.array(structEdit, { minLength: 1, maxLength: 4 }), fc.nat({ max: 2 }))
  .map(([i, edits, indent]) => toText(edits.reduce(applyStruct, JSON.parse(SOURCES[i]!.text) as Json), indent));
