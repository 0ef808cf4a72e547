import { activationLayer } from './activation';
import type { LayerBase } from './base';
import { HARD_SIGMOID_ALPHA } from './fields';

export interface HardSigmoidLayer extends LayerBase {
  readonly type: 'hardSigmoid';
  readonly alpha?: number;
}

export const hardSigmoid = activationLayer<HardSigmoidLayer>(
  'hardSigmoid',
  'max(0, min(1, alpha·x + 0.5)), as PyTorch\'s Hardsigmoid and ONNX\'s HardSigmoid (the gate of MobileNetV3\'s squeeze-and-excitation). ' +
    'The default alpha 1/6 is PyTorch\'s and Keras 3\'s hard_sigmoid (relu6(x + 3) / 6); Keras 2\'s hard_sigmoid and ONNX\'s default are alpha 0.2. ' +
    'The offset is 0.5 in all of them.',
  'Activation(hard_sigmoid)',
  { alpha: { kind: 'number', min: 0, max: 1e6, exclusiveMin: true, default: HARD_SIGMOID_ALPHA, doc: 'Slope: 1/6 (PyTorch, Keras 3) or 0.2 (ONNX\'s default, Keras 2).' } },
);
