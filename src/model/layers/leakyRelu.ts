import { activationLayer } from './activation';
import type { LayerBase } from './base';
import { LEAKY_RELU_ALPHA } from './fields';

export interface LeakyReluLayer extends LayerBase {
  readonly type: 'leakyRelu';
  readonly alpha?: number;
}

export const leakyRelu = activationLayer<LeakyReluLayer>('leakyRelu', 'x for x > 0, alpha·x otherwise.', 'LeakyReLU', {
  alpha: { kind: 'number', min: 0, max: 1, default: LEAKY_RELU_ALPHA, doc: 'Slope for negative inputs.' },
});
