import type { LayerBase } from './base';
import { inputGradient, ownBuffers, PASS_THROUGH, sameRegion, sizeOf, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface DropoutLayer extends LayerBase {
  readonly type: 'dropout';
  readonly rate: number;
}

const spec: LayerSpec = {
  doc: 'Randomly zeroes a fraction `rate` of the inputs during training (scaled to keep the mean); identity at inference.',
  keras: 'Dropout',
  fields: {
    ...common,
    rate: { kind: 'number', min: 0, max: 1, exclusiveMax: true, doc: 'Fraction of inputs to drop, in [0, 1).' },
  },
  required: ['rate'],
  template: { type: 'dropout', rate: 0.25 },
};

export const dropout: LayerDef<DropoutLayer> = {
  spec,
  kind: 'regularization',
  shape: (_layer, [input]) => ({ output: input! }),
  buffers(f, n) {
    if (f.layer.rate <= 0) return PASS_THROUGH;
    const mask = { key: 'mask', floats: n * sizeOf(f.inputShape), life: 'step' } as const;
    return { ...ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, mask, inputGradient(f, n)], false), inferencePassThrough: true };
  },
  inputRegion: sameRegion,
};
