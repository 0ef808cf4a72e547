import { inputGradient, ownBuffers, windowRegion, type LayerDef } from './def';
import { poolFields, type LayerSpec } from './fields';
import { poolShape, type PoolFields } from './pooling';

export interface AvgPool2dLayer extends PoolFields {
  readonly type: 'avgPool2d';
}

const spec: LayerSpec = {
  doc: 'Average pooling over windows of `poolSize` (padding is not counted in the average).',
  keras: 'AveragePooling2D',
  fields: poolFields,
  required: [],
  template: { type: 'avgPool2d', poolSize: 2 },
};

export const avgPool2d: LayerDef<AvgPool2dLayer> = {
  spec,
  kind: 'pooling',
  shape: (layer, [input], errors) => poolShape(spec, layer.type, layer, input!, errors),
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion: windowRegion,
};
