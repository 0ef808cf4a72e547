// The one place that maps a layer type to its engine implementation.
import type { LayerInfo } from '../../model/analysis';
import type { LayerType } from '../../model/types';
import { ActivationLayer } from '../activations';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import type { EngineLayer } from '../layer';
import type { Rng } from '../rng';
import { Add } from './add';
import { AvgPool2d } from './avgPool2d';
import { BatchNorm } from './batchNorm';
import { ChannelShuffle } from './channelShuffle';
import { ChannelSlice } from './channelSlice';
import { Concatenate } from './concatenate';
import { Conv2d } from './conv2d';
import { Dense } from './dense';
import { DepthwiseConv2d } from './depthwiseConv2d';
import { Dropout } from './dropout';
import { Flatten } from './flatten';
import { GlobalAvgPool2d } from './globalAvgPool2d';
import { GlobalMaxPool2d } from './globalMaxPool2d';
import { LayerNormalization } from './layerNormalization';
import { MaxPool2d } from './maxPool2d';
import { Multiply } from './multiply';
import { ChannelAffine } from './preprocessing';
import { SeparableConv2d } from './separableConv2d';
import { ZeroPadding2d } from './zeroPadding2d';

/** Builds a layer's engine implementation. `rng` initialises its weights (and drives dropout masks); `arena` holds
 *  its params and buffers. */
export type LayerFactory = (info: LayerInfo, rng: Rng, arena: Arena) => EngineLayer;

/** The activation layers share one implementation: the activation is the layer's type. */
const activation: LayerFactory = (info, _rng, arena) => new ActivationLayer(info, arena);

/** Every layer type's engine implementation: a new type in the registry (model/layers) is a compile error here
 *  until it has one. */
export const ENGINE_LAYERS: { readonly [T in LayerType]: LayerFactory } = {
  conv2d: (info, rng, arena) => new Conv2d(info, rng, arena),
  depthwiseConv2d: (info, rng, arena) => new DepthwiseConv2d(info, rng, arena),
  separableConv2d: (info, rng, arena) => new SeparableConv2d(info, rng, arena),
  add: (info, _rng, arena) => new Add(info, arena),
  concatenate: (info, _rng, arena) => new Concatenate(info, arena),
  multiply: (info, _rng, arena) => new Multiply(info, arena),
  channelSlice: (info, _rng, arena) => new ChannelSlice(info, arena),
  zeroPadding2D: (info, _rng, arena) => new ZeroPadding2d(info, arena),
  channelShuffle: (info, _rng, arena) => new ChannelShuffle(info, arena),
  maxPool2d: (info, _rng, arena) => new MaxPool2d(info, arena),
  avgPool2d: (info, _rng, arena) => new AvgPool2d(info, arena),
  globalAvgPool2d: (info, _rng, arena) => new GlobalAvgPool2d(info, arena),
  globalMaxPool2d: (info, _rng, arena) => new GlobalMaxPool2d(info, arena),
  flatten: (info, _rng, arena) => new Flatten(info, arena),
  dense: (info, rng, arena) => new Dense(info, rng, arena),
  dropout: (info, rng, arena) => new Dropout(info, rng, arena),
  batchNorm: (info, rng, arena) => new BatchNorm(info, rng, arena),
  layerNormalization: (info, rng, arena) => new LayerNormalization(info, rng, arena),
  rescaling: (info, _rng, arena) => new ChannelAffine(info, arena),
  normalization: (info, _rng, arena) => new ChannelAffine(info, arena),
  relu: activation,
  relu6: activation,
  leakyRelu: activation,
  sigmoid: activation,
  tanh: activation,
  swish: activation,
  hardSwish: activation,
  hardSigmoid: activation,
  gelu: activation,
  softmax: activation,
};

/** `rng` initialises the layer's weights (and drives dropout masks); give each layer its own fork. `arena` holds
 *  its params and buffers: a network's, or by default a new one of the current kernels' kind (a layer alone). */
export function createLayer(info: LayerInfo, rng: Rng, arena: Arena = getKernels().createArena()): EngineLayer {
  return ENGINE_LAYERS[info.type](info, rng, arena);
}
