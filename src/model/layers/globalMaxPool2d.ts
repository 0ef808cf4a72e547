import type { LayerBase } from './base';
import { inputGradient, needsSpatial, ownBuffers, wholeInputRegion, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface GlobalMaxPool2dLayer extends LayerBase {
  readonly type: 'globalMaxPool2d';
}

const spec: LayerSpec = {
  doc: 'Maximum of each channel over height and width: [h, w, c] → [c].',
  keras: 'GlobalMaxPooling2D',
  fields: { ...common },
  required: [],
  template: { type: 'globalMaxPool2d' },
};

export const globalMaxPool2d: LayerDef<GlobalMaxPool2dLayer> = {
  spec,
  kind: 'globalPooling',
  shape(layer, [input], errors) {
    const spatial = needsSpatial(layer.type, input!, errors);
    return spatial && { output: [spatial[2]] };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, { key: 'argmax', floats: n * f.outputElements, life: 'kept' }, inputGradient(f, n)], false),
  inputRegion: wholeInputRegion,
};
