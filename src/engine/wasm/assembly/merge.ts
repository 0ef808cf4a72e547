// AssemblyScript: the merge layers' and the network's gradient sums' kernels (reference: src/engine/kernels/merge.ts):
// elementwise sums and the channel concatenation's copies, over byte offsets, by ranges so that the kernel threads
// split them. Exact float32 adds and plain copies: bit-identical to the reference.
import { copyF32 } from './simd';

/** out[i] ← a[i] + b[i] for from ≤ i < to (out may be a or b). */
export function addArrays(a: usize, b: usize, out: usize, from: i32, to: i32): void {
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < to; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** For rows r0 ≤ r < r1 and j < c: into 1, y[r·width + at + j] ← x[r·c + j] (an input of a concatenation); into 0, the
 *  reverse (its share of the gradient, or a channel slice). */
export function copyColumns(x: usize, y: usize, r0: i32, r1: i32, c: i32, width: i32, at: i32, into: i32): void {
  for (let r = r0; r < r1; r++) {
    const xs = x + ((<usize>r * c) << 2);
    const ys = y + ((<usize>r * width + at) << 2);
    if (into) copyF32(ys, xs, c);
    else copyF32(xs, ys, c);
  }
}

/** Samples n0 ≤ n < n1 of y [outH, outW, c] ← x [h, w, c] at (top, left) surrounded by zeros, or with `crop` the
 *  reverse: x ← that interior of y (zeroPadding2d's gradient). */
export function zeroPad(x: usize, y: usize, n0: i32, n1: i32, c: i32, h: i32, w: i32, top: i32, left: i32, outH: i32, outW: i32, crop: i32): void {
  const row = w * c;
  const outBytes = <usize>(outH * outW * c) << 2;
  for (let n = n0; n < n1; n++) {
    const ys = y + <usize>n * outBytes;
    if (!crop) memory.fill(ys, 0, outBytes);
    for (let i = 0; i < h; i++) {
      const xr = x + ((<usize>(n * h + i) * row) << 2);
      const yr = ys + ((<usize>((i + top) * outW + left) * c) << 2);
      if (crop) copyF32(xr, yr, row);
      else copyF32(yr, xr, row);
    }
  }
}
