import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface Relu6Layer extends LayerBase {
  readonly type: 'relu6';
}

export const relu6 = activationLayer<Relu6Layer>('relu6', 'min(max(x, 0), 6), as in MobileNet.', 'ReLU(max_value=6)');
