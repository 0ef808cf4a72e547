// The transfer-learning gestures as text transformations: "Freeze up to here" and "Unfreeze all". Only the
// `trainable` members change: `"trainable": false` is written on layers with parameters (a relu or a flatten
// has nothing to freeze, and the file stays free of noise), and removed rather than set to true, since true is the
// default. Pure; edits.ts turns the result into one minimal edit.
import { findNodeAtLocation } from 'jsonc-parser';
import { JsonEditError, setValue } from './jsonText';
import { hasParams, readLayers, type RawLayer } from './layerNames';

/** Layers 0…index frozen (those with parameters), every later one trainable again: the boundary moves to `index`. */
export function freezeUpTo(text: string, index: number): string {
  const { items } = readLayers(text);
  if (!items[index]) throw new JsonEditError(`no layer ${index}`);
  let out = text;
  items.forEach((item, i) => {
    if (i <= index && hasParams(item) && !isFrozen(item)) out = setValue(out, ['layers', i, 'trainable'], false);
    else if (i > index && isFrozen(item)) out = setValue(out, ['layers', i, 'trainable'], undefined);
  });
  return out;
}

/** Removes every `"trainable": false`. */
export function unfreezeAll(text: string): string {
  const { items } = readLayers(text);
  let out = text;
  items.forEach((item, i) => {
    if (isFrozen(item)) out = setValue(out, ['layers', i, 'trainable'], undefined);
  });
  return out;
}

function isFrozen(item: RawLayer): boolean {
  if (item.node.type !== 'object') return false;
  const t = findNodeAtLocation(item.node, ['trainable']);
  return t?.type === 'boolean' && t.value === false;
}
