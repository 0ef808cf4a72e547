// Training health as it leaves the engine (docs/training-health.md): per layer, per epoch, from a few measured
// steps, and the warnings drawn from it. Plain data, defined once here because three rooms share it: engine/health
// fills it, the worker channel (protocol/worker.ts) carries it, the training view draws it. The figures are
// generic: numbers in the engine (NaN when a gradient was not finite), HealthFigure on the channel.

/** The activations whose outputs health watches: the ReLU family for dead units, sigmoid and tanh for saturation. */
export type WatchedActivation = 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh';

/** A figure as the views take it: JSON (the webview channel) has no NaN or ∞, so a figure that is not finite is null. */
export type HealthFigure = number | null;

export interface LayerHealth<Figure extends HealthFigure = number> {
  /** The layer's name (as in parameter names) and its index in the file. */
  readonly layer: string;
  readonly index: number;
  /** Layers with trainable parameters: ‖∂loss/∂θ‖₂ over all of them (kernel, bias, γ, β), the mean over the
   *  measured steps; not finite when any step's gradient was not finite. */
  readonly gradNorm?: Figure;
  /** ‖Δθ‖₂ / ‖θ‖₂ of the optimizer step that followed, the mean over the measured steps. */
  readonly updateRatio?: Figure;
  /** The activation that produces the layer's output, when health watches it. */
  readonly activation?: WatchedActivation;
  /** Units (channels of a spatial output, neurons of a flat one). */
  readonly units?: number;
  /** ReLU family: the fraction of units whose output was ≤ 0 at every position of every measured sample. */
  readonly dead?: number;
  /** Sigmoid / tanh: the fraction of output values in the saturated range (engine/health SATURATION). */
  readonly saturated?: number;
  /** The model's output layer (its saturation is confidence, not a problem). */
  readonly output?: boolean;
}

export type HealthWarningKind = 'deadUnits' | 'vanishingGradients' | 'explodingGradients' | 'overfitting';

export interface HealthWarning {
  readonly kind: HealthWarningKind;
  /** The epoch whose measurements raised it. */
  readonly epoch: number;
  /** The layer it is about (overfitting is about the whole model). */
  readonly layer?: string;
  /** What was seen, with the numbers. */
  readonly message: string;
  /** What to try. */
  readonly remedy: string;
}

export interface EpochHealth<Figure extends HealthFigure = number> {
  readonly epoch: number;
  /** Steps measured in this epoch and the samples they held. */
  readonly steps: number;
  readonly samples: number;
  /** ‖∂loss/∂θ‖₂ over every trainable parameter: the mean, and the largest, of the measured steps. */
  readonly gradNorm: Figure;
  readonly maxGradNorm: Figure;
  /** Layers with parameters or a watched activation, in file order. */
  readonly layers: readonly LayerHealth<Figure>[];
  /** Warnings first raised at this epoch (each kind and layer is raised once a run). */
  readonly warnings: readonly HealthWarning[];
}
