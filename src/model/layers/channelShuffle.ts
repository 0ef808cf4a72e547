import type { LayerBase } from './base';
import { inputGradient, needsSpatial, ownBuffers, sameRegion, type LayerDef } from './def';
import { common, MAX_DIM, type LayerSpec } from './fields';

export interface ChannelShuffleLayer extends LayerBase {
  readonly type: 'channelShuffle';
  readonly groups: number;
}

const spec: LayerSpec = {
  doc:
    'ShuffleNet\'s channel shuffle: the channels, seen as `groups` rows of c / groups, are transposed, so output channel ' +
    'i · groups + k is input channel k · (c / groups) + i (PyTorch\'s nn.ChannelShuffle; a Reshape, Transpose, Reshape in ONNX).',
  keras: 'Lambda(channel_shuffle)',
  fields: {
    ...common,
    groups: { kind: 'int', min: 1, max: MAX_DIM, doc: 'How many groups the channels are split into; it must divide the channels.' },
  },
  required: ['groups'],
  template: { type: 'channelShuffle', groups: 2 },
};

/** The input channel that output channel `j` copies, for `channels` split into `groups`. */
export function shuffledChannel(j: number, channels: number, groups: number): number {
  return (j % groups) * (channels / groups) + Math.floor(j / groups);
}

export const channelShuffle: LayerDef<ChannelShuffleLayer> = {
  spec,
  kind: 'reshape',
  shape(layer, [input], errors) {
    const spatial = needsSpatial(layer.type, input!, errors);
    if (!spatial) return undefined;
    if (spatial[2] % layer.groups !== 0) {
      errors.push({ code: 'bad-input', field: 'groups', message: `groups ${layer.groups} does not divide the input's ${spatial[2]} channels` });
      return undefined;
    }
    return { output: spatial };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion: sameRegion,
};
