// The graph gestures as text transformations: connect and disconnect an input, set a layer's inputs, and
// wrap a range of layers in a residual connection. Each names what it references (a referenced layer
// needs an explicit name) and leaves "inputs" out whenever the layer reads just the previous layer, so a
// chain stays a chain. Pure; edits.ts turns the result into one minimal edit.
import { MODEL_INPUT, defaultLayerName, implicitInput } from '../../model/types';
import { JsonEditError, applySplice, compact, insertItem, memberInsertion, removeItem, setValue } from './jsonText';
import { INPUTS_AFTER, effectiveName, freeName, readLayers, referenceName, shiftPins, takenNames, writeNames, type RawLayer } from './layerNames';

/** Adds the output of layer `from` (−1: the model input) to the inputs of layer `index`. */
export function connectInput(text: string, index: number, from: number): string {
  const { items } = readLayers(text);
  const layer = layerAt(items, index);
  const pins = new Map<number, string>();
  const source = referenceName(items, checkSource(index, from), pins);
  if (layer.inputs) {
    if (layer.inputs.includes(source)) return text;
    return withInputs(writeNames(text, pins), index, (t, l) => insertItem(t, l.inputsNode!, l.inputs!.length, JSON.stringify(source)));
  }
  if (layer.inputsNode) throw new JsonEditError(`"inputs" of layer ${index} is not an array`);
  // The implicit previous layer becomes explicit, with the new one after it.
  const previous = referenceName(items, implicitInput(index), pins);
  if (previous === source) return text;
  return withInputs(writeNames(text, pins), index, (t, l) => applySplice(t, memberInsertion(t, l.node, 'inputs', [previous, source], INPUTS_AFTER)));
}

/** Removes element `element` of layer `index`'s `inputs`; what is left of just the previous layer drops `inputs` altogether. */
export function disconnectInput(text: string, index: number, element: number): string {
  const { items } = readLayers(text);
  const layer = layerAt(items, index);
  if (!layer.inputs) throw new JsonEditError(`layer ${index} reads the previous layer: it has no input to disconnect`);
  if (element < 0 || element >= layer.inputs.length) throw new JsonEditError(`layer ${index} has no input ${element}`);
  const rest = layer.inputs.filter((_, i) => i !== element);
  if (readsPrevious(items, index, rest)) return setValue(text, ['layers', index, 'inputs'], undefined);
  return removeItem(text, layer.inputsNode!, element);
}

/** Sets the inputs of layer `index` to the outputs of `from` (−1: the model input), in that order. */
export function setInputs(text: string, index: number, from: readonly number[]): string {
  const { items } = readLayers(text);
  const layer = layerAt(items, index);
  if (new Set(from).size !== from.length) throw new JsonEditError('an input is listed twice');
  const names = from.map((f) => (checkSource(index, f) === -1 ? MODEL_INPUT : effectiveName(items[f]!, f)));
  if (readsPrevious(items, index, names)) return layer.inputsNode ? setValue(text, ['layers', index, 'inputs'], undefined) : text;
  if (layer.inputs && layer.inputs.length === names.length && layer.inputs.every((n, i) => n === names[i])) return text;
  const pins = new Map<number, string>();
  for (const f of from) referenceName(items, f, pins);
  const named = writeNames(text, pins);
  if (layer.inputsNode) return setValue(named, ['layers', index, 'inputs'], names);
  return withInputs(named, index, (t, l) => applySplice(t, memberInsertion(t, l.node, 'inputs', names, INPUTS_AFTER)));
}

/**
 * "Add a residual connection around layers first…last": inserts after `last` an `add` of the output of
 * `last` and the input of `first`, naming both if they have no name, and pinning the names of the
 * layers it shifts.
 */
export function addResidual(text: string, first: number, last: number): string {
  const { items } = readLayers(text);
  if (first < 0 || last < first || last >= items.length) throw new JsonEditError(`no layers ${first}…${last}`);
  const firstLayer = layerAt(items, first);
  const moved = (i: number): number => (i > last ? i + 1 : i);
  const pins = shiftPins(items, moved);
  const output = referenceName(items, last, pins);
  // The block's input: the first input `first` names, else the one it reads implicitly (the layer before it).
  const named = firstLayer.inputs?.[0];
  const input = named !== undefined ? named : referenceName(items, implicitInput(first), pins);
  const at = last + 1;
  const addName = defaultLayerName('add', at);
  const taken = takenNames(items, pins, moved);
  const add = taken.has(addName) ? { type: 'add', name: freeName('add', at, taken), inputs: [output, input] } : { type: 'add', inputs: [output, input] };
  const withNames = writeNames(text, pins);
  const { array } = readLayers(withNames);
  return insertItem(withNames, array, at, compact(add));
}

/** A layer reads exactly the previous layer (or the model input, for the first): `inputs` can go. */
function readsPrevious(items: readonly RawLayer[], index: number, names: readonly (string | undefined)[]): boolean {
  if (names.length === 0) return true;
  const previous = implicitInput(index);
  return names.length === 1 && names[0] === (previous < 0 ? MODEL_INPUT : effectiveName(items[previous]!, previous));
}

function checkSource(index: number, from: number): number {
  if (!Number.isInteger(from) || from < -1 || from >= index) throw new JsonEditError(`layer ${index} can only read an earlier layer or the model input`);
  return from;
}

function layerAt(items: readonly RawLayer[], index: number): RawLayer {
  const l = items[index];
  if (!l) throw new JsonEditError(`no layer ${index}`);
  if (l.node.type !== 'object') throw new JsonEditError(`layer ${index} is not an object`);
  return l;
}

/** Re-reads layer `index` of `text` (after the names were written) and applies `edit` to it. */
function withInputs(text: string, index: number, edit: (text: string, layer: RawLayer) => string): string {
  const { items } = readLayers(text);
  return edit(text, layerAt(items, index));
}
