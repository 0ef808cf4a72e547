// Row-major single-precision GEMM with a 4×4 register block: 16 accumulators stay in registers while the
// shared dimension streams by, so each loaded A/B value is used four times.

/**
 * C[m×n] = (accumulate ? C : 0) + op(A)·op(B).
 * op(A) is m×k, stored [m×k] (or [k×m] when transA); op(B) is k×n, stored [k×n] (or [n×k] when transB).
 * Transposed variants serve backward passes: dW = Xᵀ·dY (transA), dX = dY·Wᵀ (transB).
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, cOff, cOff + m * n);
  if (k === 0) return;
  // Element strides of op(A)(i, p) and op(B)(p, j).
  const sAi = transA ? 1 : k;
  const sAp = transA ? m : 1;
  const sBp = transB ? 1 : n;
  const sBj = transB ? k : 1;
  const m4 = m - (m & 3);
  const n4 = n - (n & 3);
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOff + i * sAi;
    const a1 = a0 + sAi;
    const a2 = a1 + sAi;
    const a3 = a2 + sAi;
    const c0 = cOff + i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    for (let j = 0; j < n4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      const b0 = bOff + j * sBj;
      for (let p = 0; p < k; p++) {
        const pa = p * sAp;
        const pb = b0 + p * sBp;
        const x0 = a[a0 + pa]!, x1 = a[a1 + pa]!, x2 = a[a2 + pa]!, x3 = a[a3 + pa]!;
        const y0 = b[pb]!, y1 = b[pb + sBj]!, y2 = b[pb + 2 * sBj]!, y3 = b[pb + 3 * sBj]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      c[c0 + j] += s00; c[c0 + j + 1] += s01; c[c0 + j + 2] += s02; c[c0 + j + 3] += s03;
      c[c1 + j] += s10; c[c1 + j + 1] += s11; c[c1 + j + 2] += s12; c[c1 + j + 3] += s13;
      c[c2 + j] += s20; c[c2 + j + 1] += s21; c[c2 + j + 2] += s22; c[c2 + j + 3] += s23;
      c[c3 + j] += s30; c[c3 + j + 1] += s31; c[c3 + j + 2] += s32; c[c3 + j + 3] += s33;
    }
    // Right edge: 4 rows × 1 column.
    for (let j = n4; j < n; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const b0 = bOff + j * sBj;
      for (let p = 0; p < k; p++) {
        const pa = p * sAp;
        const y = b[b0 + p * sBp]!;
        s0 += a[a0 + pa]! * y; s1 += a[a1 + pa]! * y; s2 += a[a2 + pa]! * y; s3 += a[a3 + pa]! * y;
      }
      c[c0 + j] += s0; c[c1 + j] += s1; c[c2 + j] += s2; c[c3 + j] += s3;
    }
  }
  // Bottom edge: single rows.
  for (let i = m4; i < m; i++) {
    const a0 = aOff + i * sAi;
    const c0 = cOff + i * n;
    for (let j = 0; j < n; j++) {
      let s = 0;
      const b0 = bOff + j * sBj;
      for (let p = 0; p < k; p++) s += a[a0 + p * sAp]! * b[b0 + p * sBp]!;
      c[c0 + j] += s;
    }
  }
}
