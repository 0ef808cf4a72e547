// The explanation messages' payloads (issue 13), as they travel worker → host → training view. One activation's
// arithmetic is plain data defined once in model/explanation.ts (the engine computes it, the webview draws it);
// the saliency and Grad-CAM views below are this channel's own.
import type { LayerType, Shape } from '../model/types';
export type { CellPosition, ReceptiveField, CellSource, TapWindow, SoftmaxStep, ActivationStep, ConvChannelTerm, SeparableChannelTerm, LayerRef, ConvExplanation, SeparableExplanation, PoolExplanation, DenseTerm, DenseExplanation, SoftmaxExplanation, BatchNormExplanation, AddExplanation, ActivationExplanation, CopyExplanation, CellExplanation, ScoreKind } from '../model/explanation';
import type { ScoreKind } from '../model/explanation';

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
