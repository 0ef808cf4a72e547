// Row-major single-precision GEMM. op(B) is first packed into zero-padded panels of 4 columns
// ([⌈n/4⌉][k][4], Float64Array), so the 4×4 register-blocked micro-kernel reads B as one contiguous stream with
// no float32→float64 conversions, no column edge cases and no transpose strides. A is read row by row in place
// when it is not transposed, and packed into panels of 4 rows ([⌈m/4⌉][k][4]) when it is. 16 accumulators stay
// in registers while the shared dimension streams by; each loaded value is used four times.
// The packing buffers are module scratch, grown on demand and reused by every call (single-threaded JS).

let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** Edge blocks spill their 16 sums here and store only the valid part. */
const edge = new Float64Array(16);

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
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) c.fill(0, cOff, cOff + m * n);
    return;
  }
  const pb = packB(transB, k, n, b, bOff);
  if (transA) {
    const pa = packA(m, k, a, aOff);
    packedKernel(m, n, k, pa, pb, c, cOff, accumulate);
  } else {
    directKernel(m, n, k, a, aOff, pb, c, cOff, accumulate);
  }
}

/** op(B) (k×n) → packedB[panel][p][4], zero beyond column n. */
function packB(transB: boolean, k: number, n: number, b: Float32Array, bOff: number): Float64Array {
  const panels = (n + 3) >> 2;
  const size = panels * k * 4;
  if (packedB.length < size) packedB = new Float64Array(Math.max(size, packedB.length * 2));
  const pb = packedB;
  const n4 = n & ~3;
  if (!transB) {
    // B stored [k×n]: row p of a panel is 4 contiguous values.
    for (let j = 0; j < n4; j += 4) {
      let o = j * k;
      for (let p = 0, s = bOff + j; p < k; p++, s += n, o += 4) {
        pb[o] = b[s]!; pb[o + 1] = b[s + 1]!; pb[o + 2] = b[s + 2]!; pb[o + 3] = b[s + 3]!;
      }
    }
    if (n4 < n) {
      const w = n - n4;
      let o = n4 * k;
      for (let p = 0, s = bOff + n4; p < k; p++, s += n, o += 4) {
        for (let t = 0; t < 4; t++) pb[o + t] = t < w ? b[s + t]! : 0;
      }
    }
  } else {
    // B stored [n×k]: column j of op(B) is row j of b, contiguous over p.
    for (let j = 0; j < n4; j += 4) {
      const o = j * k;
      const s0 = bOff + j * k, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
      for (let p = 0, q = o; p < k; p++, q += 4) {
        pb[q] = b[s0 + p]!; pb[q + 1] = b[s1 + p]!; pb[q + 2] = b[s2 + p]!; pb[q + 3] = b[s3 + p]!;
      }
    }
    if (n4 < n) {
      const o = n4 * k;
      for (let t = 0; t < 4; t++) {
        const s = bOff + (n4 + t) * k;
        const live = n4 + t < n;
        for (let p = 0, q = o + t; p < k; p++, q += 4) pb[q] = live ? b[s + p]! : 0;
      }
    }
  }
  return pb;
}

/** op(A) = Aᵀ with A stored [k×m] → packedA[panel][p][4], zero beyond row m. Rows i…i+3 at step p are contiguous. */
function packA(m: number, k: number, a: Float32Array, aOff: number): Float64Array {
  const panels = (m + 3) >> 2;
  const size = panels * k * 4;
  if (packedA.length < size) packedA = new Float64Array(Math.max(size, packedA.length * 2));
  const pa = packedA;
  const m4 = m & ~3;
  for (let i = 0; i < m4; i += 4) {
    let o = i * k;
    for (let p = 0, s = aOff + i; p < k; p++, s += m, o += 4) {
      pa[o] = a[s]!; pa[o + 1] = a[s + 1]!; pa[o + 2] = a[s + 2]!; pa[o + 3] = a[s + 3]!;
    }
  }
  if (m4 < m) {
    const h = m - m4;
    let o = m4 * k;
    for (let p = 0, s = aOff + m4; p < k; p++, s += m, o += 4) {
      for (let t = 0; t < 4; t++) pa[o + t] = t < h ? a[s + t]! : 0;
    }
  }
  return pa;
}

/** A stored [m×k] read in place (four row streams), B packed. */
function directKernel(
  m: number, n: number, k: number, a: Float32Array, aOff: number, pb: Float64Array,
  c: Float32Array, cOff: number, acc: boolean,
): void {
  const m4 = m & ~3;
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOff + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const c0 = cOff + i * n;
    for (let j = 0; j < n; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      const q0 = j * k;
      for (let p = 0, q = q0; p < k; p++, q += 4) {
        const x0 = a[a0 + p]!, x1 = a[a1 + p]!, x2 = a[a2 + p]!, x3 = a[a3 + p]!;
        const y0 = pb[q]!, y1 = pb[q + 1]!, y2 = pb[q + 2]!, y3 = pb[q + 3]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      if (j + 4 <= n) {
        const o0 = c0 + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        if (acc) {
          c[o0] += s00; c[o0 + 1] += s01; c[o0 + 2] += s02; c[o0 + 3] += s03;
          c[o1] += s10; c[o1 + 1] += s11; c[o1 + 2] += s12; c[o1 + 3] += s13;
          c[o2] += s20; c[o2 + 1] += s21; c[o2 + 2] += s22; c[o2 + 3] += s23;
          c[o3] += s30; c[o3 + 1] += s31; c[o3 + 2] += s32; c[o3 + 3] += s33;
        } else {
          c[o0] = s00; c[o0 + 1] = s01; c[o0 + 2] = s02; c[o0 + 3] = s03;
          c[o1] = s10; c[o1 + 1] = s11; c[o1 + 2] = s12; c[o1 + 3] = s13;
          c[o2] = s20; c[o2 + 1] = s21; c[o2 + 2] = s22; c[o2 + 3] = s23;
          c[o3] = s30; c[o3 + 1] = s31; c[o3 + 2] = s32; c[o3 + 3] = s33;
        }
      } else {
        edge[0] = s00; edge[1] = s01; edge[2] = s02; edge[3] = s03;
        edge[4] = s10; edge[5] = s11; edge[6] = s12; edge[7] = s13;
        edge[8] = s20; edge[9] = s21; edge[10] = s22; edge[11] = s23;
        edge[12] = s30; edge[13] = s31; edge[14] = s32; edge[15] = s33;
        storeEdge(c, c0 + j, n, 4, n - j, acc);
      }
    }
  }
  // Bottom rows one at a time against the same panels.
  for (let i = m4; i < m; i++) {
    const a0 = aOff + i * k;
    const c0 = cOff + i * n;
    for (let j = 0; j < n; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const q0 = j * k;
      for (let p = 0, q = q0; p < k; p++, q += 4) {
        const x = a[a0 + p]!;
        s0 += x * pb[q]!; s1 += x * pb[q + 1]!; s2 += x * pb[q + 2]!; s3 += x * pb[q + 3]!;
      }
      edge[0] = s0; edge[1] = s1; edge[2] = s2; edge[3] = s3;
      storeEdge(c, c0 + j, n, 1, Math.min(4, n - j), acc);
    }
  }
}

/** Both operands packed: one contiguous stream each. */
function packedKernel(
  m: number, n: number, k: number, pa: Float64Array, pb: Float64Array,
  c: Float32Array, cOff: number, acc: boolean,
): void {
  for (let i = 0; i < m; i += 4) {
    const qa0 = i * k;
    const c0 = cOff + i * n;
    const rows = Math.min(4, m - i);
    for (let j = 0; j < n; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      const end = qa0 + 4 * k;
      for (let qa = qa0, qb = j * k; qa < end; qa += 4, qb += 4) {
        const x0 = pa[qa]!, x1 = pa[qa + 1]!, x2 = pa[qa + 2]!, x3 = pa[qa + 3]!;
        const y0 = pb[qb]!, y1 = pb[qb + 1]!, y2 = pb[qb + 2]!, y3 = pb[qb + 3]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      if (rows === 4 && j + 4 <= n) {
        const o0 = c0 + j, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
        if (acc) {
          c[o0] += s00; c[o0 + 1] += s01; c[o0 + 2] += s02; c[o0 + 3] += s03;
          c[o1] += s10; c[o1 + 1] += s11; c[o1 + 2] += s12; c[o1 + 3] += s13;
          c[o2] += s20; c[o2 + 1] += s21; c[o2 + 2] += s22; c[o2 + 3] += s23;
          c[o3] += s30; c[o3 + 1] += s31; c[o3 + 2] += s32; c[o3 + 3] += s33;
        } else {
          c[o0] = s00; c[o0 + 1] = s01; c[o0 + 2] = s02; c[o0 + 3] = s03;
          c[o1] = s10; c[o1 + 1] = s11; c[o1 + 2] = s12; c[o1 + 3] = s13;
          c[o2] = s20; c[o2 + 1] = s21; c[o2 + 2] = s22; c[o2 + 3] = s23;
          c[o3] = s30; c[o3 + 1] = s31; c[o3 + 2] = s32; c[o3 + 3] = s33;
        }
      } else {
        edge[0] = s00; edge[1] = s01; edge[2] = s02; edge[3] = s03;
        edge[4] = s10; edge[5] = s11; edge[6] = s12; edge[7] = s13;
        edge[8] = s20; edge[9] = s21; edge[10] = s22; edge[11] = s23;
        edge[12] = s30; edge[13] = s31; edge[14] = s32; edge[15] = s33;
        storeEdge(c, c0 + j, n, rows, Math.min(4, n - j), acc);
      }
    }
  }
}

/** Stores the top-left rows×cols of the 4×4 block in `edge` at c[o…] (row stride ldc). */
function storeEdge(c: Float32Array, o: number, ldc: number, rows: number, cols: number, acc: boolean): void {
  for (let r = 0; r < rows; r++, o += ldc) {
    for (let t = 0; t < cols; t++) {
      if (acc) c[o + t] += edge[4 * r + t]!;
      else c[o + t] = edge[4 * r + t]!;
    }
  }
}
