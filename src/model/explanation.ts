// The results of the explanation functions (explainCell, saliency, gradCam): plain data (numbers, arrays,
// Float32Arrays), so they cross a worker or webview boundary and print as JSON. The terms of a breakdown are
// re-added in float64 from the current weights and the sample's inputs; `value` is what the engine computed
// (float32), and every breakdown's final step is within 1e-5 of it.
import type { ActivationName, LayerType, Shape } from './types';

/** A cell of a layer's output. Outputs of rank 1 ([features]) use row 0, col 0 and channel = the feature. */
export interface CellPosition {
  readonly row: number;
  readonly col: number;
  readonly channel: number;
}

/** Inclusive ranges of model-input rows and columns that can influence the cell, clipped to the image; both
 *  ranges are [0, −1] (empty) when it depends on no pixel (a cell of zero padding). */
export interface ReceptiveField {
  readonly rows: readonly [number, number];
  readonly cols: readonly [number, number];
}

/** The value a cell reads: a layer's output (index −1 = the model input) at a position. */
export interface CellSource {
  /** "input" or the producing layer's name. */
  readonly name: string;
  /** The producing layer's index, −1 for the model input. */
  readonly index: number;
  readonly position: CellPosition;
  readonly value: number;
}

/**
 * A sliding window in the coordinates of the layer's input (not the model input): tap (i, j) of a kh×kw kernel
 * reads row rowStart + i·rowStep, column colStart + j·colStep. Rows/columns outside [0, inH)×[0, inW) are padding.
 */
export interface TapWindow {
  readonly rowStart: number;
  readonly colStart: number;
  readonly rowStep: number;
  readonly colStep: number;
  readonly rows: number;
  readonly cols: number;
}

/** How an activation turned the pre-activation into the output. */
export interface ActivationStep {
  /** 'linear' when the layer has none. */
  readonly activation: ActivationName;
  /** leakyRelu's slope for negative inputs, hardSigmoid's slope. */
  readonly alpha?: number;
  /** The pre-activation z (float64 sum of the terms). */
  readonly input: number;
  /** act(z) in float64: within 1e-5 of the explanation's `value`. */
  readonly output: number;
  /** For softmax, which normalises over the last axis: the whole row. */
  readonly softmax?: SoftmaxStep;
}

/** softmax(z)_i = exp(z_i − max) / Σ_j exp(z_j − max) over the last axis (the row holding the cell). */
export interface SoftmaxStep {
  readonly logits: readonly number[];
  /** Subtracted before exponentiating, for stability (it cancels out). */
  readonly max: number;
  readonly exps: readonly number[];
  readonly sum: number;
  readonly probabilities: readonly number[];
  /** The cell's entry in the row. */
  readonly index: number;
}

/** One input channel's share of a convolution cell: patch ⊙ kernel, row-major kh×kw. */
export interface ConvChannelTerm {
  readonly inputChannel: number;
  /** The input values under the kernel (0 where the tap falls in the padding). */
  readonly patch: readonly number[];
  /** Per tap: whether it lies inside the input (false: padding). */
  readonly inside: readonly boolean[];
  readonly kernel: readonly number[];
  /** patch[k] · kernel[k] in float64. */
  readonly products: readonly number[];
  /** Σ products. */
  readonly partialSum: number;
}

/** A separable convolution's input channel c and multiplier m: the depthwise sum d (partialSum), then d times the
 *  pointwise weight of (c·depthMultiplier + m → the cell's filter). */
export interface SeparableChannelTerm extends ConvChannelTerm {
  /** c·depthMultiplier + m: the depthwise output channel. */
  readonly depthwiseChannel: number;
  readonly pointwiseWeight: number;
  /** partialSum · pointwiseWeight. */
  readonly contribution: number;
}

interface ExplanationBase {
  readonly layerIndex: number;
  readonly layerName: string;
  readonly layerType: LayerType;
  /** The layer's output shape (one sample). */
  readonly outputShape: Shape;
  readonly position: CellPosition;
  /** The engine's output at the cell (float32, from Network.featureMaps). */
  readonly value: number;
  /** The model-input region the cell depends on (the union over every path in a graph). */
  readonly receptiveField: ReceptiveField;
  /** The values the layer reads, in `inputs` order (index −1 = the model input). */
  readonly inputs: readonly LayerRef[];
}

export interface LayerRef {
  readonly name: string;
  readonly index: number;
}

/** conv2d: Σ over input channels (a grouped conv's: its group's) of partialSum, + bias = pre-activation. depthwiseConv2d: the one input channel
 *  channel ÷ depthMultiplier, with the kernel slice of multiplier channel mod depthMultiplier. */
export interface ConvExplanation extends ExplanationBase {
  readonly kind: 'conv';
  readonly layerType: 'conv2d' | 'depthwiseConv2d';
  readonly window: TapWindow;
  readonly channels: readonly ConvChannelTerm[];
  /** 0 without a bias (useBias false). */
  readonly bias: number;
  readonly useBias: boolean;
  /** Σ partialSum + bias. */
  readonly preActivation: number;
  readonly activation: ActivationStep;
}

/** separableConv2d: Σ over (input channel, multiplier) of contribution, + bias = pre-activation. */
export interface SeparableExplanation extends ExplanationBase {
  readonly kind: 'separable';
  readonly layerType: 'separableConv2d';
  readonly window: TapWindow;
  readonly depthMultiplier: number;
  readonly channels: readonly SeparableChannelTerm[];
  readonly bias: number;
  readonly useBias: boolean;
  readonly preActivation: number;
  readonly activation: ActivationStep;
}

/** Pooling: the window's in-image values (padding is skipped, as the engine does, except in countIncludePad's count) and what was kept. */
export interface PoolExplanation extends ExplanationBase {
  readonly kind: 'pool';
  readonly layerType: 'maxPool2d' | 'avgPool2d' | 'globalMaxPool2d' | 'globalAvgPool2d';
  readonly op: 'max' | 'mean';
  /** The whole input for global pooling. */
  readonly window: TapWindow;
  /** Row-major over the window's taps; 0 where `inside` is false (those are not counted). */
  readonly values: readonly number[];
  readonly inside: readonly boolean[];
  /** max: the tap that was kept (the first maximum, as the engine). */
  readonly keptIndex?: number;
  /** mean: Σ values over the inside taps and how many there are (with countsPadding, the padded taps too); output = sum / count. */
  readonly sum?: number;
  readonly count?: number;
  /** mean: the count includes the window's padded cells (avgPool2d's countIncludePad). */
  readonly countsPadding?: boolean;
  /** The max, or sum / count, in float64. */
  readonly output: number;
}

/** One weight × input term of a dense cell. */
export interface DenseTerm {
  /** The input feature (index along the input's last axis). */
  readonly index: number;
  readonly input: number;
  readonly weight: number;
  readonly product: number;
}

/** dense: Σ top products + restSum + bias = pre-activation. */
export interface DenseExplanation extends ExplanationBase {
  readonly kind: 'dense';
  readonly layerType: 'dense';
  readonly inputFeatures: number;
  /** The 10 (or fewer) largest |weight × input|, largest first. */
  readonly top: readonly DenseTerm[];
  /** The sum of the other products, and how many there are. */
  readonly restSum: number;
  readonly restCount: number;
  readonly bias: number;
  readonly useBias: boolean;
  readonly preActivation: number;
  readonly activation: ActivationStep;
}

/** A softmax layer: logits → exponentials → probabilities over the last axis. */
export interface SoftmaxExplanation extends ExplanationBase {
  readonly kind: 'softmax';
  readonly layerType: 'softmax';
  readonly softmax: SoftmaxStep;
}

/** batchNorm (inference: the moving statistics) and layerNormalization (the mean and variance of the cell's own
 *  position over the channels; γ 1 and β 0 without scale / center): γ · (x − mean) / √(variance + ε) + β. */
export interface BatchNormExplanation extends ExplanationBase {
  readonly kind: 'batchNorm';
  readonly layerType: 'batchNorm' | 'layerNormalization';
  readonly x: number;
  readonly mean: number;
  readonly variance: number;
  readonly epsilon: number;
  readonly gamma: number;
  readonly beta: number;
  /** (x − mean) / √(variance + ε). */
  readonly normalized: number;
  readonly output: number;
}

/** add: the inputs' values at the same position, and their sum. */
export interface AddExplanation extends ExplanationBase {
  readonly kind: 'add';
  readonly layerType: 'add';
  readonly terms: readonly CellSource[];
  readonly sum: number;
}

/** multiply: the inputs' values at the cell (a broadcast input at its one row, column or channel), and their
 *  product. */
export interface ProductExplanation extends ExplanationBase {
  readonly kind: 'product';
  readonly layerType: 'multiply';
  readonly terms: readonly CellSource[];
  readonly product: number;
}

/** An element-wise activation layer (relu, relu6, leakyRelu, sigmoid, tanh, swish, hardSwish): input → output. */
export interface ActivationExplanation extends ExplanationBase {
  readonly kind: 'activation';
  readonly layerType: Exclude<ActivationName, 'linear' | 'softmax'>;
  readonly source: CellSource;
  readonly activation: ActivationStep;
}

/** Layers that move values without arithmetic: where the value came from (undefined: zero padding). */
export interface CopyExplanation extends ExplanationBase {
  readonly kind: 'copy';
  readonly layerType: 'flatten' | 'zeroPadding2D' | 'dropout' | 'concatenate' | 'channelShuffle' | 'channelSlice';
  readonly source?: CellSource;
}

/** The preprocessing layers, fixed per channel: rescaling x · scale + offset, normalization
 *  (x − mean) / max(√variance, ε) (Keras' divisor). */
export type AffineExplanation = ExplanationBase & {
  readonly kind: 'affine';
  readonly source: CellSource;
  readonly output: number;
} & (
    | { readonly layerType: 'rescaling'; readonly scale: number; readonly offset: number }
    | { readonly layerType: 'normalization'; readonly mean: number; readonly variance: number; readonly divisor: number }
  );

export type CellExplanation =
  | ConvExplanation
  | SeparableExplanation
  | PoolExplanation
  | DenseExplanation
  | SoftmaxExplanation
  | BatchNormExplanation
  | AddExplanation
  | ProductExplanation
  | ActivationExplanation
  | CopyExplanation
  | AffineExplanation;

export type ExplanationKind = CellExplanation['kind'];

/** What a class score is: the last layer's pre-activation (logit) when it ends in softmax or sigmoid, else its output. */
export type ScoreKind = 'logit' | 'output';

/** d(class score)/d(input) (Simonyan et al. 2014). */
export interface SaliencyResult {
  readonly classIndex: number;
  readonly scoreKind: ScoreKind;
  readonly score: number;
  /** [h, w, c] of the model input. */
  readonly shape: Shape;
  /** The gradient itself, h·w·c values in NHWC order. */
  readonly gradient: Float32Array;
  /** Per pixel, max over channels of |gradient|, h·w values, divided by its maximum (all 0 when the gradient is). */
  readonly map: Float32Array;
  /** The maximum of |gradient| that `map` was divided by. */
  readonly maxAbs: number;
}

/** Grad-CAM (Selvaraju et al. 2017) on one layer with a spatial output A ([fh, fw, K]). */
export interface GradCamResult {
  readonly classIndex: number;
  readonly scoreKind: ScoreKind;
  readonly score: number;
  readonly layerIndex: number;
  readonly layerName: string;
  /** [fh, fw, K]. */
  readonly featureShape: Shape;
  /** w_k = mean over the fh·fw positions of d(score)/dA_k, K values. */
  readonly weights: Float64Array;
  /** ReLU(Σ_k w_k A_k), fh·fw values, not normalised. */
  readonly cam: Float32Array;
  /** `cam` resized bilinearly to the input's h × w and divided by its maximum (all 0 when cam is): [0, 1]. */
  readonly heatmap: Float32Array;
  readonly height: number;
  readonly width: number;
  /** The maximum of `cam` (0 when nothing is positive). */
  readonly camMax: number;
}

// The signatures, implemented in ./index.ts (re-exported from there):
//   explainCell(network, analysis, image, layerIndex, row, col, channel, maps?): CellExplanation
//   saliency(network, image, classIndex): SaliencyResult
//   gradCam(network, analysis, image, classIndex, layerIndex?): GradCamResult
//   defaultGradCamLayer(analysis): number | undefined
//   receptiveField(analysis, layerIndex, row, col): ReceptiveField
