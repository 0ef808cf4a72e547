// What the exporters read from the layer registry (model/layers/) instead of restating it: each layer's
// parameters (names, shapes, order, kernel layout) and the activation it applies to its own result. Each exporter
// keeps its own table keyed by layer type (`{ readonly [T in LayerType]: … }`), so a new type is a compile error
// in every exporter until it has its entry.
import type { LayerInfo } from '../model/analysis';
import { defOf, paramDefs, type Layer } from '../model/layers';
import type { ParamDef } from '../model/layers/def';
import type { ActivationName } from '../model/types';

export type { ParamDef };

/** The layer's parameters, in the registry's order (the engine's, the weights file's, Keras' set_weights'). */
export function layerParams(info: LayerInfo): readonly ParamDef[] {
  return paramDefs(info);
}

/** The activation a layer applies to its own result (its `activation` field, default applied): linear for the
 *  activation layers, which are that activation rather than apply one. */
export function fusedActivation(layer: Layer): ActivationName {
  const def = defOf(layer);
  return def.kind === 'activation' ? 'linear' : (def.activation?.(layer) ?? 'linear');
}
