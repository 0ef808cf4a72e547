// Activations in float64, as the engine's kernels define them (engine/kernels/elementwise.ts), for the last step
// of a breakdown: the pre-activation the terms add up to, through the activation, to the output.
import { assertNever } from '../../model/assertNever';
import type { ActivationName } from '../../model/types';
import type { ActivationStep, SoftmaxStep } from '../../model/explanation';

/** act(z) for the element-wise activations; softmax needs its whole row (softmaxStep). */
export function activate(name: Exclude<ActivationName, 'softmax'>, z: number, alpha: number): number {
  switch (name) {
    case 'linear': return z;
    case 'relu': return z > 0 ? z : 0;
    case 'relu6': return z > 0 ? (z < 6 ? z : 6) : 0;
    case 'leakyRelu': return z > 0 ? z : alpha * z;
    case 'sigmoid': return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case 'tanh': return Math.tanh(z);
    case 'swish': return z >= 0 ? z / (1 + Math.exp(-z)) : (z * Math.exp(z)) / (1 + Math.exp(z));
    default: return assertNever(name, 'activation');
  }
}

export function softmaxStep(logits: readonly number[], index: number): SoftmaxStep {
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  const exps = logits.map((z) => Math.exp(z - max));
  let sum = 0;
  for (const e of exps) sum += e;
  return { logits: [...logits], max, exps, sum, probabilities: exps.map((e) => e / sum), index };
}

/**
 * The activation step of cell `index` of a row of pre-activations. Element-wise activations read only
 * row[index]; `row` is a function so that only softmax computes the whole row.
 */
export function activationStep(name: ActivationName, alpha: number, z: number, row: () => readonly number[], index: number): ActivationStep {
  if (name === 'softmax') {
    const softmax = softmaxStep(row(), index);
    return { activation: name, input: z, output: softmax.probabilities[index]!, softmax };
  }
  const output = activate(name, z, alpha);
  return name === 'leakyRelu' ? { activation: name, alpha, input: z, output } : { activation: name, input: z, output };
}
