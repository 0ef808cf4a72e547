// Field kinds and the fields many layer types share (with their docs, limits and defaults). Each layer file
// (./<type>.ts) builds its spec from these; validation, the JSON Schema, docs, completion and forms read the specs.
import { ACTIVATIONS } from './base';

export { ACTIVATIONS };
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
  /** [low, high] with min ≤ low ≤ high ≤ max (min itself excluded with exclusiveMin): a torchvision-style range. */
  | {
      readonly kind: 'numberRange';
      readonly min: number;
      readonly max: number;
      readonly exclusiveMin?: boolean;
      readonly default?: readonly [number, number];
      readonly doc: string;
    }
  /** One number, or one per channel (a non-empty array): a preprocessing layer's mean or variance. */
  | {
      readonly kind: 'numberOrList';
      readonly min: number;
      readonly max: number;
      readonly exclusiveMin?: boolean;
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
  /** A convolution's or pool's padding: one of `values` ("valid", "same") or explicit cells in padding2d's forms. */
  | { readonly kind: 'windowPadding'; readonly values: readonly string[]; readonly min: number; readonly max: number; readonly default: string; readonly doc: string }
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
  /** [older name, name]: two names of one setting (a renamed field kept for existing files); at most one may be given. */
  readonly aliases?: readonly (readonly [string, string])[];
}

export interface LayerSpec extends ObjectSpec {
  /** Keras' name for the same layer, shown in docs and used by exporters. */
  readonly keras: string;
  /** What the designer inserts for a new layer of this type. */
  readonly template: Readonly<Record<string, unknown>>;
}

export const PADDINGS = ['valid', 'same'] as const;
/** Slope for negative inputs of `leakyRelu` (Keras' LeakyReLU default). */
export const LEAKY_RELU_ALPHA = 0.3;
/** Slope of `hardSigmoid` (PyTorch's Hardsigmoid, Keras 3's hard_sigmoid). */
export const HARD_SIGMOID_ALPHA = 1 / 6;
/** The parameter the activation kernels take for an `activation` field (no layer fields to read): the slope of
 *  leakyRelu or of hardSigmoid at its layer's default; the other activations ignore it. */
export function fusedActivationAlpha(act: (typeof ACTIVATIONS)[number]): number {
  return act === 'hardSigmoid' ? HARD_SIGMOID_ALPHA : LEAKY_RELU_ALPHA;
}

export const name: FieldSpec = {
  kind: 'string',
  doc: 'Display, export and weight-tensor name; defaults to `<type>_<index>`. A layer that another layer names in `inputs` needs one.',
};
export const inputs: FieldSpec = {
  kind: 'layerRefs',
  doc: 'The layers whose outputs this layer takes, by name ("input" is the model input); without it, the previous layer.',
};
export const trainable: FieldSpec = {
  kind: 'bool',
  default: true,
  doc: 'false freezes the layer (Keras\' `trainable`, for transfer learning): its parameters are not trained (non-trainable in the summary), and a frozen batchNorm uses and keeps its moving statistics in training too. No effect on a layer without parameters.',
};
/** Largest learningRateMultiplier: beyond it a rate is a typo, not fine-tuning. */
export const MAX_LEARNING_RATE_MULTIPLIER = 1000;
export const learningRateMultiplier: FieldSpec = {
  kind: 'number',
  min: 0,
  max: MAX_LEARNING_RATE_MULTIPLIER,
  default: 1,
  doc: 'The layer\'s parameters train at the learning rate (the schedule\'s, each epoch) × this, with every optimizer: discriminative fine-tuning (fastai; MATLAB\'s WeightLearnRateFactor; PyTorch\'s per-group lr), e.g. 0.1 on a pretrained backbone. AdamW\'s decay scales with it too. 0 leaves the parameters unchanged ("trainable": false also skips their gradients). No effect on a frozen layer or one without parameters.',
};
/** Fields every layer has. */
export const common = { name, inputs, trainable, learningRateMultiplier } as const;
export const activation: FieldSpec = {
  kind: 'enum',
  values: ACTIVATIONS,
  default: 'linear',
  doc: 'Activation applied to the output.',
};
export const padding: FieldSpec = {
  kind: 'windowPadding',
  values: PADDINGS,
  min: 0,
  max: MAX_DIM,
  default: 'valid',
  doc: '"valid": no padding, the output shrinks; "same": zero padding so that stride 1 keeps the size (Keras: an odd total puts the extra row/column at the bottom/right); '
    + 'or explicit zeros as PyTorch pads: n on every side, [h, w] (top = bottom = h, left = right = w) or [[top, bottom], [left, right]].',
};
export const useBias: FieldSpec = { kind: 'bool', default: true, doc: 'Add a learned bias per output channel.' };
export const kernelSize: FieldSpec = { kind: 'intOrPair', min: 1, max: MAX_DIM, doc: 'Kernel height and width: one number or [h, w].' };
export const strides: FieldSpec = { kind: 'intOrPair', min: 1, max: MAX_DIM, default: 1, doc: 'Step between windows: one number or [h, w].' };
export const dilationRate: FieldSpec = {
  kind: 'intOrPair',
  min: 1,
  max: MAX_DIM,
  default: 1,
  doc: 'Spacing between kernel taps (atrous convolution): one number or [h, w].',
};

/** Of the global pools (Keras' `keepdims`). */
export const keepDims: FieldSpec = {
  kind: 'bool',
  default: false,
  doc: 'Keep height and width as 1: [h, w, c] → [1, 1, c] (PyTorch\'s AdaptiveAvgPool2d(1) / ONNX\'s GlobalAveragePool without the flatten, a squeeze-and-excitation gate\'s input).',
};

export const poolFields: Readonly<Record<string, FieldSpec>> = {
  ...common,
  poolSize: { kind: 'intOrPair', min: 1, max: MAX_DIM, default: 2, doc: 'Window height and width: one number or [h, w].' },
  strides: { kind: 'intOrPair', min: 1, max: MAX_DIM, doc: 'Step between windows; defaults to poolSize.' },
  padding: {
    ...padding,
    doc: `${padding.doc} Padded cells are left out of the window (never the maximum; see countIncludePad for averages); explicit padding must be smaller than the window on every side.`,
  },
};
/** PyTorch's ceil_mode (pools). */
export const ceilMode: FieldSpec = {
  kind: 'bool',
  default: false,
  doc: 'PyTorch\'s ceil_mode: round the output size up, so a last, partial window covers the rest of the input (it must start inside the input or the top/left padding). No effect with "same".',
};

/** The default of a field of `spec`, or undefined when it has none (required fields, `strides` of pools). */
export function specDefault(spec: ObjectSpec, field: string): unknown {
  const f = spec.fields[field];
  return f && 'default' in f ? f.default : undefined;
}
