import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface ReluLayer extends LayerBase {
  readonly type: 'relu';
}

export const relu = activationLayer<ReluLayer>('relu', 'max(x, 0).', 'ReLU');
