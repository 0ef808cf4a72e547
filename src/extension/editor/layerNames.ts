// Layer names as the edits see them, straight from the JSON tree (a gesture must work on a model that does
// not validate yet). Weights are stored as `<layer name>.<param>` and an unnamed layer is `<type>_<index>`,
// so a gesture that moves layers first writes down ("pins") the current default name of every unnamed
// layer with parameters whose index changes: its weights keep their name (docs/weights.md).
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import { LAYER_DEFS } from '../../model/layers';
import { LAYER_TYPES } from '../../model/spec';
import { MODEL_INPUT, defaultLayerName } from '../../model/types';
import { JsonEditError, applySplices, memberInsertion, parseStrict } from './jsonText';

/** Layer types that own weight tensors: those whose definition declares parameters (the tests check them against
 *  the shape function's parameter counts). */
export const PARAM_TYPES: ReadonlySet<string> = new Set(LAYER_TYPES.filter((type) => LAYER_DEFS[type].params !== undefined));

/** "name" and "inputs" are written right after these keys, so a layer reads type, name, inputs, settings. */
export const NAME_AFTER = ['type'] as const;
export const INPUTS_AFTER = ['type', 'name'] as const;

export interface RawLayer {
  readonly node: Node;
  readonly type?: string;
  /** The explicit `name`, when it is a string. */
  readonly name?: string;
  /** The layer has a `name` field (a non-string one makes it invalid: nothing to pin, nothing to write). */
  readonly hasName: boolean;
  /** The `inputs` array node, when the layer has one. */
  readonly inputsNode?: Node;
  /** The `inputs` elements as written (a non-string element as undefined); undefined without `inputs`. */
  readonly inputs?: readonly (string | undefined)[];
}

export interface LayerList {
  readonly root: Node;
  readonly array: Node;
  readonly items: readonly RawLayer[];
}

export function readLayers(text: string): LayerList {
  const root = parseStrict(text);
  const array = findNodeAtLocation(root, ['layers']);
  if (!array || array.type !== 'array') throw new JsonEditError('"layers" is not an array');
  return { root, array, items: (array.children ?? []).map(rawLayer) };
}

function rawLayer(node: Node): RawLayer {
  if (node.type !== 'object') return { node, hasName: false };
  const value = (key: string): Node | undefined => findNodeAtLocation(node, [key]);
  const type = value('type');
  const name = value('name');
  const inputs = value('inputs');
  return {
    node,
    hasName: name !== undefined,
    ...(type?.type === 'string' ? { type: type.value as string } : {}),
    ...(name?.type === 'string' ? { name: name.value as string } : {}),
    ...(inputs ? { inputsNode: inputs } : {}),
    ...(inputs?.type === 'array' ? { inputs: (inputs.children ?? []).map((c) => (c.type === 'string' ? (c.value as string) : undefined)) } : {}),
  };
}

/** The name the shape function gives a layer at `index`: its `name`, else defaultLayerName (`<type>_<index>`). */
export function effectiveName(layer: RawLayer, index: number): string {
  return layer.name ?? defaultName(layer, index);
}

/** defaultLayerName, with the shape function's 'layer' for a type that is not a string. */
export function defaultName(layer: RawLayer, index: number): string {
  return defaultLayerName(layer.type ?? 'layer', index);
}

export function hasParams(layer: RawLayer): boolean {
  return layer.type !== undefined && PARAM_TYPES.has(layer.type);
}

/**
 * Pins the default names of the unnamed layers with parameters whose index `moved` changes
 * (`moved(i)` is the index after the gesture, undefined for a deleted layer).
 */
export function shiftPins(items: readonly RawLayer[], moved: (index: number) => number | undefined): Map<number, string> {
  const pins = new Map<number, string>();
  items.forEach((l, i) => {
    const to = moved(i);
    if (to !== undefined && to !== i && !l.hasName && hasParams(l)) pins.set(i, defaultName(l, i));
  });
  return pins;
}

/** Writes `"name": …` into each layer of `pins` (index → name) that has no name yet, in one parse. */
export function writeNames(text: string, pins: ReadonlyMap<number, string>): string {
  if (pins.size === 0) return text;
  const { items } = readLayers(text);
  const splices = [...pins].flatMap(([i, name]) => {
    const l = items[i];
    if (!l || l.node.type !== 'object') throw new JsonEditError(`layer ${i} is not an object`);
    return l.hasName ? [] : [memberInsertion(text, l.node, 'name', name, NAME_AFTER)];
  });
  return applySplices(text, splices);
}

/**
 * The name a reference to layer `index` uses (−1: the model input), adding a pin to `pins` when the layer
 * has none yet: a referenced layer needs an explicit name.
 */
export function referenceName(items: readonly RawLayer[], index: number, pins: Map<number, string>): string {
  if (index === -1) return MODEL_INPUT;
  const l = items[index];
  if (!l) throw new JsonEditError(`no layer ${index}`);
  if (l.name !== undefined) return l.name;
  if (l.hasName) throw new JsonEditError(`layer ${index}'s "name" is not a string: fix it to reference the layer`);
  const name = pins.get(index) ?? defaultName(l, index);
  pins.set(index, name);
  return name;
}

/**
 * The names in use after a gesture, plus those that may have weights now: the first must not clash (the
 * shape function refuses duplicates), the second would hand old weights to a new layer.
 */
export function takenNames(items: readonly RawLayer[], pins: ReadonlyMap<number, string>, moved: (index: number) => number | undefined): Set<string> {
  const taken = new Set<string>([MODEL_INPUT]);
  items.forEach((l, i) => {
    if (hasParams(l)) taken.add(effectiveName(l, i));
    const to = moved(i);
    if (to !== undefined) taken.add(l.name ?? pins.get(i) ?? defaultName(l, to));
  });
  return taken;
}

/** The default name `<type>_<index>` when free, else the next free default name `<type>_<n>` above it. */
export function freeName(type: string, index: number, taken: ReadonlySet<string>): string {
  let n = index;
  while (taken.has(defaultLayerName(type, n))) n++;
  return defaultLayerName(type, n);
}
