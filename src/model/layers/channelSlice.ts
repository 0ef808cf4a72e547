import { formatDims, type LayerBase } from './base';
import { inputGradient, ownBuffers, type LayerDef } from './def';
import { common, MAX_DIM, type LayerSpec } from './fields';

export interface ChannelSliceLayer extends LayerBase {
  readonly type: 'channelSlice';
  readonly start: number;
  readonly end: number;
}

const spec: LayerSpec = {
  doc:
    "Channels [start, end) of the input (last axis), as Python's x[..., start:end]: one half of PyTorch's x.chunk(2, dim=1) " +
    '(ShuffleNetV2), ONNX Split and Slice on the channels. Keras has no such layer: the Keras export writes Lambda(lambda t: t[..., start:end]).',
  keras: 'Lambda',
  fields: {
    ...common,
    start: { kind: 'int', min: 0, max: MAX_DIM, doc: 'First channel taken (0-based).' },
    end: { kind: 'int', min: 1, max: MAX_DIM, doc: 'One past the last channel taken; at most the input channels.' },
  },
  required: ['start', 'end'],
  template: { type: 'channelSlice', start: 0, end: 1 },
};

export const channelSlice: LayerDef<ChannelSliceLayer> = {
  spec,
  kind: 'reshape',
  shape(layer, [input], errors) {
    const c = input![input!.length - 1]!;
    if (layer.end <= layer.start) {
      errors.push({ code: 'bad-input', field: 'end', message: `channelSlice end ${layer.end} must be greater than start ${layer.start}` });
      return undefined;
    }
    if (layer.end > c) {
      errors.push({ code: 'bad-input', field: 'end', message: `channelSlice end ${layer.end} is beyond the input's ${c} channels (${formatDims(input!)})` });
      return undefined;
    }
    return { output: [...input!.slice(0, -1), layer.end - layer.start] };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion(f, _k, out) {
    return out.kind === 'spatial' ? out : { kind: 'flat', f0: out.f0 + f.layer.start, f1: out.f1 + f.layer.start };
  },
};
