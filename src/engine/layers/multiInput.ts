// What add and concatenate share: several inputs, checked against the shape function's, and the refusal of the
// single-input calls (a network calls forwardInputs/backwardInputs on the layers that have them).
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Tensor } from '../tensor';
import { batchOf } from './common';

/** Each input's shape from the analysis (one per `inputs` entry). */
export function inputShapes(info: LayerInfo): Shape[] {
  return info.inputs.map((inp) => {
    if (!inp.shape) throw new Error(`layer ${info.name}: the shape of input "${inp.name}" is unknown`);
    return inp.shape;
  });
}

/** The batch size of xs, after checking there is one tensor of the right shape per input. */
export function batchOfInputs(xs: readonly Tensor[], shapes: readonly Shape[], who: string): number {
  if (xs.length !== shapes.length) throw new Error(`layer ${who}: takes ${shapes.length} inputs, got ${xs.length}`);
  const n = batchOf(xs[0]!, shapes[0]!, who);
  for (let k = 1; k < xs.length; k++) {
    if (batchOf(xs[k]!, shapes[k]!, who) !== n) throw new Error(`layer ${who}: inputs of different batch sizes (${n} and ${xs[k]!.shape[0]})`);
  }
  return n;
}

export function singleInputCall(who: string, type: string, count: number): never {
  throw new Error(`layer ${who}: ${type} takes ${count} inputs: call forwardInputs/backwardInputs`);
}
