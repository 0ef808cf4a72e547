// Designer intents → new document text → one minimal text edit (DESIGN.md §5). Pure, so every gesture is
// unit-tested without VS Code; provider.ts applies the edit as one WorkspaceEdit (one undo step).
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import { assertNever } from '../../model/assertNever';
import { LAYER_SPECS, isLayerType } from '../../model/spec';
import { defaultLayerName } from '../../model/types';
import type { EditIntent } from '../../protocol/designer';
import { freezeUpTo, unfreezeAll } from './freezeEdits';
import { addResidual, connectInput, disconnectInput, setInputs } from './graphEdits';
import { JsonEditError, insertItem, nodeText, parseStrict, removeItem, setValue, compact, applySplice, memberInsertion } from './jsonText';
import { NAME_AFTER, freeName, readLayers, shiftPins, takenNames, writeNames } from './layerNames';

export { JsonEditError } from './jsonText';

/** The intents that change the document (protocol/designer.ts); quick fixes build them too. */
export type { EditIntent } from '../../protocol/designer';

export interface TextEdit {
  readonly offset: number;
  readonly length: number;
  readonly content: string;
}

/**
 * The text after the intent; throws JsonEditError when the intent cannot apply to this text. Gestures that
 * change layer indices also pin the names of the layers they shift (layerNames.ts), in the same text.
 */
export function applyIntent(text: string, intent: EditIntent): string {
  switch (intent.type) {
    case 'insertLayer': {
      if (!isLayerType(intent.layerType)) throw new JsonEditError(`unknown layer type ${intent.layerType}`);
      return insertLayerText(text, intent.index, intent.layerType, LAYER_SPECS[intent.layerType].template);
    }
    case 'deleteLayer': {
      const { items } = readLayers(text);
      if (!items[intent.index]) throw new JsonEditError(`index ${intent.index} out of range`);
      const pinned = writeNames(text, shiftPins(items, (i) => (i === intent.index ? undefined : i > intent.index ? i - 1 : i)));
      return removeItem(pinned, layersNode(pinned), intent.index);
    }
    case 'duplicateLayer':
      return duplicateText(text, intent.index);
    case 'moveLayer': {
      if (intent.from === intent.to) return text;
      const { from, to } = intent;
      const { items } = readLayers(text);
      if (!items[from] || !items[to]) throw new JsonEditError('index out of range');
      const pinned = writeNames(text, shiftPins(items, (i) => movedIndex(i, from, to)));
      const moved = nodeText(pinned, layerAt(pinned, from));
      const without = removeItem(pinned, layersNode(pinned), from);
      return insertItem(without, layersNode(without), to, moved);
    }
    case 'editField':
      return setValue(text, intent.path, intent.value);
    case 'editInput':
      return setValue(text, ['input', 'shape'], intent.shape);
    case 'connectInput':
      return connectInput(text, intent.index, intent.from);
    case 'disconnectInput':
      return disconnectInput(text, intent.index, intent.element);
    case 'setInputs':
      return setInputs(text, intent.index, intent.from);
    case 'addResidual':
      return addResidual(text, intent.first, intent.last);
    case 'freezeUpTo':
      return freezeUpTo(text, intent.index);
    case 'unfreezeAll':
      return unfreezeAll(text);
    default:
      return assertNever(intent, 'edit intent');
  }
}

/** Where layer `i` goes when the layer at `from` moves to `to`. */
function movedIndex(i: number, from: number, to: number): number {
  if (i === from) return to;
  if (from < to && i > from && i <= to) return i - 1;
  if (to < from && i >= to && i < from) return i + 1;
  return i;
}

/** One replace covering only what changed: the common prefix and suffix stay untouched. */
export function minimalEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  // Never split a CRLF pair or a surrogate pair between kept and replaced text.
  while (start > 0 && isPairTail(before.charCodeAt(start))) start--;
  while (end > 0 && isPairTail(before.charCodeAt(before.length - end))) end--;
  return { offset: start, length: before.length - end - start, content: after.slice(start, after.length - end) };
}

/** The intent as one edit (undefined when it changes nothing); the result is always valid JSON. */
export function intentEdit(text: string, intent: EditIntent): TextEdit | undefined {
  const after = applyIntent(text, intent);
  parseStrict(after);
  return minimalEdit(text, after);
}

export function applyTextEdit(text: string, edit: TextEdit | undefined): string {
  return edit ? text.slice(0, edit.offset) + edit.content + text.slice(edit.offset + edit.length) : text;
}

/** Inserts `layer` at `index`, pinning the names of the layers after it, and naming it if its default name is taken. */
function insertLayerText(text: string, index: number, type: string, template: Readonly<Record<string, unknown>>): string {
  const root = parseStrict(text);
  const layers = findNodeAtLocation(root, ['layers']);
  if (!layers) {
    if (index !== 0) throw new JsonEditError('the model has no layers');
    const withLayers = setValue(text, ['layers'], []);
    return insertItem(withLayers, layersNode(withLayers), 0, compact(template));
  }
  if (layers.type !== 'array') throw new JsonEditError('"layers" is not an array');
  const { items } = readLayers(text);
  if (index < 0 || index > items.length) throw new JsonEditError(`index ${index} out of range`);
  const moved = (i: number): number => (i >= index ? i + 1 : i);
  const pins = shiftPins(items, moved);
  const taken = takenNames(items, pins, moved);
  const { type: _type, ...settings } = template;
  const named = taken.has(defaultLayerName(type, index)) ? { type, name: freeName(type, index, taken), ...settings } : template;
  const pinned = writeNames(text, pins);
  return insertItem(pinned, layersNode(pinned), index, compact(named));
}

/** The copy goes right after the original, unnamed when its default name is free, else with a free name. */
function duplicateText(text: string, index: number): string {
  const { items } = readLayers(text);
  const original = items[index];
  if (!original) throw new JsonEditError(`no layer ${index}`);
  const at = index + 1;
  const moved = (i: number): number => (i > index ? i + 1 : i);
  const pins = shiftPins(items, moved);
  const taken = takenNames(items, pins, moved);
  let copy = nodeText(text, original.node);
  if (original.node.type === 'object') {
    const type = original.type ?? 'layer';
    const own = defaultLayerName(type, at);
    const name = taken.has(own) ? freeName(type, at, taken) : undefined;
    if (name === undefined) copy = original.hasName ? setValue(copy, ['name'], undefined) : copy;
    else if (original.hasName) copy = setValue(copy, ['name'], name);
    else copy = applySplice(copy, memberInsertion(copy, parseStrict(copy), 'name', name, NAME_AFTER));
  }
  const pinned = writeNames(text, pins);
  return insertItem(pinned, layersNode(pinned), at, copy);
}

function layersNode(text: string): Node {
  const layers = findNodeAtLocation(parseStrict(text), ['layers']);
  if (!layers || layers.type !== 'array') throw new JsonEditError('"layers" is not an array');
  return layers;
}

function layerAt(text: string, index: number): Node {
  const item = layersNode(text).children?.[index];
  if (!item) throw new JsonEditError(`no layer ${index}`);
  return item;
}

function isPairTail(code: number): boolean {
  return code === 10 || (code >= 0xdc00 && code <= 0xdfff);
}
