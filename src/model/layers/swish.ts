import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface SwishLayer extends LayerBase {
  readonly type: 'swish';
}

export const swish = activationLayer<SwishLayer>('swish', 'x · sigmoid(x), also called SiLU.', 'Activation("swish")');
