import type { LayerBase } from './base';
import { orDefault } from './convolution';
import { inputGradient, ownBuffers, sameRegion, sizeOf, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface RescalingLayer extends LayerBase {
  readonly type: 'rescaling';
  readonly scale: number;
  readonly offset?: number;
}

/** Bounds of the preprocessing constants: wide enough for 0–255 pixels, small enough to stay finite in float32. */
export const PREPROCESSING_LIMIT = 1e12;

const spec: LayerSpec = {
  doc:
    'Preprocessing in the model: y = x · scale + offset on every value, without parameters (Keras\' Rescaling). ' +
    'Lets the model carry its input convention: scale 2, offset −1 maps the 0–1 pixels to −1–1; scale 1/255 maps 0–255 to 0–1.',
  keras: 'Rescaling',
  fields: {
    ...common,
    scale: { kind: 'number', min: -PREPROCESSING_LIMIT, max: PREPROCESSING_LIMIT, doc: 'Multiplies every value.' },
    offset: { kind: 'number', min: -PREPROCESSING_LIMIT, max: PREPROCESSING_LIMIT, default: 0, doc: 'Added after the scale.' },
  },
  required: ['scale'],
  template: { type: 'rescaling', scale: 2, offset: -1 },
};

export function rescalingFields(layer: RescalingLayer): { readonly scale: number; readonly offset: number } {
  return { scale: layer.scale, offset: orDefault(spec, layer.offset, 'offset') };
}

export const rescaling: LayerDef<RescalingLayer> = {
  spec,
  kind: 'normalization',
  shape: (_layer, [input]) => ({ output: input!, macs: sizeOf(input) }),
  // Backward scales dy: it reads neither the input nor the output.
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion: sameRegion,
};
