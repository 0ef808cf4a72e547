import type { LayerBase } from './base';
import { inputGradient, ownBuffers, sameRegion, sizeOf, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface BatchNormLayer extends LayerBase {
  readonly type: 'batchNorm';
  readonly momentum?: number;
  readonly epsilon?: number;
}

const spec: LayerSpec = {
  doc: 'Batch normalisation over the last axis (channels): batch statistics in training, running statistics at inference.',
  keras: 'BatchNormalization',
  fields: {
    ...common,
    momentum: { kind: 'number', min: 0, max: 1, default: 0.99, doc: 'Momentum of the running mean and variance.' },
    epsilon: { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.001, doc: 'Added to the variance to avoid division by zero.' },
  },
  required: [],
  template: { type: 'batchNorm' },
};

const channels = (shape: readonly number[] | undefined): number => shape?.[shape.length - 1] ?? 0;

export const batchNorm: LayerDef<BatchNormLayer> = {
  spec,
  kind: 'normalization',
  shape: (_layer, [input]) => ({ output: input!, macs: sizeOf(input) }),
  params(f) {
    const c = [channels(f.inputShape)];
    const remedy = `reduce the channels before ${f.name}`;
    return [
      { name: 'gamma', shape: c, trainable: true, init: 'ones', remedy },
      { name: 'beta', shape: c, trainable: true, init: 'zeros', remedy },
      { name: 'movingMean', shape: c, trainable: false, init: 'zeros', remedy },
      { name: 'movingVariance', shape: c, trainable: false, init: 'ones', remedy },
    ];
  },
  buffers(f, n) {
    const c = channels(f.inputShape);
    // float64 per channel: mean and 1/√(var + ε) from forward; Σdy and Σdy·x̂ in backward.
    return ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, { key: 'stats', floats: 4 * c, life: 'kept' }, { key: 'sums', floats: 4 * c, life: 'backward' }, inputGradient(f, n)], true);
  },
  inputRegion: sameRegion,
};
