// Completion of layer names inside an `inputs` array: "input" and the earlier layers, never this one or later
// ones (references point backwards), each with its output shape. An earlier layer that has only its default
// name is offered too, with an extra edit that writes that name into it, since a referenced layer needs one.
// Pure (no VS Code): text and offset in, items with text edits out.
import { getLocation } from 'jsonc-parser';
import { formatDims } from '../../model/format';
import type { ParsedModel } from '../../model/parse';
import { MODEL_INPUT } from '../../model/types';
import type { TextEdit } from '../editor/edits';
import { memberInsertion } from '../editor/jsonText';
import { NAME_AFTER } from '../editor/layerNames';
import { explicitName, inputsNode, isInvalid, layerValues } from './inputRefs';

export interface InputCompletion {
  readonly name: string;
  /** Output shape and where the layer is. */
  readonly detail: string;
  readonly documentation?: string;
  /** Replaces the string under the cursor (quotes included), or inserts at an empty position. */
  readonly edit: TextEdit;
  /** What the typed text (from the edit's start) is matched against: the quoted name. */
  readonly filterText: string;
  /** Explicit names first (nearest first), then "input", then layers that get a name written. */
  readonly sortText: string;
  /** For a layer with only a default name: `"name": "<it>"` added to that layer. */
  readonly additionalEdits: readonly TextEdit[];
}

export function inputCompletions(text: string, offset: number, parsed: ParsedModel): InputCompletion[] {
  const location = getLocation(text, offset);
  const [root, at, key, element] = location.path;
  if (location.path.length !== 4 || root !== 'layers' || typeof at !== 'number' || key !== 'inputs' || typeof element !== 'number') return [];
  const target = replaceRange(text, offset, location.previousNode);
  if (!target) return [];

  const listed = new Set(
    (inputsNode(parsed, at)?.children ?? []).filter((c) => c.offset !== target.inside).map((c) => c.value as unknown),
  );
  const entries = parsed.analysis?.entries;
  const layers = layerValues(parsed);
  const explicit = layers.map((_, j) => explicitName(parsed, j));
  const items: InputCompletion[] = [];
  const offered = new Set<string>();
  const offer = (name: string, detail: string, sortText: string, extra: readonly TextEdit[] = [], documentation?: string) => {
    if (offered.has(name) || listed.has(name)) return;
    offered.add(name);
    const quoted = JSON.stringify(name);
    items.push({
      name,
      detail,
      ...(documentation ? { documentation } : {}),
      edit: { offset: target.offset, length: target.length, content: target.before + quoted + target.after },
      filterText: quoted,
      sortText,
      additionalEdits: extra,
    });
  };

  const shapeOf = (j: number): string => {
    const e = entries?.[j];
    return e && !isInvalid(e) && e.outputShape ? formatDims(e.outputShape) : '?';
  };
  const typeOf = (j: number): string => {
    const e = entries?.[j];
    return e && !isInvalid(e) ? e.type : 'layer';
  };
  const nearest = (j: number) => String(at - j).padStart(6, '0');
  const earlier = Math.min(at, layers.length);
  for (let j = earlier - 1; j >= 0; j--) {
    const name = explicit[j];
    if (name !== undefined && name !== MODEL_INPUT) offer(name, `${shapeOf(j)} · ${typeOf(j)}, layer ${j}`, `0${nearest(j)}`);
  }
  offer(MODEL_INPUT, `${parsed.analysis ? formatDims(parsed.analysis.inputShape) : '?'} · the model input`, '1');
  const taken = new Set(explicit.filter((n): n is string => n !== undefined));
  for (let j = earlier - 1; j >= 0; j--) {
    const name = entries?.[j]?.name;
    if (explicit[j] !== undefined || name === undefined || taken.has(name)) continue;
    if (layers[j]!.type !== 'object') continue;
    const naming = memberInsertion(text, layers[j]!, 'name', name, NAME_AFTER);
    offer(
      name,
      `${shapeOf(j)} · ${typeOf(j)}, layer ${j} (adds "name")`,
      `2${nearest(j)}`,
      [naming],
      `Layer ${j} has only its default name: choosing it also writes \`"name": "${name}"\` into that layer, as a referenced layer needs an explicit name.`,
    );
  }
  return items;
}

interface Target {
  readonly offset: number;
  readonly length: number;
  /** Separators so that an insertion between elements keeps the array valid. */
  readonly before: string;
  readonly after: string;
  /** The offset of the string being replaced, if any (it is not "already listed"). */
  readonly inside?: number;
}

/** Inside a string: that string. At an empty position (after `[` or `,`): there, with separators as needed. */
function replaceRange(text: string, offset: number, previous: { type: string; offset: number; length: number } | undefined): Target | undefined {
  if (previous) {
    const end = previous.offset + previous.length;
    const terminated = previous.length >= 2 && text[end - 1] === '"';
    const inside = previous.type === 'string' && offset > previous.offset && (terminated ? offset < end : offset <= end);
    // Right after a value, a comma is missing: offering a name there would only make a syntax error.
    if (!inside) return undefined;
    return { offset: previous.offset, length: (terminated ? end : offset) - previous.offset, before: '', after: '', inside: previous.offset };
  }
  let p = offset - 1;
  while (p >= 0 && /\s/.test(text[p]!)) p--;
  let n = offset;
  while (n < text.length && /\s/.test(text[n]!)) n++;
  const prev = text[p];
  const next = text[n];
  return {
    offset,
    length: 0,
    before: prev === '[' || prev === ',' ? '' : ', ',
    after: next === undefined || next === ']' || next === ',' ? '' : ', ',
  };
}
