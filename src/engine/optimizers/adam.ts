// Adam (Kingma & Ba) in Keras' formulation, which folds the bias correction into the step size and
// leaves epsilon uncorrected ("epsilon hat"):
//   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε)
// AdamW (Loshchilov & Hutter) first shrinks the weights, decoupled from the gradient statistics:
//   p ← p − lr·λ·p
// so decay is not rescaled by √v as an L2 term in the gradient would be.
import type { UpdateRule } from './rule';

export interface AdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled decay λ (AdamW); 0 for plain Adam. */
  readonly decoupledWeightDecay: number;
}

export function adamRule(opts: AdamOptions): UpdateRule {
  const { beta1, beta2, epsilon, decoupledWeightDecay } = opts;
  return {
    spec: { type: 'adam', beta1, beta2, epsilon, decoupledWeightDecay },
    slots: ['m', 'v'],
    apply(value, grad, slots, step, lr) {
      const m = slots[0];
      const v = slots[1];
      const alpha = adamStepSize(beta1, beta2, lr, step);
      const shrink = 1 - lr * decoupledWeightDecay;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i];
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        value[i] = value[i] * shrink - (alpha * mi) / (Math.sqrt(vi) + epsilon);
      }
    },
  };
}

/** The bias-corrected step size lr·√(1−β2^t)/(1−β1^t) (shared with the WebAssembly update, for identical results). */
export function adamStepSize(beta1: number, beta2: number, lr: number, step: number): number {
  return (lr * Math.sqrt(1 - Math.pow(beta2, step))) / (1 - Math.pow(beta1, step));
}
