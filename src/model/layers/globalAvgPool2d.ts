import type { LayerBase } from './base';
import { inputGradient, needsSpatial, ownBuffers, wholeInputRegion, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface GlobalAvgPool2dLayer extends LayerBase {
  readonly type: 'globalAvgPool2d';
}

const spec: LayerSpec = {
  doc: 'Average of each channel over height and width: [h, w, c] → [c].',
  keras: 'GlobalAveragePooling2D',
  fields: { ...common },
  required: [],
  template: { type: 'globalAvgPool2d' },
};

export const globalAvgPool2d: LayerDef<GlobalAvgPool2dLayer> = {
  spec,
  kind: 'globalPooling',
  shape(layer, [input], errors) {
    const spatial = needsSpatial(layer.type, input!, errors);
    return spatial && { output: [spatial[2]] };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion: wholeInputRegion,
};
