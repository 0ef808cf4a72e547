// Each element-wise activation as one float64 function, as the engine's kernels define it
// (engine/kernels/elementwise.ts and wasm/assembly/elementwise.ts compute it in bulk): explanations use it for a
// cell's last step, the training view to draw the curve. A new activation is a compile error here until defined.
import { gelu } from './gaussian';
import type { ActivationName } from './types';

export type ElementwiseActivation = Exclude<ActivationName, 'softmax'>;

export const ACTIVATION_FUNCTIONS: { readonly [A in ElementwiseActivation]: (z: number, alpha: number) => number } = {
  linear: (z) => z,
  relu: (z) => (z > 0 ? z : 0),
  relu6: (z) => (z > 0 ? (z < 6 ? z : 6) : 0),
  leakyRelu: (z, alpha) => (z > 0 ? z : alpha * z),
  // Written so that neither branch overflows.
  sigmoid: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
  tanh: (z) => Math.tanh(z),
  swish: (z) => (z >= 0 ? z / (1 + Math.exp(-z)) : (z * Math.exp(z)) / (1 + Math.exp(z))),
  hardSwish: (z) => (z <= -3 ? 0 : z >= 3 ? z : (z * (z + 3)) / 6),
  // alpha is the slope; NaN gives 0, as the kernels' comparisons do.
  hardSigmoid: (z, alpha) => { const v = alpha * z + 0.5; return v > 0 ? (v < 1 ? v : 1) : 0; },
  gelu,
};

/** act(z) for the element-wise activations; softmax needs its whole row. */
export function activate(name: ElementwiseActivation, z: number, alpha: number): number {
  return ACTIVATION_FUNCTIONS[name](z, alpha);
}
