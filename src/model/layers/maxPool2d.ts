import { inputGradient, ownBuffers, windowRegion, type LayerDef } from './def';
import type { IntOrPair } from './base';
import { orDefault } from './convolution';
import { ceilMode, dilationRate, poolFields, type LayerSpec } from './fields';
import { poolShape, type PoolFields } from './pooling';

export interface MaxPool2dLayer extends PoolFields {
  readonly type: 'maxPool2d';
  /** PyTorch's MaxPool2d dilation. */
  readonly dilationRate?: IntOrPair;
}

const spec: LayerSpec = {
  doc: 'Max pooling over windows of `poolSize`.',
  keras: 'MaxPooling2D',
  fields: { ...poolFields, ceilMode, dilationRate: { ...dilationRate, doc: 'Spacing between the window\'s taps (PyTorch\'s MaxPool2d dilation): one number or [h, w].' } },
  required: [],
  template: { type: 'maxPool2d', poolSize: 2 },
};

export const maxPool2d: LayerDef<MaxPool2dLayer> = {
  spec,
  kind: 'pooling',
  shape: (layer, [input], errors) => poolShape(spec, layer.type, layer, input!, errors, orDefault(spec, layer.dilationRate, 'dilationRate')),
  // The winners' positions, for backward.
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, { key: 'argmax', floats: n * f.outputElements, life: 'kept' }, inputGradient(f, n)], false),
  inputRegion: windowRegion,
};
