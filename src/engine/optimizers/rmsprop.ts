// RMSprop as in Keras (uncentered):
//   s ← ρ·s + (1−ρ)·g²;  Δ = lr·g / √(s + ε)
//   without momentum: p ← p − Δ;  with momentum μ: b ← μ·b + Δ;  p ← p − b
import type { UpdateRule } from './rule';

export interface RmspropOptions {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
}

export function rmspropRule(opts: RmspropOptions): UpdateRule {
  const { rho, momentum, epsilon } = opts;
  const withMomentum = momentum > 0;
  return {
    spec: { type: 'rmsprop', rho, momentum, epsilon },
    slots: withMomentum ? ['rms', 'momentum'] : ['rms'],
    apply(value, grad, slots, _step, lr) {
      const s = slots[0];
      const b = withMomentum ? slots[1] : undefined;
      for (let i = 0; i < value.length; i++) {
        const g = grad[i];
        const si = rho * s[i] + (1 - rho) * g * g;
        s[i] = si;
        const delta = (lr * g) / Math.sqrt(si + epsilon);
        if (b) {
          b[i] = momentum * b[i] + delta;
          value[i] -= b[i];
        } else {
          value[i] -= delta;
        }
      }
    },
  };
}
