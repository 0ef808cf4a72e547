import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface SoftmaxLayer extends LayerBase {
  readonly type: 'softmax';
}

export const softmax = activationLayer<SoftmaxLayer>('softmax', 'Softmax over the last axis.', 'Softmax');
