// The optimizer's per-parameter loops as kernels (reference implementations; the WebAssembly ones are
// ./wasmOps): the clip-norm sum of squares and one parameter's update (clipping and L2 decay folded into the
// gradient, then the rule).
import type { UpdateRule } from '../optimizers/rule';

/** acc + Σ x[i]², accumulated in order (so summing param after param equals one loop over all). */
export function sumSquares(x: Float32Array, acc: number): number {
  let s = acc;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return s;
}

/**
 * One parameter's step: scratch ← scale·grad + l2·value (rounded to float32), then the rule updates value and
 * its slots from it. `step` counts from 1; scratch has the parameter's length and is not read afterwards.
 */
export function applyUpdate(
  rule: UpdateRule, value: Float32Array, grad: Float32Array, scratch: Float32Array, slots: readonly Float32Array[],
  scale: number, l2: number, step: number, lr: number,
): void {
  for (let i = 0; i < scratch.length; i++) scratch[i] = scale * grad[i]! + l2 * value[i]!;
  rule.apply(value, scratch, slots, step, lr);
}
