// Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's formulation:
//   v ← μ·v + g;  p ← p − lr·v            (classic)
//   v ← μ·v + g;  p ← p − lr·(g + μ·v)    (Nesterov)
// With a constant learning rate this equals Keras' v ← μ·v − lr·g form; PyTorch's keeps the
// velocity independent of lr, so a schedule changes the step size immediately.
import type { UpdateRule } from './rule';

export interface SgdOptions {
  readonly momentum: number;
  readonly nesterov: boolean;
}

export function sgdRule(opts: SgdOptions): UpdateRule {
  const { momentum, nesterov } = opts;
  const spec = { type: 'sgd', momentum, nesterov } as const;
  if (momentum === 0) {
    return {
      spec,
      slots: [],
      apply(value, grad, _slots, _step, lr) {
        for (let i = 0; i < value.length; i++) value[i] -= lr * grad[i];
      },
    };
  }
  return {
    spec,
    slots: ['velocity'],
    apply(value, grad, slots, _step, lr) {
      const v = slots[0];
      for (let i = 0; i < value.length; i++) {
        const vi = momentum * v[i] + grad[i];
        v[i] = vi;
        value[i] -= lr * (nesterov ? grad[i] + momentum * vi : vi);
      }
    },
  };
}
