// Training health's thresholds. What health reports is plain data that the worker channel and the views share,
// so its types live in the model room (model/health.ts).

/** The thresholds, in one place (docs/training-health.md quotes them). */
export const HEALTH_LIMITS = {
  /** Steps measured per epoch, spread over it (every step of an epoch that has no more). */
  stepsPerEpoch: 4,
  /** A ReLU layer with at least this fraction of dead units is warned about. */
  deadFraction: 0.5,
  /** Vanishing: the first weight layer's gradient norm below this fraction of the last one's, along the graph's
   *  longest path from the input (paths.ts). */
  vanishingRatio: 1e-3,
  /** Exploding: a step's total gradient norm above this multiple of the run's first measured step. */
  explodingGrowth: 100,
  /** Overfitting: this many epochs in a row of rising validation loss and falling training loss. */
  overfittingEpochs: 3,
} as const;

/** Saturated outputs: sigmoid below `sigmoidLow` or above `sigmoidHigh`, tanh beyond ±`tanh`. */
export const SATURATION = { sigmoidLow: 0.01, sigmoidHigh: 0.99, tanh: 0.99 } as const;
