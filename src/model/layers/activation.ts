// What the activation layers share: the output has the input's shape, and backward reads the input (or, for
// sigmoid, tanh and softmax, the output).
import type { ActivationName } from './base';
import { backwardReadsOutput, inputGradient, lastAxisRegion, ownBuffers, sameRegion, type LayerDef } from './def';
import { common, type FieldSpec, type LayerSpec } from './fields';

export function activationLayer<L extends { readonly type: Exclude<ActivationName, 'linear'> }>(
  type: L['type'],
  doc: string,
  keras: string,
  fields: Readonly<Record<string, FieldSpec>> = {},
): LayerDef<L> {
  const spec: LayerSpec = { doc, keras, fields: { ...common, ...fields }, required: [], template: { type } };
  return {
    spec,
    kind: 'activation',
    shape: (_layer, [input]) => ({ output: input! }),
    activation: () => type,
    buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], true, backwardReadsOutput(type)),
    // Softmax reads the whole last axis.
    inputRegion: type === 'softmax' ? lastAxisRegion : sameRegion,
  };
}
