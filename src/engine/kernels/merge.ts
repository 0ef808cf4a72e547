// Kernels of the merge layers and of the network's gradient sums: elementwise sums, and the channel concatenation
// (last axis) with its inverse. Plain JavaScript over views of any arena (they are memory-bound copies and adds).

/** out[0…size) ← a + b. out may be a or b. */
export function addArrays(a: Float32Array, b: Float32Array, out: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) out[i] = a[i]! + b[i]!;
}

/** acc[0…size) += x. */
export function accumulate(acc: Float32Array, x: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) acc[i] += x[i]!;
}

/** Writes x[rows × c] into columns [at, at + c) of y[rows × width] (one input of a concatenation). */
export function copyColumnsInto(x: Float32Array, y: Float32Array, rows: number, c: number, width: number, at: number): void {
  for (let r = 0, src = 0, dst = at; r < rows; r++, src += c, dst += width) {
    for (let j = 0; j < c; j++) y[dst + j] = x[src + j]!;
  }
}

/** Reads columns [at, at + c) of y[rows × width] into x[rows × c] (that input's share of the gradient). */
export function copyColumnsFrom(y: Float32Array, x: Float32Array, rows: number, c: number, width: number, at: number): void {
  for (let r = 0, src = at, dst = 0; r < rows; r++, src += width, dst += c) {
    for (let j = 0; j < c; j++) x[dst + j] = y[src + j]!;
  }
}
