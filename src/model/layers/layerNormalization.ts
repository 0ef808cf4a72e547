import type { LayerBase } from './base';
import { orDefault } from './convolution';
import { inputGradient, lastAxisRegion, ownBuffers, sizeOf, type LayerDef, type ParamDef } from './def';
import { common, type LayerSpec } from './fields';

export interface LayerNormalizationLayer extends LayerBase {
  readonly type: 'layerNormalization';
  readonly epsilon?: number;
  readonly center?: boolean;
  readonly scale?: boolean;
}

const spec: LayerSpec = {
  doc:
    'Layer normalisation over the last axis (channels) of each position: (x − mean) / √(variance + ε) · gamma + beta, ' +
    'the same in training and inference (ConvNeXt; PyTorch nn.LayerNorm over the channels).',
  keras: 'LayerNormalization',
  fields: {
    ...common,
    epsilon: { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.001, doc: "Added to the variance to avoid division by zero (Keras' default; PyTorch's is 1e-5)." },
    center: { kind: 'bool', default: true, doc: 'Add a learned offset (beta) per channel.' },
    scale: { kind: 'bool', default: true, doc: 'Multiply by a learned scale (gamma) per channel.' },
  },
  required: [],
  template: { type: 'layerNormalization' },
};

export function layerNormFields(layer: LayerNormalizationLayer): { readonly epsilon: number; readonly center: boolean; readonly scale: boolean } {
  return { epsilon: orDefault(spec, layer.epsilon, 'epsilon'), center: orDefault(spec, layer.center, 'center'), scale: orDefault(spec, layer.scale, 'scale') };
}

const channels = (shape: readonly number[] | undefined): number => shape?.[shape.length - 1] ?? 0;

export const layerNormalization: LayerDef<LayerNormalizationLayer> = {
  spec,
  kind: 'normalization',
  // Per element: subtract the mean, square, scale, shift (as batchNorm counts one).
  shape: (_layer, [input]) => ({ output: input!, macs: sizeOf(input) }),
  params(f) {
    const c = [channels(f.inputShape)];
    const remedy = `reduce the channels before ${f.name}`;
    const { center, scale } = layerNormFields(f.layer);
    // Keras' order: gamma, then beta.
    const list: ParamDef[] = [];
    if (scale) list.push({ name: 'gamma', shape: c, trainable: true, init: 'ones', remedy });
    if (center) list.push({ name: 'beta', shape: c, trainable: true, init: 'zeros', remedy });
    return list;
  },
  buffers(f, n) {
    const positions = n * (sizeOf(f.inputShape) / Math.max(1, channels(f.inputShape)));
    // float64: mean and 1/√(var + ε) per position, from forward to backward; backward's Σdy·x̂ and Σdy per channel.
    const stats = { key: 'stats', floats: 4 * positions, life: 'kept' } as const;
    const sums = { key: 'sums', floats: 4 * channels(f.inputShape), life: 'backward' } as const;
    return ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, stats, sums, inputGradient(f, n)], true);
  },
  inputRegion: lastAxisRegion,
};
