// Designer intents → new document text → one minimal text edit (DESIGN.md §5). Pure, so every gesture is
// unit-tested without VS Code; provider.ts applies the edit as one WorkspaceEdit (one undo step).
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import { assertNever } from '../../model/assertNever';
import { LAYER_SPECS, isLayerType } from '../../model/spec';
import type { IntentMessage } from '../../protocol/webview';
import { JsonEditError, insertItem, nodeText, parseStrict, removeItem, setValue, compact } from './jsonText';

export { JsonEditError } from './jsonText';

/** The intents that change the document. */
export type EditIntent = Extract<IntentMessage, { readonly type: 'insertLayer' | 'deleteLayer' | 'duplicateLayer' | 'moveLayer' | 'editField' | 'editInput' }>;

export interface TextEdit {
  readonly offset: number;
  readonly length: number;
  readonly content: string;
}

export function isEditIntent(msg: IntentMessage): msg is EditIntent {
  return ['insertLayer', 'deleteLayer', 'duplicateLayer', 'moveLayer', 'editField', 'editInput'].includes(msg.type);
}

/** The text after the intent; throws JsonEditError when the intent cannot apply to this text. */
export function applyIntent(text: string, intent: EditIntent): string {
  switch (intent.type) {
    case 'insertLayer': {
      if (!isLayerType(intent.layerType)) throw new JsonEditError(`unknown layer type ${intent.layerType}`);
      return insertLayerText(text, intent.index, compact(LAYER_SPECS[intent.layerType].template));
    }
    case 'deleteLayer':
      return removeItem(text, layersNode(text), intent.index);
    case 'duplicateLayer': {
      const item = layerAt(text, intent.index);
      return insertItem(text, layersNode(text), intent.index + 1, nodeText(text, item));
    }
    case 'moveLayer': {
      if (intent.from === intent.to) return text;
      const moved = nodeText(text, layerAt(text, intent.from));
      const without = removeItem(text, layersNode(text), intent.from);
      return insertItem(without, layersNode(without), intent.to, moved);
    }
    case 'editField':
      return setValue(text, intent.path, intent.value);
    case 'editInput':
      return setValue(text, ['input', 'shape'], intent.shape);
    default:
      return assertNever(intent, 'edit intent');
  }
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

function insertLayerText(text: string, index: number, itemText: string): string {
  const root = parseStrict(text);
  const layers = findNodeAtLocation(root, ['layers']);
  if (!layers) {
    if (index !== 0) throw new JsonEditError('the model has no layers');
    const withLayers = setValue(text, ['layers'], []);
    return insertItem(withLayers, layersNode(withLayers), 0, itemText);
  }
  if (layers.type !== 'array') throw new JsonEditError('"layers" is not an array');
  return insertItem(text, layers, index, itemText);
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
