// The one table of every layer's fields: kinds, limits, defaults and docs. Validation, the JSON Schema,
// `docs/model-format.md`, completion and the designer's forms are all derived from it.
import type { LayerType } from './types';

/** Largest size accepted for any spatial or channel dimension: beyond it a model cannot be trained or even allocated. */
export const MAX_DIM = 1 << 16;
/** Largest filters/units count. */
export const MAX_UNITS = 1 << 20;

export type FieldSpec =
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly default?: number; readonly doc: string }
  | { readonly kind: 'intOrPair'; readonly min: number; readonly max: number; readonly default?: number; readonly doc: string }
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      /** min itself is excluded */
      readonly exclusiveMin?: boolean;
      readonly exclusiveMax?: boolean;
      readonly default?: number;
      readonly doc: string;
    }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly default?: string; readonly doc: string }
  | { readonly kind: 'bool'; readonly default?: boolean; readonly doc: string }
  /** With `path`, a file or folder name: an empty string is an error that says what to name (`path`). */
  | { readonly kind: 'string'; readonly path?: string; readonly doc: string }
  /** [height, width, channels] */
  | { readonly kind: 'shape3'; readonly doc: string }
  /** Names of earlier layers (or "input") whose outputs a layer takes; resolved by the shape function. */
  | { readonly kind: 'layerRefs'; readonly doc: string }
  /** zeroPadding2D's padding: n, [h, w] or [[top, bottom], [left, right]]. */
  | { readonly kind: 'padding2d'; readonly min: number; readonly max: number; readonly default: number; readonly doc: string }
  | { readonly kind: 'object'; readonly spec: ObjectSpec; readonly doc: string }
  /** An object whose "type" field selects one of the variants. */
  | { readonly kind: 'tagged'; readonly variants: Readonly<Record<string, ObjectSpec>>; readonly doc: string }
  | { readonly kind: 'array'; readonly items: FieldSpec; readonly doc: string }
  /** An IDX pair { images, labels } or a class-folder path. */
  | { readonly kind: 'dataSource'; readonly doc: string };

export interface ObjectSpec {
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly required: readonly string[];
}

export interface LayerSpec extends ObjectSpec {
  /** Keras' name for the same layer, shown in docs and used by exporters. */
  readonly keras: string;
  /** What the designer inserts for a new layer of this type. */
  readonly template: Readonly<Record<string, unknown>>;
}

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'softmax'] as const;
export const PADDINGS = ['valid', 'same'] as const;
/** Slope for negative inputs of `leakyRelu` (Keras' LeakyReLU default). */
export const LEAKY_RELU_ALPHA = 0.3;

const name: FieldSpec = {
  kind: 'string',
  doc: 'Display, export and weight-tensor name; defaults to `<type>_<index>`. A layer that another layer names in `inputs` needs one.',
};
const inputs: FieldSpec = {
  kind: 'layerRefs',
  doc: 'The layers whose outputs this layer takes, by name ("input" is the model input); without it, the previous layer.',
};
/** Fields every layer has. */
const common = { name, inputs } as const;
const activation: FieldSpec = {
  kind: 'enum',
  values: ACTIVATIONS,
  default: 'linear',
  doc: 'Activation applied to the output.',
};
const padding: FieldSpec = {
  kind: 'enum',
  values: PADDINGS,
  default: 'valid',
  doc: '"valid": no padding, the output shrinks; "same": zero padding so that stride 1 keeps the size.',
};
const useBias: FieldSpec = { kind: 'bool', default: true, doc: 'Add a learned bias per output channel.' };
const kernelSize: FieldSpec = { kind: 'intOrPair', min: 1, max: MAX_DIM, doc: 'Kernel height and width: one number or [h, w].' };
const strides: FieldSpec = { kind: 'intOrPair', min: 1, max: MAX_DIM, default: 1, doc: 'Step between windows: one number or [h, w].' };
const dilationRate: FieldSpec = {
  kind: 'intOrPair',
  min: 1,
  max: MAX_DIM,
  default: 1,
  doc: 'Spacing between kernel taps (atrous convolution): one number or [h, w].',
};

const poolFields: Readonly<Record<string, FieldSpec>> = {
  ...common,
  poolSize: { kind: 'intOrPair', min: 1, max: MAX_DIM, default: 2, doc: 'Window height and width: one number or [h, w].' },
  strides: { kind: 'intOrPair', min: 1, max: MAX_DIM, doc: 'Step between windows; defaults to poolSize.' },
  padding,
};

export const LAYER_SPECS: Readonly<Record<LayerType, LayerSpec>> = {
  conv2d: {
    doc: '2-D convolution: `filters` kernels slide over the height and width of the input.',
    keras: 'Conv2D',
    fields: {
      ...common,
      filters: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output channels (kernels).' },
      kernelSize,
      strides,
      padding,
      dilationRate,
      useBias,
      activation,
    },
    required: ['filters', 'kernelSize'],
    template: { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
  },
  depthwiseConv2d: {
    doc: 'Depthwise 2-D convolution: each input channel is convolved with its own `depthMultiplier` kernels.',
    keras: 'DepthwiseConv2D',
    fields: {
      ...common,
      kernelSize,
      strides,
      padding,
      depthMultiplier: { kind: 'int', min: 1, max: MAX_UNITS, default: 1, doc: 'Output channels per input channel.' },
      dilationRate,
      useBias,
      activation,
    },
    required: ['kernelSize'],
    template: { type: 'depthwiseConv2d', kernelSize: 3, padding: 'same', activation: 'relu' },
  },
  separableConv2d: {
    doc: 'Depthwise separable 2-D convolution: a depthwise convolution (`depthMultiplier` kernels per channel), then a 1×1 convolution to `filters` channels.',
    keras: 'SeparableConv2D',
    fields: {
      ...common,
      filters: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output channels of the pointwise step.' },
      kernelSize,
      strides,
      padding,
      dilationRate,
      depthMultiplier: { kind: 'int', min: 1, max: MAX_UNITS, default: 1, doc: 'Depthwise output channels per input channel.' },
      useBias,
      activation,
    },
    required: ['filters', 'kernelSize'],
    template: { type: 'separableConv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
  },
  add: {
    doc: 'Element-wise sum of two or more inputs of equal shape (a residual connection).',
    keras: 'Add',
    fields: { ...common },
    required: [],
    template: { type: 'add' },
  },
  concatenate: {
    doc: 'Joins two or more inputs along the channel (last) axis; all other dimensions must be equal.',
    keras: 'Concatenate',
    fields: { ...common },
    required: [],
    template: { type: 'concatenate' },
  },
  zeroPadding2D: {
    doc: 'Adds rows and columns of zeros around the height and width.',
    keras: 'ZeroPadding2D',
    fields: {
      ...common,
      padding: { kind: 'padding2d', min: 0, max: MAX_DIM, default: 1, doc: 'Zeros to add: n on every side, [h, w] (top = bottom = h, left = right = w) or [[top, bottom], [left, right]].' },
    },
    required: [],
    template: { type: 'zeroPadding2D', padding: 1 },
  },
  maxPool2d: {
    doc: 'Max pooling over windows of `poolSize`.',
    keras: 'MaxPooling2D',
    fields: poolFields,
    required: [],
    template: { type: 'maxPool2d', poolSize: 2 },
  },
  avgPool2d: {
    doc: 'Average pooling over windows of `poolSize` (padding is not counted in the average).',
    keras: 'AveragePooling2D',
    fields: poolFields,
    required: [],
    template: { type: 'avgPool2d', poolSize: 2 },
  },
  globalAvgPool2d: {
    doc: 'Average of each channel over height and width: [h, w, c] → [c].',
    keras: 'GlobalAveragePooling2D',
    fields: { ...common },
    required: [],
    template: { type: 'globalAvgPool2d' },
  },
  globalMaxPool2d: {
    doc: 'Maximum of each channel over height and width: [h, w, c] → [c].',
    keras: 'GlobalMaxPooling2D',
    fields: { ...common },
    required: [],
    template: { type: 'globalMaxPool2d' },
  },
  flatten: {
    doc: 'Flattens [h, w, c] to [h·w·c] (row-major, channels last, as Keras).',
    keras: 'Flatten',
    fields: { ...common },
    required: [],
    template: { type: 'flatten' },
  },
  dense: {
    doc: 'Fully connected layer: every output unit sees every input feature.',
    keras: 'Dense',
    fields: {
      ...common,
      units: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output features.' },
      useBias,
      activation,
    },
    required: ['units'],
    template: { type: 'dense', units: 128, activation: 'relu' },
  },
  dropout: {
    doc: 'Randomly zeroes a fraction `rate` of the inputs during training (scaled to keep the mean); identity at inference.',
    keras: 'Dropout',
    fields: {
      ...common,
      rate: { kind: 'number', min: 0, max: 1, exclusiveMax: true, doc: 'Fraction of inputs to drop, in [0, 1).' },
    },
    required: ['rate'],
    template: { type: 'dropout', rate: 0.25 },
  },
  batchNorm: {
    doc: 'Batch normalisation over the last axis (channels): batch statistics in training, running statistics at inference.',
    keras: 'BatchNormalization',
    fields: {
      ...common,
      momentum: { kind: 'number', min: 0, max: 1, default: 0.99, doc: 'Momentum of the running mean and variance.' },
      epsilon: { kind: 'number', min: 0, max: 1, exclusiveMin: true, default: 0.001, doc: 'Added to the variance to avoid division by zero.' },
    },
    required: [],
    template: { type: 'batchNorm' },
  },
  relu: { doc: 'max(x, 0).', keras: 'ReLU', fields: { ...common }, required: [], template: { type: 'relu' } },
  relu6: { doc: 'min(max(x, 0), 6), as in MobileNet.', keras: 'ReLU(max_value=6)', fields: { ...common }, required: [], template: { type: 'relu6' } },
  leakyRelu: {
    doc: 'x for x > 0, alpha·x otherwise.',
    keras: 'LeakyReLU',
    fields: {
      ...common,
      alpha: { kind: 'number', min: 0, max: 1, default: LEAKY_RELU_ALPHA, doc: 'Slope for negative inputs.' },
    },
    required: [],
    template: { type: 'leakyRelu' },
  },
  sigmoid: { doc: '1 / (1 + e^-x).', keras: 'Activation("sigmoid")', fields: { ...common }, required: [], template: { type: 'sigmoid' } },
  tanh: { doc: 'Hyperbolic tangent.', keras: 'Activation("tanh")', fields: { ...common }, required: [], template: { type: 'tanh' } },
  swish: { doc: 'x · sigmoid(x), also called SiLU.', keras: 'Activation("swish")', fields: { ...common }, required: [], template: { type: 'swish' } },
  softmax: { doc: 'Softmax over the last axis.', keras: 'Softmax', fields: { ...common }, required: [], template: { type: 'softmax' } },
};

export const LAYER_TYPES = Object.keys(LAYER_SPECS) as LayerType[];

export function isLayerType(value: string): value is LayerType {
  return Object.prototype.hasOwnProperty.call(LAYER_SPECS, value);
}

/** The default of a layer field, or undefined when it has none (required fields, `strides` of pools). */
export function fieldDefault(type: LayerType, field: string): unknown {
  const spec = LAYER_SPECS[type].fields[field];
  return spec && 'default' in spec ? spec.default : undefined;
}

/** The field's value, or its default from the spec table. */
export function field<V>(type: LayerType, value: V | undefined, name: string): V {
  return value !== undefined ? value : (fieldDefault(type, name) as V);
}
