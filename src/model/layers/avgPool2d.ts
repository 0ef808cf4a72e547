import { inputGradient, ownBuffers, windowRegion, type LayerDef } from './def';
import { orDefault } from './convolution';
import { ceilMode, poolFields, type LayerSpec } from './fields';
import { poolShape, type PoolFields } from './pooling';

export interface AvgPool2dLayer extends PoolFields {
  readonly type: 'avgPool2d';
  /** PyTorch's count_include_pad. */
  readonly countIncludePad?: boolean;
}

const spec: LayerSpec = {
  doc: 'Average pooling over windows of `poolSize` (padding is not counted in the average unless `countIncludePad`).',
  keras: 'AveragePooling2D',
  fields: {
    ...poolFields,
    ceilMode,
    countIncludePad: {
      kind: 'bool',
      default: false,
      doc: 'PyTorch\'s count_include_pad (PyTorch\'s default is true, Keras\' false): divide by the window\'s cells in the padded input, padding included, '
        + 'instead of by its cells in the input alone. Cells past the padding that ceilMode adds never count.',
    },
  },
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

/** Whether the average divides by the window's cells in the padded input (true) or in the input alone. */
export function countsPadding(layer: AvgPool2dLayer): boolean {
  return orDefault(spec, layer.countIncludePad, 'countIncludePad');
}
