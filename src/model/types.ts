// The `*.cnn.json` model format, version 1. Field names follow Keras so users carry their habits over.
// Every optional field has its default in `spec.ts`, the one table that validation, the JSON Schema,
// the docs and the designer read.

export const MODEL_FORMAT = 'cnn-studio/model@1';

/** [height, width, channels] for images (NHWC without the batch), [features] after flatten/dense. */
export type Shape = readonly number[];

export type Padding = 'valid' | 'same';
export type ActivationName = 'linear' | 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'swish' | 'softmax';
/** A size given once for both axes, or as [height, width]. */
export type IntOrPair = number | readonly [number, number];

/** The name of the model's input, as a layer reference. */
export const MODEL_INPUT = 'input';

interface LayerBase {
  /** Optional display / export name; defaults to `<type>_<index>`. Required when another layer references it. */
  readonly name?: string;
  /** The layers (by name, or "input") whose outputs this layer takes; without it, the previous layer's. */
  readonly inputs?: readonly string[];
}

export interface Conv2dLayer extends LayerBase {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernelSize: IntOrPair;
  readonly strides?: IntOrPair;
  readonly padding?: Padding;
  readonly dilationRate?: IntOrPair;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

export interface DepthwiseConv2dLayer extends LayerBase {
  readonly type: 'depthwiseConv2d';
  readonly kernelSize: IntOrPair;
  readonly strides?: IntOrPair;
  readonly padding?: Padding;
  readonly depthMultiplier?: number;
  readonly dilationRate?: IntOrPair;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

export interface SeparableConv2dLayer extends LayerBase {
  readonly type: 'separableConv2d';
  readonly filters: number;
  readonly kernelSize: IntOrPair;
  readonly strides?: IntOrPair;
  readonly padding?: Padding;
  readonly dilationRate?: IntOrPair;
  readonly depthMultiplier?: number;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

/** Element-wise sum of equal shapes, or concatenation along the last axis (channels). */
export interface MergeLayer extends LayerBase {
  readonly type: 'add' | 'concatenate';
}

/** Keras' forms: n on every side, [h, w] (top = bottom = h, left = right = w), or [[top, bottom], [left, right]]. */
export type Padding2d = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

export interface ZeroPadding2dLayer extends LayerBase {
  readonly type: 'zeroPadding2D';
  readonly padding?: Padding2d;
}

export interface Pool2dLayer extends LayerBase {
  readonly type: 'maxPool2d' | 'avgPool2d';
  readonly poolSize?: IntOrPair;
  /** Defaults to poolSize, as in Keras. */
  readonly strides?: IntOrPair;
  readonly padding?: Padding;
}

export interface GlobalPool2dLayer extends LayerBase {
  readonly type: 'globalAvgPool2d' | 'globalMaxPool2d';
}

export interface FlattenLayer extends LayerBase {
  readonly type: 'flatten';
}

export interface DenseLayer extends LayerBase {
  readonly type: 'dense';
  readonly units: number;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

export interface DropoutLayer extends LayerBase {
  readonly type: 'dropout';
  readonly rate: number;
}

export interface BatchNormLayer extends LayerBase {
  readonly type: 'batchNorm';
  readonly momentum?: number;
  readonly epsilon?: number;
}

export interface ActivationLayer extends LayerBase {
  readonly type: 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'swish' | 'softmax';
}

export interface LeakyReluLayer extends LayerBase {
  readonly type: 'leakyRelu';
  readonly alpha?: number;
}

export type Layer =
  | Conv2dLayer
  | DepthwiseConv2dLayer
  | SeparableConv2dLayer
  | MergeLayer
  | ZeroPadding2dLayer
  | Pool2dLayer
  | GlobalPool2dLayer
  | FlattenLayer
  | DenseLayer
  | DropoutLayer
  | BatchNormLayer
  | ActivationLayer
  | LeakyReluLayer;

export type LayerType = Layer['type'];
/** The config of one layer type (pools and activations share an interface, so Extract alone is not enough). */
export type LayerOf<T extends LayerType> = Layer extends infer L
  ? L extends { readonly type: infer U }
    ? T extends U
      ? Omit<L, 'type'> & { readonly type: T }
      : never
    : never
  : never;

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

export interface AugmentationConfig {
  /** Random shift of up to this fraction of the width/height. */
  readonly shift?: number;
  readonly horizontalFlip?: boolean;
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
}

export interface InputConfig {
  readonly shape: readonly [number, number, number];
}

export interface Model {
  readonly format: typeof MODEL_FORMAT;
  readonly name: string;
  readonly description?: string;
  readonly input: InputConfig;
  readonly layers: readonly Layer[];
  readonly training?: TrainingConfig;
}
