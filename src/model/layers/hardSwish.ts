import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface HardSwishLayer extends LayerBase {
  readonly type: 'hardSwish';
}

export const hardSwish = activationLayer<HardSwishLayer>('hardSwish', 'x · relu6(x + 3) / 6, as in MobileNetV3: swish without the exponential.', 'Activation(hard_swish)');
