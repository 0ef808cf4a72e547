import { activationLayer } from './activation';
import type { LayerBase } from './base';

export interface GeluLayer extends LayerBase {
  readonly type: 'gelu';
}

export const gelu = activationLayer<GeluLayer>(
  'gelu',
  'x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), the exact GELU (PyTorch\'s nn.GELU(), Keras\' gelu with approximate=False; ConvNeXt, ViT).',
  'Activation("gelu")',
);
