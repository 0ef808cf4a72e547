import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface SigmoidLayer extends LayerBase {
  readonly type: 'sigmoid';
}

export const sigmoid = activationLayer<SigmoidLayer>('sigmoid', '1 / (1 + e^-x).', 'Activation("sigmoid")');
