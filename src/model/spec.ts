// Every layer's fields (kinds, limits, defaults and docs), read from the layer registry (layers/): validation,
// the JSON Schema, `docs/model-format.md`, completion and the designer's forms are all derived from it.
import { LAYER_DEFS, type LayerType } from './layers';
import { specDefault, type LayerSpec } from './layers/fields';

export { ACTIVATIONS, fusedActivationAlpha, HARD_SIGMOID_ALPHA, LEAKY_RELU_ALPHA, MAX_DIM, MAX_UNITS, PADDINGS } from './layers/fields';
export type { FieldSpec, LayerSpec, ObjectSpec } from './layers/fields';

/** Every layer type's spec, from the registry. */
export const LAYER_SPECS: Readonly<Record<LayerType, LayerSpec>> = Object.fromEntries(
  Object.entries(LAYER_DEFS).map(([type, def]) => [type, def.spec]),
) as Record<LayerType, LayerSpec>;

export const LAYER_TYPES = Object.keys(LAYER_SPECS) as LayerType[];

export function isLayerType(value: string): value is LayerType {
  return Object.prototype.hasOwnProperty.call(LAYER_SPECS, value);
}

/** The default of a layer field, or undefined when it has none (required fields, `strides` of pools). */
export function fieldDefault(type: LayerType, field: string): unknown {
  return specDefault(LAYER_SPECS[type], field);
}

/** The field's value, or its default from the spec table. */
export function field<V>(type: LayerType, value: V | undefined, name: string): V {
  return value !== undefined ? value : (fieldDefault(type, name) as V);
}
