// The one place that maps a layer type to its engine implementation.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import { ActivationLayer } from '../activations';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import type { EngineLayer } from '../layer';
import type { Rng } from '../rng';
import { Add } from './add';
import { AvgPool2d } from './avgPool2d';
import { BatchNorm } from './batchNorm';
import { Concatenate } from './concatenate';
import { Conv2d } from './conv2d';
import { Dense } from './dense';
import { DepthwiseConv2d } from './depthwiseConv2d';
import { Dropout } from './dropout';
import { Flatten } from './flatten';
import { GlobalAvgPool2d } from './globalAvgPool2d';
import { GlobalMaxPool2d } from './globalMaxPool2d';
import { MaxPool2d } from './maxPool2d';
import { SeparableConv2d } from './separableConv2d';
import { ZeroPadding2d } from './zeroPadding2d';

/** `rng` initialises the layer's weights (and drives dropout masks); give each layer its own fork. `arena` holds
 *  its params and buffers: a network's, or by default a new one of the current kernels' kind (a layer alone). */
export function createLayer(info: LayerInfo, rng: Rng, arena: Arena = getKernels().createArena()): EngineLayer {
  switch (info.type) {
    case 'conv2d': return new Conv2d(info, rng, arena);
    case 'depthwiseConv2d': return new DepthwiseConv2d(info, rng, arena);
    case 'separableConv2d': return new SeparableConv2d(info, rng, arena);
    case 'dense': return new Dense(info, rng, arena);
    case 'maxPool2d': return new MaxPool2d(info, arena);
    case 'avgPool2d': return new AvgPool2d(info, arena);
    case 'globalAvgPool2d': return new GlobalAvgPool2d(info, arena);
    case 'globalMaxPool2d': return new GlobalMaxPool2d(info, arena);
    case 'flatten': return new Flatten(info, arena);
    case 'dropout': return new Dropout(info, rng, arena);
    case 'batchNorm': return new BatchNorm(info, arena);
    case 'add': return new Add(info, arena);
    case 'concatenate': return new Concatenate(info, arena);
    case 'zeroPadding2D': return new ZeroPadding2d(info, arena);
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return new ActivationLayer(info, arena);
    default:
      return assertNever(info.type, 'layer type');
  }
}
