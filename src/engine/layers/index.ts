// The one place that maps a layer type to its engine implementation.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import { ActivationLayer } from '../activations';
import type { EngineLayer } from '../layer';
import type { Rng } from '../rng';
import { AvgPool2d } from './avgPool2d';
import { BatchNorm } from './batchNorm';
import { Conv2d } from './conv2d';
import { Dense } from './dense';
import { DepthwiseConv2d } from './depthwiseConv2d';
import { Dropout } from './dropout';
import { Flatten } from './flatten';
import { GlobalAvgPool2d } from './globalAvgPool2d';
import { GlobalMaxPool2d } from './globalMaxPool2d';
import { MaxPool2d } from './maxPool2d';

/** `rng` initialises the layer's weights (and drives dropout masks); give each layer its own fork. */
export function createLayer(info: LayerInfo, rng: Rng): EngineLayer {
  switch (info.type) {
    case 'conv2d': return new Conv2d(info, rng);
    case 'depthwiseConv2d': return new DepthwiseConv2d(info, rng);
    case 'dense': return new Dense(info, rng);
    case 'maxPool2d': return new MaxPool2d(info);
    case 'avgPool2d': return new AvgPool2d(info);
    case 'globalAvgPool2d': return new GlobalAvgPool2d(info);
    case 'globalMaxPool2d': return new GlobalMaxPool2d(info);
    case 'flatten': return new Flatten(info);
    case 'dropout': return new Dropout(info, rng);
    case 'batchNorm': return new BatchNorm(info);
    case 'relu':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
      return new ActivationLayer(info);
    default:
      return assertNever(info.type, 'layer type');
  }
}
