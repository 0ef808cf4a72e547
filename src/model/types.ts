// The `*.cnn.json` model format, version 1. Field names follow Keras so users carry their habits over.
// Each layer type's config and definition live in layers/<type>.ts (the registry, layers/index.ts); field
// defaults live only there, read through spec.ts by validation, the JSON Schema, the docs and the designer.

export const MODEL_FORMAT = 'cnn-studio/model@1';

export { ACTIVATIONS, defaultLayerName, implicitInput, isFrozen, learningRateMultiplierOf, MODEL_INPUT } from './layers/base';
export type { ActivationName, IntOrPair, Padding, Padding2d, Shape, WindowPadding } from './layers/base';
export type { Layer, LayerOf, LayerType } from './layers';
export type { AddLayer, AvgPool2dLayer, BatchNormLayer, ConcatenateLayer, Conv2dLayer, DenseLayer, DepthwiseConv2dLayer, DropoutLayer } from './layers';
export type { ChannelShuffleLayer, HardSigmoidLayer, GeluLayer } from './layers';
export type { FlattenLayer, GlobalAvgPool2dLayer, GlobalMaxPool2dLayer, LeakyReluLayer, MaxPool2dLayer, SeparableConv2dLayer, ZeroPadding2dLayer } from './layers';
export type { ChannelSliceLayer, LayerNormalizationLayer, MultiplyLayer, NormalizationLayer, RescalingLayer } from './layers';
import type { Layer } from './layers';
import type { AddLayer, AvgPool2dLayer, ConcatenateLayer, GlobalAvgPool2dLayer, GlobalMaxPool2dLayer, MaxPool2dLayer } from './layers';
import type { ActivationName } from './layers/base';

/** Element-wise sum of equal shapes, or concatenation along the last axis (channels). */
export type MergeLayer = AddLayer | ConcatenateLayer;
export type Pool2dLayer = MaxPool2dLayer | AvgPool2dLayer;
export type GlobalPool2dLayer = GlobalAvgPool2dLayer | GlobalMaxPool2dLayer;
/** The activation layers without fields of their own. */
export type ActivationLayer = Extract<Layer, { readonly type: Exclude<ActivationName, 'linear' | 'leakyRelu' | 'hardSigmoid'> }>;

/** MNIST-style IDX files (plain or .gz), relative to the model file. */
export interface IdxSource {
  readonly images: string;
  readonly labels: string;
}
/** An IDX pair, or a folder with one subfolder of PNG/JPEG images per class (sorted names = classes). */
export type DataSource = IdxSource | string;

export interface DataConfig {
  readonly train: DataSource;
  readonly test?: DataSource;
}

export type ScheduleConfig =
  | { readonly type: 'step'; readonly stepSize: number; readonly gamma?: number }
  | { readonly type: 'exponential'; readonly gamma: number }
  | { readonly type: 'cosine'; readonly minLearningRate?: number };

interface OptimizerBase {
  readonly learningRate?: number;
  /** L2 penalty added to the gradient (for AdamW: decoupled decay). */
  readonly weightDecay?: number;
  /** Clip the global gradient norm to this value. */
  readonly clipNorm?: number;
  readonly schedule?: ScheduleConfig;
}

export interface SgdConfig extends OptimizerBase {
  readonly type: 'sgd';
  readonly momentum?: number;
  readonly nesterov?: boolean;
}
export interface AdamConfig extends OptimizerBase {
  readonly type: 'adam' | 'adamw';
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}
export interface RmspropConfig extends OptimizerBase {
  readonly type: 'rmsprop';
  readonly rho?: number;
  readonly momentum?: number;
  readonly epsilon?: number;
}
export type OptimizerConfig = SgdConfig | AdamConfig | RmspropConfig;
export type OptimizerType = OptimizerConfig['type'];

export type LossName =
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'binaryCrossentropy'
  | 'meanSquaredError';

export interface EarlyStoppingConfig {
  readonly patience: number;
  readonly monitor?: 'valLoss' | 'valAccuracy';
}

/** See AUGMENTATION_SPEC (augmentationSpec.ts) for what each field does and which Keras / torchvision op it matches. */
export interface AugmentationConfig {
  readonly randomResizedCrop?: { readonly scale?: readonly [number, number]; readonly ratio?: readonly [number, number] };
  /** Degrees, both ways. */
  readonly rotation?: number;
  readonly zoom?: readonly [number, number];
  /** Fraction of the height and width, in whole pixels. */
  readonly translation?: number;
  /** The older name of `translation`. */
  readonly shift?: number;
  readonly horizontalFlip?: boolean;
  readonly verticalFlip?: boolean;
  readonly brightness?: number;
  readonly contrast?: number;
  readonly saturation?: number;
  readonly hue?: number;
  readonly cutout?: { readonly holes?: number; readonly size?: number };
}

export interface TrainingConfig {
  readonly data?: DataConfig;
  readonly optimizer?: OptimizerConfig;
  readonly loss?: LossName;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly validationSplit?: number;
  readonly seed?: number;
  readonly earlyStopping?: EarlyStoppingConfig;
  readonly augmentation?: AugmentationConfig;
  /** Also report top-k accuracy for this k. */
  readonly topK?: number;
  /** A weights file (relative to the model) a new run starts from where layer names and shapes match, the rest
   *  from the seed: a pretrained backbone (`cnn transfer` writes it). */
  readonly initialWeights?: string;
}

/** How an image of another aspect ratio is fitted to the input's height × width (src/model/resize.ts). */
export type ResizePolicy = 'stretch' | 'centerCrop' | 'letterbox';

export interface InputConfig {
  readonly shape: readonly [number, number, number];
  /** Default "stretch". Part of the model: training, evaluate, predict, explain and every export fit images so. */
  readonly resize?: ResizePolicy;
}

export interface Model {
  readonly format: typeof MODEL_FORMAT;
  readonly name: string;
  readonly description?: string;
  readonly input: InputConfig;
  readonly layers: readonly Layer[];
  readonly training?: TrainingConfig;
}
