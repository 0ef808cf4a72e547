// The explanation messages' payloads (issue 13): one activation's arithmetic, saliency and Grad-CAM, as they
// travel worker → host → training view. They mirror src/engine/explain/types.ts field for field (protocol/ may
// not import the engine: the webview reads these); src/worker/explain.ts assigns the engine's results to these
// types, so the compiler checks that the two agree.
import type { ActivationName, LayerType, Shape } from '../model/types';

/** A cell of a layer's output. Outputs of rank 1 ([features]) use row 0, col 0 and channel = the feature. */
export interface CellPosition {
  readonly row: number;
  readonly col: number;
  readonly channel: number;
}

/** Inclusive model-input rows and columns the cell depends on, clipped to the image. */
export interface ReceptiveField {
  readonly rows: readonly [number, number];
  readonly cols: readonly [number, number];
}

/** The value a cell reads: a layer's output (index −1: the model input) at a position. */
export interface CellSource {
  readonly name: string;
  readonly index: number;
  readonly position: CellPosition;
  readonly value: number;
}

/** Tap (i, j) reads row rowStart + i·rowStep, column colStart + j·colStep of the layer's input. */
export interface TapWindow {
  readonly rowStart: number;
  readonly colStart: number;
  readonly rowStep: number;
  readonly colStep: number;
  readonly rows: number;
  readonly cols: number;
}

export interface SoftmaxStep {
  readonly logits: readonly number[];
  readonly max: number;
  readonly exps: readonly number[];
  readonly sum: number;
  readonly probabilities: readonly number[];
  readonly index: number;
}

export interface ActivationStep {
  readonly activation: ActivationName;
  readonly alpha?: number;
  readonly input: number;
  readonly output: number;
  readonly softmax?: SoftmaxStep;
}

export interface ConvChannelTerm {
  readonly inputChannel: number;
  readonly patch: readonly number[];
  readonly inside: readonly boolean[];
  readonly kernel: readonly number[];
  readonly products: readonly number[];
  readonly partialSum: number;
}

export interface SeparableChannelTerm extends ConvChannelTerm {
  readonly depthwiseChannel: number;
  readonly pointwiseWeight: number;
  readonly contribution: number;
}

interface ExplanationBase {
  readonly layerIndex: number;
  readonly layerName: string;
  readonly layerType: LayerType;
  readonly outputShape: Shape;
  readonly position: CellPosition;
  /** The engine's output at the cell (float32). */
  readonly value: number;
  readonly receptiveField: ReceptiveField;
  /** The values the layer reads, in `inputs` order (index −1: the model input). */
  readonly inputs: readonly LayerRef[];
}

export interface LayerRef {
  readonly name: string;
  readonly index: number;
}

export interface ConvExplanation extends ExplanationBase {
  readonly kind: 'conv';
  readonly layerType: 'conv2d' | 'depthwiseConv2d';
  readonly window: TapWindow;
  readonly channels: readonly ConvChannelTerm[];
  readonly bias: number;
  readonly useBias: boolean;
  readonly preActivation: number;
  readonly activation: ActivationStep;
}

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

export interface PoolExplanation extends ExplanationBase {
  readonly kind: 'pool';
  readonly layerType: 'maxPool2d' | 'avgPool2d' | 'globalMaxPool2d' | 'globalAvgPool2d';
  readonly op: 'max' | 'mean';
  readonly window: TapWindow;
  readonly values: readonly number[];
  readonly inside: readonly boolean[];
  readonly keptIndex?: number;
  readonly sum?: number;
  readonly count?: number;
  readonly output: number;
}

export interface DenseTerm {
  readonly index: number;
  readonly input: number;
  readonly weight: number;
  readonly product: number;
}

export interface DenseExplanation extends ExplanationBase {
  readonly kind: 'dense';
  readonly layerType: 'dense';
  readonly inputFeatures: number;
  readonly top: readonly DenseTerm[];
  readonly restSum: number;
  readonly restCount: number;
  readonly bias: number;
  readonly useBias: boolean;
  readonly preActivation: number;
  readonly activation: ActivationStep;
}

export interface SoftmaxExplanation extends ExplanationBase {
  readonly kind: 'softmax';
  readonly layerType: 'softmax';
  readonly softmax: SoftmaxStep;
}

export interface BatchNormExplanation extends ExplanationBase {
  readonly kind: 'batchNorm';
  readonly layerType: 'batchNorm';
  readonly x: number;
  readonly mean: number;
  readonly variance: number;
  readonly epsilon: number;
  readonly gamma: number;
  readonly beta: number;
  readonly normalized: number;
  readonly output: number;
}

export interface AddExplanation extends ExplanationBase {
  readonly kind: 'add';
  readonly layerType: 'add';
  readonly terms: readonly CellSource[];
  readonly sum: number;
}

export interface ActivationExplanation extends ExplanationBase {
  readonly kind: 'activation';
  readonly layerType: 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'swish';
  readonly source: CellSource;
  readonly activation: ActivationStep;
}

export interface CopyExplanation extends ExplanationBase {
  readonly kind: 'copy';
  readonly layerType: 'flatten' | 'zeroPadding2D' | 'dropout' | 'concatenate';
  readonly source?: CellSource;
}

export type CellExplanation =
  | ConvExplanation
  | SeparableExplanation
  | PoolExplanation
  | DenseExplanation
  | SoftmaxExplanation
  | BatchNormExplanation
  | AddExplanation
  | ActivationExplanation
  | CopyExplanation;

export type ScoreKind = 'logit' | 'output';

/** A layer Grad-CAM can run on (a spatial output), in file order. */
export interface SpatialLayer {
  readonly index: number;
  readonly name: string;
  readonly type: LayerType;
}

/** What both attributions carry besides their map: the sample, its image and what the model predicted. */
interface AttributionBase {
  /** What the sample is ("test #3 (label 7)" or the file name). */
  readonly caption: string;
  /** The model input, [h, w, c] values as the network saw them. */
  readonly image: Float32Array;
  readonly imageShape: Shape;
  readonly probabilities: Float32Array;
  readonly predicted: number;
  readonly classes: readonly string[];
  /** Layers Grad-CAM can use, and the one it uses by default (the last convolution). */
  readonly spatialLayers: readonly SpatialLayer[];
  readonly defaultLayer?: number;
  readonly classIndex: number;
  readonly scoreKind: ScoreKind;
  readonly score: number;
}

/** d(class score)/d(input): `map` is per pixel max over channels of |gradient|, divided by `maxAbs`. */
export interface SaliencyView extends AttributionBase {
  readonly method: 'saliency';
  readonly map: Float32Array;
  readonly maxAbs: number;
}

/** Grad-CAM on layer `layerName`: `heatmap` is ReLU(Σ w_k A_k) resized to the input, divided by `camMax`. */
export interface GradCamView extends AttributionBase {
  readonly method: 'gradCam';
  readonly layerIndex: number;
  readonly layerName: string;
  readonly featureShape: Shape;
  readonly heatmap: Float32Array;
  readonly camMax: number;
  /** The channel weights w_k (spatial means of the class-score gradient). */
  readonly weights: Float64Array;
}

export type AttributionView = SaliencyView | GradCamView;
export type AttributionMethod = AttributionView['method'];

/** What an attribution request asks for; absent class: the predicted one; absent layer: the default. */
export interface AttributionQuery {
  readonly method: AttributionMethod;
  readonly classIndex?: number;
  readonly layerIndex?: number;
}
