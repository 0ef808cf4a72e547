// What training health measures and reports (see docs/training-health.md): per layer, per epoch, from a few
// measured steps; and the warnings drawn from it. Plain data, so the worker can post it as it is.

/** The activations whose outputs health watches: the ReLU family for dead units, sigmoid and tanh for saturation. */
export type WatchedActivation = 'relu' | 'relu6' | 'leakyRelu' | 'sigmoid' | 'tanh';

export interface LayerHealth {
  /** The layer's name (as in parameter names) and its index in the file. */
  readonly layer: string;
  readonly index: number;
  /** Layers with trainable parameters: ‖∂loss/∂θ‖₂ over all of them (kernel, bias, γ, β), the mean over the
   *  measured steps; NaN when any step's gradient was not finite. */
  readonly gradNorm?: number;
  /** ‖Δθ‖₂ / ‖θ‖₂ of the optimizer step that followed, the mean over the measured steps. */
  readonly updateRatio?: number;
  /** The activation that produces the layer's output, when health watches it. */
  readonly activation?: WatchedActivation;
  /** Units (channels of a spatial output, neurons of a flat one). */
  readonly units?: number;
  /** ReLU family: the fraction of units whose output was ≤ 0 at every position of every measured sample. */
  readonly dead?: number;
  /** Sigmoid / tanh: the fraction of output values in the saturated range (see SATURATION). */
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

export interface EpochHealth {
  readonly epoch: number;
  /** Steps measured in this epoch and the samples they held. */
  readonly steps: number;
  readonly samples: number;
  /** ‖∂loss/∂θ‖₂ over every trainable parameter: the mean, and the largest, of the measured steps. */
  readonly gradNorm: number;
  readonly maxGradNorm: number;
  /** Layers with parameters or a watched activation, in file order. */
  readonly layers: readonly LayerHealth[];
  /** Warnings first raised at this epoch (each kind and layer is raised once a run). */
  readonly warnings: readonly HealthWarning[];
}

/** The thresholds, in one place (docs/training-health.md quotes them). */
export const HEALTH_LIMITS = {
  /** Steps measured per epoch, spread over it (every step of an epoch that has no more). */
  stepsPerEpoch: 4,
  /** A ReLU layer with at least this fraction of dead units is warned about. */
  deadFraction: 0.5,
  /** Vanishing: the first weight layer's gradient norm below this fraction of the last one's. */
  vanishingRatio: 1e-3,
  /** Exploding: a step's total gradient norm above this multiple of the run's first measured step. */
  explodingGrowth: 100,
  /** Overfitting: this many epochs in a row of rising validation loss and falling training loss. */
  overfittingEpochs: 3,
} as const;

/** Saturated outputs: sigmoid below `sigmoidLow` or above `sigmoidHigh`, tanh beyond ±`tanh`. */
export const SATURATION = { sigmoidLow: 0.01, sigmoidHigh: 0.99, tanh: 0.99 } as const;
