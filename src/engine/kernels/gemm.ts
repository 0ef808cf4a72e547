// Row-major single-precision GEMM, packed and cache-blocked: for each NC-wide column block and KC-deep slice, op(B)
// is copied into panels of 2 columns ([kc][2]); for each MC-high row block op(A) into panels of 4 rows ([kc][4]),
// both Float64Array and zero-padded. The 4×2 micro-kernel then reads two contiguous streams with no transpose
// strides, no float32→float64 conversions and no edge cases; its 8 accumulators plus 6 operands fit the 16 x64
// vector registers (a 4×4 block spills in V8). Packing costs O(mk + kn) against the O(mnk) product and handles
// every transpose the same way; blocking bounds it (one GEMM over a whole batch's patches would otherwise pack
// the whole matrix). Sums are float64 within a KC slice and meet C (float32) once per slice.
// The packing buffers are module scratch, grown on demand and reused by every call (JS is single-threaded).

const MR = 4;
const NR = 2;
// Exported for ../plan/memory.ts, which counts the packing buffers they imply.
/** Block sizes: KC deep, MC rows of op(A), NC columns of op(B). */
export const GEMM_KC = 256;
export const GEMM_MC = 128;
export const GEMM_NC = 1024;
/** Up to this many columns, a non-transposed A is read in place instead of packed. */
export const GEMM_DIRECT_MAX_N = 8;
const KC = GEMM_KC, MC = GEMM_MC, NC = GEMM_NC;
let packedA = new Float64Array(0);
let packedB = new Float64Array(0);
/** Edge blocks spill their sums here and store only the valid part. */
const edge = new Float64Array(MR * NR);

/**
 * C[m×n] = (accumulate ? C : 0) + op(A)·op(B).
 * op(A) is m×k, stored [m×k] (or [k×m] when transA); op(B) is k×n, stored [k×n] (or [n×k] when transB).
 * Leading dimensions (row strides of the stored A, B and C, in floats) default to the dense ones; larger ones
 * address sub-matrices (a grouped convolution's group of kernel columns or output channels).
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
  lda = transA ? m : k,
  ldb = transB ? k : n,
  ldc = n,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  // Few column panels (e.g. conv forward with 6–8 filters): packing A would cost about as much as using it,
  // so full 4-row blocks read A in place and only a last partial block is packed.
  const direct = !transA && n <= GEMM_DIRECT_MAX_N;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const acc = accumulate || pc > 0;
      // op(B)[p][j]: b[j·ldb + p] when transposed, else b[p·ldb + j].
      const pb = transB ? packB(true, kc, nc, b, bOff + jc * ldb + pc, ldb) : packB(false, kc, nc, b, bOff + pc * ldb + jc, ldb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        const cBlock = cOff + ic * ldc + jc;
        if (direct) {
          const m4 = mc - (mc % MR);
          directKernel(m4, nc, kc, a, aOff + ic * lda + pc, lda, pb, c, cBlock, ldc, acc);
          if (m4 < mc) kernel(mc - m4, nc, kc, packA(false, mc - m4, kc, a, aOff + (ic + m4) * lda + pc, lda), pb, c, cBlock + m4 * ldc, ldc, acc);
          continue;
        }
        // op(A)[i][p]: a[p·lda + i] when transposed, else a[i·lda + p].
        const pa = transA ? packA(true, mc, kc, a, aOff + pc * lda + ic, lda) : packA(false, mc, kc, a, aOff + ic * lda + pc, lda);
        kernel(mc, nc, kc, pa, pb, c, cBlock, ldc, acc);
      }
    }
  }
}

/** op(A) block (m×k, from `base` with leading dimension ld) → packedA[panel][p][4], zero beyond row m. */
function packA(transA: boolean, m: number, k: number, a: Float32Array, base: number, ld: number): Float64Array {
  const size = Math.ceil(m / MR) * k * MR;
  if (packedA.length < size) packedA = new Float64Array(Math.max(size, packedA.length * 2));
  const pa = packedA;
  const m4 = m - (m % MR);
  if (transA) {
    // Rows i…i+3 of op(A) at step p are 4 contiguous values.
    for (let i = 0; i < m4; i += MR) {
      for (let p = 0, s = base + i, o = i * k; p < k; p++, s += ld, o += MR) {
        pa[o] = a[s]!; pa[o + 1] = a[s + 1]!; pa[o + 2] = a[s + 2]!; pa[o + 3] = a[s + 3]!;
      }
    }
    for (let p = 0, s = base + m4, o = m4 * k; m4 < m && p < k; p++, s += ld, o += MR) {
      for (let t = 0; t < MR; t++) pa[o + t] = m4 + t < m ? a[s + t]! : 0;
    }
  } else {
    // Four row streams interleaved.
    for (let i = 0; i < m4; i += MR) {
      const s0 = base + i * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
      for (let p = 0, o = i * k; p < k; p++, o += MR) {
        pa[o] = a[s0 + p]!; pa[o + 1] = a[s1 + p]!; pa[o + 2] = a[s2 + p]!; pa[o + 3] = a[s3 + p]!;
      }
    }
    for (let t = 0; m4 < m && t < MR; t++) {
      const s = base + (m4 + t) * ld;
      const live = m4 + t < m;
      for (let p = 0, o = m4 * k + t; p < k; p++, o += MR) pa[o] = live ? a[s + p]! : 0;
    }
  }
  return pa;
}

/** op(B) block (k×n, from `base` with leading dimension ld) → packedB[panel][p][2], zero beyond column n. */
function packB(transB: boolean, k: number, n: number, b: Float32Array, base: number, ld: number): Float64Array {
  const size = Math.ceil(n / NR) * k * NR;
  if (packedB.length < size) packedB = new Float64Array(Math.max(size, packedB.length * 2));
  const pb = packedB;
  const n2 = n - (n % NR);
  if (transB) {
    // Column j of op(B) is row j of b.
    for (let j = 0; j < n2; j += NR) {
      const s0 = base + j * ld, s1 = s0 + ld;
      for (let p = 0, o = j * k; p < k; p++, o += NR) {
        pb[o] = b[s0 + p]!; pb[o + 1] = b[s1 + p]!;
      }
    }
    if (n2 < n) {
      const s = base + n2 * ld;
      for (let p = 0, o = n2 * k; p < k; p++, o += NR) {
        pb[o] = b[s + p]!; pb[o + 1] = 0;
      }
    }
  } else {
    // Row p of a panel is 2 contiguous values.
    for (let j = 0; j < n2; j += NR) {
      for (let p = 0, s = base + j, o = j * k; p < k; p++, s += ld, o += NR) {
        pb[o] = b[s]!; pb[o + 1] = b[s + 1]!;
      }
    }
    if (n2 < n) {
      for (let p = 0, s = base + n2, o = n2 * k; p < k; p++, s += ld, o += NR) {
        pb[o] = b[s]!; pb[o + 1] = 0;
      }
    }
  }
  return pb;
}

/** C (+)= packed A · packed B, one 4×2 block at a time. Index arithmetic is `| 0` so V8 skips overflow checks. */
function kernel(m: number, n: number, k: number, pa: Float64Array, pb: Float64Array, c: Float32Array, cOff: number, ldc: number, acc: boolean): void {
  for (let i = 0; i < m; i += MR) {
    const qa0 = i * k;
    const end = qa0 + MR * k;
    const c0 = cOff + i * ldc;
    const full = i + MR <= m;
    for (let j = 0; j < n; j += NR) {
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let qa = qa0, qb = j * k; qa < end; qa = (qa + 4) | 0, qb = (qb + 2) | 0) {
        const x0 = pa[qa]!, x1 = pa[(qa + 1) | 0]!, x2 = pa[(qa + 2) | 0]!, x3 = pa[(qa + 3) | 0]!;
        const y0 = pb[qb]!, y1 = pb[(qb + 1) | 0]!;
        s00 += x0 * y0; s01 += x0 * y1;
        s10 += x1 * y0; s11 += x1 * y1;
        s20 += x2 * y0; s21 += x2 * y1;
        s30 += x3 * y0; s31 += x3 * y1;
      }
      if (full && j + NR <= n) {
        const o0 = c0 + j, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
        if (acc) {
          c[o0] += s00; c[o0 + 1] += s01; c[o1] += s10; c[o1 + 1] += s11;
          c[o2] += s20; c[o2 + 1] += s21; c[o3] += s30; c[o3 + 1] += s31;
        } else {
          c[o0] = s00; c[o0 + 1] = s01; c[o1] = s10; c[o1 + 1] = s11;
          c[o2] = s20; c[o2 + 1] = s21; c[o3] = s30; c[o3 + 1] = s31;
        }
      } else {
        edge[0] = s00; edge[1] = s01; edge[2] = s10; edge[3] = s11;
        edge[4] = s20; edge[5] = s21; edge[6] = s30; edge[7] = s31;
        storeEdge(c, c0 + j, ldc, Math.min(MR, m - i), Math.min(NR, n - j), acc);
      }
    }
  }
}

/** Like kernel(), for m a multiple of 4 with A read in place (four float32 row streams, row stride lda). */
function directKernel(m: number, n: number, k: number, a: Float32Array, aOff: number, lda: number, pb: Float64Array, c: Float32Array, cOff: number, ldc: number, acc: boolean): void {
  for (let i = 0; i < m; i += MR) {
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c0 = cOff + i * ldc;
    for (let j = 0; j < n; j += NR) {
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let p = 0, qb = j * k; p < k; p = (p + 1) | 0, qb = (qb + 2) | 0) {
        const x0 = a[(a0 + p) | 0]!, x1 = a[(a1 + p) | 0]!, x2 = a[(a2 + p) | 0]!, x3 = a[(a3 + p) | 0]!;
        const y0 = pb[qb]!, y1 = pb[(qb + 1) | 0]!;
        s00 += x0 * y0; s01 += x0 * y1;
        s10 += x1 * y0; s11 += x1 * y1;
        s20 += x2 * y0; s21 += x2 * y1;
        s30 += x3 * y0; s31 += x3 * y1;
      }
      if (j + NR <= n) {
        const o0 = c0 + j, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
        if (acc) {
          c[o0] += s00; c[o0 + 1] += s01; c[o1] += s10; c[o1 + 1] += s11;
          c[o2] += s20; c[o2 + 1] += s21; c[o3] += s30; c[o3 + 1] += s31;
        } else {
          c[o0] = s00; c[o0 + 1] = s01; c[o1] = s10; c[o1 + 1] = s11;
          c[o2] = s20; c[o2 + 1] = s21; c[o3] = s30; c[o3 + 1] = s31;
        }
      } else {
        edge[0] = s00; edge[1] = s01; edge[2] = s10; edge[3] = s11;
        edge[4] = s20; edge[5] = s21; edge[6] = s30; edge[7] = s31;
        storeEdge(c, c0 + j, ldc, MR, n - j, acc);
      }
    }
  }
}

/** Stores the top-left rows×cols of the 4×2 block in `edge` at c[o…] (row stride ldc). */
function storeEdge(c: Float32Array, o: number, ldc: number, rows: number, cols: number, acc: boolean): void {
  for (let r = 0; r < rows; r++, o += ldc) {
    for (let t = 0; t < cols; t++) {
      if (acc) c[o + t] += edge[NR * r + t]!;
      else c[o + t] = edge[NR * r + t]!;
    }
  }
}
