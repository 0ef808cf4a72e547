// The layer registry: every layer type's definition, keyed by type. A new type is its file plus one line in each
// list below; the compiler then lists every Record<LayerType, …> elsewhere that lacks it.
import { add, type AddLayer } from './add';
import { avgPool2d, type AvgPool2dLayer } from './avgPool2d';
import { batchNorm, type BatchNormLayer } from './batchNorm';
import { channelShuffle, type ChannelShuffleLayer } from './channelShuffle';
import { channelSlice, type ChannelSliceLayer } from './channelSlice';
import { concatenate, type ConcatenateLayer } from './concatenate';
import { conv2d, type Conv2dLayer } from './conv2d';
import { isFrozen } from './base';
import type { LayerDef, LayerFacts, ParamDef } from './def';
import { dense, type DenseLayer } from './dense';
import { depthwiseConv2d, type DepthwiseConv2dLayer } from './depthwiseConv2d';
import { dropout, type DropoutLayer } from './dropout';
import { flatten, type FlattenLayer } from './flatten';
import { globalAvgPool2d, type GlobalAvgPool2dLayer } from './globalAvgPool2d';
import { globalMaxPool2d, type GlobalMaxPool2dLayer } from './globalMaxPool2d';
import { gelu, type GeluLayer } from './gelu';
import { hardSigmoid, type HardSigmoidLayer } from './hardSigmoid';
import { hardSwish, type HardSwishLayer } from './hardSwish';
import { layerNormalization, type LayerNormalizationLayer } from './layerNormalization';
import { leakyRelu, type LeakyReluLayer } from './leakyRelu';
import { maxPool2d, type MaxPool2dLayer } from './maxPool2d';
import { multiply, type MultiplyLayer } from './multiply';
import { normalization, type NormalizationLayer } from './normalization';
import { relu, type ReluLayer } from './relu';
import { relu6, type Relu6Layer } from './relu6';
import { rescaling, type RescalingLayer } from './rescaling';
import { separableConv2d, type SeparableConv2dLayer } from './separableConv2d';
import { sigmoid, type SigmoidLayer } from './sigmoid';
import { softmax, type SoftmaxLayer } from './softmax';
import { swish, type SwishLayer } from './swish';
import { tanh, type TanhLayer } from './tanh';
import { zeroPadding2D, type ZeroPadding2dLayer } from './zeroPadding2d';

export type Layer =
  | Conv2dLayer
  | DepthwiseConv2dLayer
  | SeparableConv2dLayer
  | AddLayer
  | ConcatenateLayer
  | MultiplyLayer
  | ChannelSliceLayer
  | ZeroPadding2dLayer
  | ChannelShuffleLayer
  | MaxPool2dLayer
  | AvgPool2dLayer
  | GlobalAvgPool2dLayer
  | GlobalMaxPool2dLayer
  | FlattenLayer
  | DenseLayer
  | DropoutLayer
  | BatchNormLayer
  | RescalingLayer
  | NormalizationLayer
  | LayerNormalizationLayer
  | ReluLayer
  | Relu6Layer
  | LeakyReluLayer
  | SigmoidLayer
  | TanhLayer
  | SwishLayer
  | HardSwishLayer
  | HardSigmoidLayer
  | GeluLayer
  | SoftmaxLayer;

export type LayerType = Layer['type'];
/** The config of one layer type. */
export type LayerOf<T extends LayerType> = Extract<Layer, { readonly type: T }>;

/** In the order of the palette, the docs and the schema. */
export const LAYER_DEFS: { readonly [T in LayerType]: LayerDef<LayerOf<T>> } = {
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  add,
  concatenate,
  multiply,
  channelSlice,
  zeroPadding2D,
  channelShuffle,
  maxPool2d,
  avgPool2d,
  globalAvgPool2d,
  globalMaxPool2d,
  flatten,
  dense,
  dropout,
  batchNorm,
  layerNormalization,
  rescaling,
  normalization,
  relu,
  relu6,
  leakyRelu,
  sigmoid,
  tanh,
  swish,
  hardSwish,
  hardSigmoid,
  gelu,
  softmax,
};

/** The definition of a layer's type, typed for that layer (TypeScript cannot correlate the two by itself). */
export function defOf<L extends Layer>(layer: L): LayerDef<L> {
  return LAYER_DEFS[layer.type] as unknown as LayerDef<L>;
}

/** The layer's parameters as its definition lists them, none trainable when the layer is frozen: what the summary,
 *  the engine, the memory estimate and the exporters read (never def.params directly). */
export function paramDefs<L extends Layer>(facts: LayerFacts<L>): readonly ParamDef[] {
  const defs = defOf(facts.layer).params?.(facts) ?? [];
  return isFrozen(facts.layer) ? defs.map((d) => (d.trainable ? { ...d, trainable: false } : d)) : defs;
}

export type { Conv2dLayer, DepthwiseConv2dLayer, SeparableConv2dLayer, AddLayer, ConcatenateLayer, ZeroPadding2dLayer, MaxPool2dLayer, AvgPool2dLayer };
export type { GlobalAvgPool2dLayer, GlobalMaxPool2dLayer, FlattenLayer, DenseLayer, DropoutLayer, BatchNormLayer, LeakyReluLayer };
export type { MultiplyLayer, ChannelSliceLayer, LayerNormalizationLayer };
export type { ReluLayer, Relu6Layer, SigmoidLayer, TanhLayer, SwishLayer, HardSwishLayer, SoftmaxLayer };
export type { HardSigmoidLayer, GeluLayer, ChannelShuffleLayer, RescalingLayer, NormalizationLayer };
