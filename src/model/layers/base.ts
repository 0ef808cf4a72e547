// The format's primitive types, below the layer registry: every layer file and the model types read them.

/** [height, width, channels] for images (NHWC without the batch), [features] after flatten/dense. */
export type Shape = readonly number[];

export type Padding = 'valid' | 'same';
/** Every activation, as an `activation` field value or (but for linear) a layer type of its own. */
export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'hardSwish', 'hardSigmoid', 'gelu', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
/** A size given once for both axes, or as [height, width]. */
export type IntOrPair = number | readonly [number, number];
/** Keras' forms: n on every side, [h, w] (top = bottom = h, left = right = w), or [[top, bottom], [left, right]]. */
export type Padding2d = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
/** A convolution's or pool's padding: Keras' 'valid' / 'same', or explicit cells per side in zeroPadding2D's forms (PyTorch's padding). */
export type WindowPadding = Padding | Padding2d;

/** The name of the model's input, as a layer reference. */
export const MODEL_INPUT = 'input';

export interface LayerBase {
  /** Optional display / export name; defaults to `<type>_<index>` (defaultLayerName). Required when another layer references it. */
  readonly name?: string;
  /** The layers (by name, or "input") whose outputs this layer takes; without it, the previous layer's. */
  readonly inputs?: readonly string[];
  /** false freezes the layer's parameters (Keras' `trainable`); default true. */
  readonly trainable?: boolean;
  /** The parameters train at the learning rate × this (discriminative fine-tuning); default 1. */
  readonly learningRateMultiplier?: number;
}

/** Whether a layer is frozen (`"trainable": false`): its parameters are not trained, a batch norm runs as in inference. */
export function isFrozen(layer: LayerBase): boolean {
  return layer.trainable === false;
}

/** The factor on the learning rate of a layer's parameters (`learningRateMultiplier`, default 1): MATLAB's
 *  WeightLearnRateFactor and BiasLearnRateFactor as one, PyTorch's per-param-group lr. */
export function learningRateMultiplierOf(layer: LayerBase): number {
  return layer.learningRateMultiplier ?? 1;
}

/** The name of a layer without one: `<type>_<index>`, the name of its weights in every checkpoint and export. */
export function defaultLayerName(type: string, index: number): string {
  return `${type}_${index}`;
}

/** The layer a layer without `inputs` reads: the previous one, or the model input (−1) for the first. */
export function implicitInput(index: number): number {
  return index - 1;
}

export interface ShapeError {
  readonly message: string;
  /** The layer field that causes it, when one does (e.g. 'kernelSize'); otherwise the layer as a whole. */
  readonly field?: string;
  /** A machine-readable kind, so quick fixes can offer the obvious repair. */
  readonly code:
    | 'kernel-too-large'
    /** conv2d's `groups` does not divide its input channels or its filters. */
    | 'indivisible-groups'
    | 'needs-flatten'
    | 'needs-spatial'
    | 'too-large'
    | 'bad-input'
    /** An `inputs` entry that names no earlier layer (unknown, later, itself, or a layer without an explicit name). */
    | 'bad-reference'
    /** Merge inputs whose shapes do not fit together (add: equal; concatenate: equal but the last axis). */
    | 'shape-mismatch'
    /** A merge layer with fewer than two inputs, or another layer with more than one. */
    | 'input-count'
    | 'duplicate-name'
    /** A layer whose output does not reach the model's output (a warning). */
    | 'dead-branch'
    /** A field that changes nothing where it is (a learningRateMultiplier on a frozen layer or one without parameters; a warning). */
    | 'no-effect'
    /** learningRateMultiplier 0: the parameters never change, yet their gradients are computed (a warning). */
    | 'zero-learning-rate';
  /** For an array field (`inputs`), the element to blame. */
  readonly element?: number;
  /** Warnings do not make the analysis fail. */
  readonly severity?: 'warning';
  /** The replacement a "did you mean" quick fix would insert (a layer name). */
  readonly suggestion?: string;
}

/** One input of a layer: the model input (index −1) or an earlier layer's output. */
export interface LayerInput {
  /** "input" or the producing layer's name. */
  readonly name: string;
  /** The producing layer's index, −1 for the model input; undefined when the reference does not resolve. */
  readonly index?: number;
  /** undefined when unknown (an unresolved reference or an earlier error). */
  readonly shape?: Shape;
}

export function product(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** 28×28×6 — the notation of every view. */
export function formatDims(shape: Shape): string {
  return shape.join('×');
}
