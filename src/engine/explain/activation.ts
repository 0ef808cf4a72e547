// The last step of a breakdown: the pre-activation the terms add up to, through the activation (in float64,
// model/activations.ts), to the output.
import { activate } from '../../model/activations';
import type { ActivationName } from '../../model/types';
import type { ActivationStep, SoftmaxStep } from '../../model/explanation';

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
  return name === 'leakyRelu' || name === 'hardSigmoid' ? { activation: name, alpha, input: z, output } : { activation: name, input: z, output };
}
