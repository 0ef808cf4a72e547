// What add and concatenate share: two or more inputs whose shapes must fit together.
import { formatDims, type Shape, type ShapeError } from './base';

/** Checks every input against the first; `fits` says why not. Returns whether all fit. */
export function mergeInputsFit(type: string, inputs: readonly Shape[], names: readonly string[], fits: (a: Shape, b: Shape) => string | undefined, errors: ShapeError[]): boolean {
  const before = errors.length;
  const first = inputs[0]!;
  for (let k = 1; k < inputs.length; k++) {
    const why = fits(inputs[k]!, first);
    if (why) errors.push({ code: 'shape-mismatch', field: 'inputs', element: k, message: `${type} needs ${why}: "${names[k]}" gives ${formatDims(inputs[k]!)} but "${names[0]}" gives ${formatDims(first)}` });
  }
  return errors.length === before;
}

export function sameDims(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
