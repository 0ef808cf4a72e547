// The per-parameter update rule each optimizer file implements. index.ts does what is shared by all
// (gradient clipping, L2 weight decay, the step counter, state export), so a rule only sees a
// ready-to-use gradient and its own slot buffers.

/** A rule's kind and hyper-parameters as data, so a kernel (the WebAssembly one) can run the same update. */
export type RuleSpec =
  | { readonly type: 'sgd'; readonly momentum: number; readonly nesterov: boolean }
  | { readonly type: 'adam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly decoupledWeightDecay: number }
  | { readonly type: 'rmsprop'; readonly rho: number; readonly momentum: number; readonly epsilon: number };

export interface UpdateRule {
  readonly spec: RuleSpec;
  /** Names of the per-parameter state buffers (same length as the parameter), e.g. ["m", "v"]. */
  readonly slots: readonly string[];
  /**
   * Updates `value` in place. `grad` already includes clipping and L2 decay; `step` counts from 1
   * (Adam's bias correction needs it); `lr` is this epoch's learning rate × the param's
   * learningRateMultiplier (its param group's rate, in PyTorch's terms: AdamW's decoupled decay scales with it too).
   */
  apply(value: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number, lr: number): void;
}
