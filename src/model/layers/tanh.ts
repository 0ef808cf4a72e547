import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface TanhLayer extends LayerBase {
  readonly type: 'tanh';
}

export const tanh = activationLayer<TanhLayer>('tanh', 'Hyperbolic tangent.', 'Activation("tanh")');
