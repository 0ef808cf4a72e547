import type { LayerBase } from './base';
import { inputGradient, needsSpatial, ownBuffers, wholeInputRegion, type LayerDef } from './def';
import { orDefault } from './convolution';
import { common, keepDims, type LayerSpec } from './fields';

export interface GlobalMaxPool2dLayer extends LayerBase {
  readonly type: 'globalMaxPool2d';
  readonly keepDims?: boolean;
}

const spec: LayerSpec = {
  doc: 'Maximum of each channel over height and width: [h, w, c] → [c], or [1, 1, c] with keepDims.',
  keras: 'GlobalMaxPooling2D',
  fields: { ...common, keepDims },
  required: [],
  template: { type: 'globalMaxPool2d' },
};

export const globalMaxPool2d: LayerDef<GlobalMaxPool2dLayer> = {
  spec,
  kind: 'globalPooling',
  shape(layer, [input], errors) {
    const spatial = needsSpatial(layer.type, input!, errors);
    return spatial && { output: orDefault(spec, layer.keepDims, 'keepDims') ? [1, 1, spatial[2]] : [spatial[2]] };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, { key: 'argmax', floats: n * f.outputElements, life: 'kept' }, inputGradient(f, n)], false),
  inputRegion: wholeInputRegion,
};
