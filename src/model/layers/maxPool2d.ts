import { inputGradient, ownBuffers, windowRegion, type LayerDef } from './def';
import { poolFields, type LayerSpec } from './fields';
import { poolShape, type PoolFields } from './pooling';

export interface MaxPool2dLayer extends PoolFields {
  readonly type: 'maxPool2d';
}

const spec: LayerSpec = {
  doc: 'Max pooling over windows of `poolSize`.',
  keras: 'MaxPooling2D',
  fields: poolFields,
  required: [],
  template: { type: 'maxPool2d', poolSize: 2 },
};

export const maxPool2d: LayerDef<MaxPool2dLayer> = {
  spec,
  kind: 'pooling',
  shape: (layer, [input], errors) => poolShape(spec, layer.type, layer, input!, errors),
  // The winners' positions, for backward.
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, { key: 'argmax', floats: n * f.outputElements, life: 'kept' }, inputGradient(f, n)], false),
  inputRegion: windowRegion,
};
