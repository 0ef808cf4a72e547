// The multiply layer's kernel: a product of two operands that broadcast against an output of dims [n, d0, d1, d2]
// (the sample's shape right-aligned into three axes), each operand addressed by its own strides (0 along the axes
// it is broadcast on). With accumulate, out may itself be broadcast (strides 0): its cells then sum over those
// axes, which is how an input's gradient reduces over the axes it was broadcast on.
import type { Shape } from '../../model/types';

/** [n, d0, d1, d2] strides of a [n, ...shape] operand read as the [n, ...out] output (shape aligned from the last
 *  axis; its axes of size 1, and the ones it lacks, get stride 0). */
export function broadcastStrides(shape: Shape, out: Shape): [number, number, number, number] {
  const s: [number, number, number, number] = [0, 0, 0, 0];
  let stride = 1;
  for (let i = shape.length - 1, axis = 3; i >= 0; i--, axis--) {
    s[axis] = shape[i] === 1 && out[out.length - shape.length + i] !== 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  s[0] = stride;
  return s;
}

/** [n, d0, d1, d2]: the output sample's shape right-aligned into three axes. */
export function broadcastDims(n: number, out: Shape): [number, number, number, number] {
  const d: [number, number, number, number] = [n, 1, 1, 1];
  for (let i = out.length - 1, axis = 3; i >= 0; i--, axis--) d[axis] = out[i]!;
  return d;
}

/** out[·] ← a[·]·b[·] (or += with accumulate) over dims, each array read at its strides. */
export function broadcastMultiply(
  dims: readonly number[], out: Float32Array, os: readonly number[], a: Float32Array, as: readonly number[],
  b: Float32Array, bs: readonly number[], accumulate: boolean,
): void {
  const n = dims[0]!, d0 = dims[1]!, d1 = dims[2]!, d2 = dims[3]!;
  const o3 = os[3]!, a3 = as[3]!, b3 = bs[3]!;
  // The innermost axis contiguous (or broadcast) in all three: the common case, without stride products.
  const plain = o3 === 1 && (a3 === 1 || a3 === 0) && (b3 === 1 || b3 === 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d0; j++) {
      for (let k = 0; k < d1; k++) {
        const o = i * os[0]! + j * os[1]! + k * os[2]!;
        const pa = i * as[0]! + j * as[1]! + k * as[2]!;
        const pb = i * bs[0]! + j * bs[1]! + k * bs[2]!;
        if (plain && a3 === 1 && b3 === 1) {
          if (accumulate) for (let l = 0; l < d2; l++) out[o + l] += a[pa + l]! * b[pb + l]!;
          else for (let l = 0; l < d2; l++) out[o + l] = a[pa + l]! * b[pb + l]!;
        } else if (accumulate) {
          for (let l = 0; l < d2; l++) out[o + l * o3] += a[pa + l * a3]! * b[pb + l * b3]!;
        } else {
          for (let l = 0; l < d2; l++) out[o + l * o3] = a[pa + l * a3]! * b[pb + l * b3]!;
        }
      }
    }
  }
}
