// AssemblyScript (compiled by scripts/build-wasm.mjs, not by tsc): single-precision GEMM with 128-bit SIMD.
//
//   C[m×n] = (accumulate ? C : 0) + op(A)·op(B),   op(A) m×k, op(B) k×n, all row-major with leading dimensions.
//
// Goto/BLIS structure: for each NC-wide column block and KC-deep slice, op(B) is packed into 8-column panels
// ([kc][8], zero-padded) that stay in L2; for each MC-high row block op(A) is packed into 4-row panels ([kc][4]).
// A 4×8 register-blocked microkernel (8 f32x4 accumulators + 2 B vectors + 1 A splat: 11 of the 16 vector
// registers V8 allocates on x64; 5×8 spills) multiplies one A panel by one B panel. Packing absorbs every
// transpose, so the microkernel sees the same two contiguous streams in all four modes; edge tiles (m % 4,
// n % 8) compute the full tile from the zero-padded panels and store only the valid part. With few columns
// (n ≤ 32, e.g. conv forward with 16 filters) A is read in place instead: by microDirect, or, transposed (a weight
// gradient), by microStrided.
// (Measured on Zen 4 under load: unrolling the k loop ×2 made V8's code about 20 % slower; KC/MC/NC untuned.)
//
// Memory: the module imports its memory (the backend owns it); every operand is a byte offset. The packing
// scratch is caller-planned too (`scratchBytes`), so threads can later each get their own. Nothing allocates.
//
// The same source builds two variants: with `--enable relaxed-simd` the multiply-add is f32x4.relaxed_madd
// (one FMA instruction on x64 with FMA3), without it f32x4.mul + f32x4.add.

import { col2im, fillPaddedRows, im2colRows, im2colRowsPadded, paddedRowsFloats } from './im2col';
import { biasActivation, LINEAR, storeActivation1, storeActivation4 } from './elementwise';

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 1024;
/** Up to this many columns, a non-transposed A is read in place: packing it would cost about as much as using it. */
export const DIRECT_MAX_N: i32 = 32;

/** The first byte the module's own data does not use: the backend's arena starts here (16-aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Whether this build multiplies-adds with relaxed SIMD (1) or plain SIMD (0). */
export function relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** Bytes of packing scratch `gemm` needs for these sizes (a multiple of 16; the backend plans the maximum). */
export function scratchBytes(m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const kc = min(k, KC);
  const nc = roundUp(min(n, NC), NR);
  const mc = roundUp(min(m, MC), MR);
  return (nc * kc + mc * kc + MR * NR) << 2;
}

/**
 * C = (accumulate ? C : 0) + op(A)·op(B). A is [m×k] with row stride lda (or [k×m] when transA), B is [k×n]
 * with row stride ldb (or [n×k] when transB), C is [m×n] with row stride ldc; strides in floats, pointers in
 * bytes. `scratch` points at scratchBytes(m, n, k) bytes (16-aligned is best), disjoint from A, B and C.
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  // A row or three times B (a dense layer on a batch of one): B's rows read in place, nothing packed.
  if (m < MR && !transA && !transB) {
    for (let i = 0; i < m; i++) {
      gemvRow(n, k, a + ((<usize>i * lda) << 2), b, ldb, c + ((<usize>i * ldc) << 2), accumulate != 0);
    }
    return;
  }
  const kcMax = min(k, KC);
  const pB = scratch;
  const pA = pB + ((<usize>roundUp(min(n, NC), NR) * kcMax) << 2);
  const tile = pA + ((<usize>roundUp(min(m, MC), MR) * kcMax) << 2);
  const direct = !transA && n <= DIRECT_MAX_N;
  // Transposed A (a weight gradient: patchesᵀ · dz) with few columns: op(A)'s four rows at one k are four contiguous
  // floats of A's row k, so full 4-row blocks are read in place too.
  // ... and with whole 4-row blocks and 8-column panels B's rows too (8 contiguous floats a k): nothing is packed.
  const inPlaceB = transA && !transB && (m & 3) == 0 && (n & 7) == 0 && n <= 128;
  const directT = transA && (n <= DIRECT_MAX_N || inPlaceB);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const overwrite = pc == 0 && !accumulate;
      if (transB) packBT(b, ldb, pc, jc, kc, nc, pB);
      else if (!inPlaceB) packBN(b, ldb, pc, jc, kc, nc, pB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (direct || directT) {
          // Few column panels: read the full 4-row blocks of A in place; pack only the last partial one.
          const m4 = mc & ~3;
          if (m4 < mc) {
            if (directT) packAT(a, lda, ic + m4, pc, mc - m4, kc, pA);
            else packAN(a, lda, ic + m4, pc, mc - m4, kc, pA);
          }
          for (let jr = 0; jr < nc; jr += NR) {
            const nr = min(NR, nc - jr);
            const bp = pB + ((<usize>jr * kc) << 2);
            const bRow = b + ((<usize>pc * ldb + jc + jr) << 2);
            for (let ir = 0; ir < m4; ir += MR) {
              const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
              if (inPlaceB) microStridedB(kc, a + ((<usize>pc * lda + ic + ir) << 2), lda, bRow, ldb, cp, ldc, overwrite);
              else if (directT) microStrided(kc, a + ((<usize>pc * lda + ic + ir) << 2), lda, bp, cp, ldc, overwrite, nr, tile);
              else microDirect(kc, a + ((<usize>(ic + ir) * lda + pc) << 2), lda, bp, cp, ldc, overwrite, nr, tile, false, 0);
            }
            if (m4 < mc) micro(kc, pA, bp, c + ((<usize>(ic + m4) * ldc + jc + jr) << 2), ldc, overwrite, mc - m4, nr, tile, false, 0);
          }
          continue;
        }
        if (transA) packAT(a, lda, ic, pc, mc, kc, pA);
        else packAN(a, lda, ic, pc, mc, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = pB + ((<usize>jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            micro(kc, pA + ((<usize>ir * kc) << 2), bp, cp, ldc, overwrite, mr, nr, tile, false, 0);
          }
        }
      }
    }
  }
}

/**
 * c[0…n) (+)= a[0…k) · B (row stride ldb floats), KC slice by slice: within a slice each element's sum starts at 0
 * and takes its multiply-adds in k order, then meets C, as micro does, so the result is gemm's bit for bit.
 * Columns by 32 (8 accumulators, 8 contiguous loads of B's row per splat of a), then by 4, then one at a time.
 */
function gemvRow(n: i32, k: i32, a: usize, b: usize, ldb: i32, c: usize, accumulate: bool): void {
  const ld = <usize>ldb << 2;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const overwrite = pc == 0 && !accumulate;
    const ap = a + (<usize>pc << 2);
    const aEnd = ap + (<usize>kc << 2);
    const bSlice = b + <usize>pc * ld;
    let j = 0;
    for (; j + 32 <= n; j += 32) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
      let bp = bSlice + (<usize>j << 2);
      for (let p = ap; p < aEnd; p += 4) {
        const x = v128.load32_splat(p);
        s0 = madd(x, v128.load(bp), s0); s1 = madd(x, v128.load(bp, 16), s1);
        s2 = madd(x, v128.load(bp, 32), s2); s3 = madd(x, v128.load(bp, 48), s3);
        s4 = madd(x, v128.load(bp, 64), s4); s5 = madd(x, v128.load(bp, 80), s5);
        s6 = madd(x, v128.load(bp, 96), s6); s7 = madd(x, v128.load(bp, 112), s7);
        bp += ld;
      }
      const cp = c + (<usize>j << 2);
      if (!overwrite) {
        s0 = f32x4.add(s0, v128.load(cp)); s1 = f32x4.add(s1, v128.load(cp, 16));
        s2 = f32x4.add(s2, v128.load(cp, 32)); s3 = f32x4.add(s3, v128.load(cp, 48));
        s4 = f32x4.add(s4, v128.load(cp, 64)); s5 = f32x4.add(s5, v128.load(cp, 80));
        s6 = f32x4.add(s6, v128.load(cp, 96)); s7 = f32x4.add(s7, v128.load(cp, 112));
      }
      v128.store(cp, s0); v128.store(cp, s1, 16); v128.store(cp, s2, 32); v128.store(cp, s3, 48);
      v128.store(cp, s4, 64); v128.store(cp, s5, 80); v128.store(cp, s6, 96); v128.store(cp, s7, 112);
    }
    for (; j + 4 <= n; j += 4) {
      let s0 = f32x4.splat(0);
      let bp = bSlice + (<usize>j << 2);
      for (let p = ap; p < aEnd; p += 4) {
        s0 = madd(v128.load32_splat(p), v128.load(bp), s0);
        bp += ld;
      }
      const cp = c + (<usize>j << 2);
      v128.store(cp, overwrite ? s0 : f32x4.add(s0, v128.load(cp)));
    }
    for (; j < n; j++) {
      // One lane of the vector form: the same multiply-add per step (fused under relaxed SIMD).
      let s0 = f32x4.splat(0);
      let bp = bSlice + (<usize>j << 2);
      for (let p = ap; p < aEnd; p += 4) {
        s0 = madd(v128.load32_splat(p), v128.load32_zero(bp), s0);
        bp += ld;
      }
      const cp = c + (<usize>j << 2);
      const v = f32x4.extract_lane(s0, 0);
      store<f32>(cp, overwrite ? v : load<f32>(cp) + v);
    }
  }
}

/** Patch floats per block of convForward: a block's patches stay in L2 between im2col and the GEMM. */
const CONV_BLOCK_FLOATS: i32 = 32768;

/**
 * Convolution forward for output rows r0…r1 (row = (sample · outH + oy) · outW + ox) of the batch at x, block by
 * block: the block's patches (im2col) into cols, z = patches · w ([k×outC], k = kh·kw·c), then, when act ≥ 0,
 * biasActivation(act) of the block (bias 0: none) into y. With `keep` the patches go to their own rows of cols
 * (the whole patch matrix, for the weight gradient); without, every block reuses cols' rows from r0 on (one
 * block's worth). Per element the same operations in the same order as im2col, gemm and biasActivation over
 * the whole batch: bit-identical, whatever the blocks or the row range.
 */
export function convForward(
  x: usize, cols: usize, w: usize, z: usize, y: usize, bias: usize, act: i32, alpha: f64,
  c: i32, inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, outC: i32, r0: i32, r1: i32, keep: i32, scratch: usize,
): void {
  const k = kh * kw * c;
  const block = max(MR, (CONV_BLOCK_FLOATS / k) & ~(MR - 1));
  const zRow = <usize>outC << 2;
  // The padded input rows go after what the GEMM uses of the scratch, when they fit in it.
  const gemmBytes = <usize>scratchBytes(block, outC, k);
  const padded = dw == 1 && gemmBytes + (<usize>paddedRowsFloats(c, kh, kw, sw, outW) << 2) <= <usize>scratchBytes(1 << 30, 1 << 30, 1 << 30);
  const pad = (scratch + gemmBytes + 15) & ~(<usize>15);
  if (!keep && dw == 1 && k <= KC && outC <= NC) {
    const pB = scratch;
    const pad2 = (scratch + ((<usize>roundUp(outC, NR) * k) << 2) + MR * NR * 4 + 15) & ~(<usize>15);
    const tile2 = pad2 - MR * NR * 4;
    if (pad2 + (<usize>paddedRowsFloats(c, kh, kw, sw, outW) << 2) <= scratch + <usize>scratchBytes(1 << 30, 1 << 30, 1 << 30)) {
      packBN(w, outC, 0, 0, k, outC, pB);
      convImplicit(x, z, y, bias, act, alpha, c, inH, inW, kh, kw, sh, sw, dh, padTop, padLeft, outH, outW, outC, r0, r1, pB, pad2, tile2);
      return;
    }
  }
  for (let r = r0; r < r1; r += block) {
    const rows = min(block, r1 - r);
    const cp = cols + ((<usize>(keep ? r : r0) * k) << 2);
    if (padded) im2colRowsPadded(x, cp, c, inH, inW, kh, kw, sh, sw, dh, padTop, padLeft, outH, outW, r, rows, pad);
    else im2colRows(x, cp, c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, r, rows);
    const zp = z + <usize>r * zRow;
    gemm(0, 0, rows, outC, k, cp, k, w, outC, zp, outC, 0, scratch);
    if (act >= 0) biasActivation(act, zp, bias, y + <usize>r * zRow, rows, outC, alpha);
  }
}

/**
 * A convolution's input gradient for samples n0 ≤ n < n1 (pointers: the whole batch's): per sample, its rows of
 * dcols = dz · wᵀ over its rows of `cols` (the patches are no longer needed), then its dx ← 0 and col2im while those
 * rows are still in cache, instead of the whole patch-sized product through memory and back. Each row gets gemm's
 * sums over the whole batch (same k, same KC slices), so bit-identical to that GEMM followed by col2im.
 */
export function convBackwardData(
  dz: usize, w: usize, cols: usize, dx: usize, outC: i32, scratch: usize, n0: i32, n1: i32,
  c: i32, inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const p = outH * outW, k = kh * kw * c;
  const inBytes = <usize>(inH * inW * c) << 2;
  for (let s = n0; s < n1; s++) {
    gemm(0, 1, p, k, outC, dz + ((<usize>s * p * outC) << 2), outC, w, outC, cols + ((<usize>s * p * k) << 2), k, 0, scratch);
    memory.fill(dx + <usize>s * inBytes, 0, inBytes);
    col2im(cols, dx, s, s + 1, c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  }
}

/**
 * convForward without a patch matrix (inference, k ≤ KC): per output line, the padded input rows it reads
 * (im2colRowsPadded's), and 4-pixel × 8-filter tiles whose A rows are read from them in patch order (ky, then
 * kw·c contiguous floats). Every output element gets the multiply-adds of gemm's one KC slice in the same order,
 * from zero: bit-identical to im2col + gemm.
 */
function convImplicit(
  x: usize, z: usize, y: usize, bias: usize, act: i32, alpha: f64,
  c: i32, inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, outC: i32, r0: i32, r1: i32, pB: usize, pad: usize, tile: usize,
): void {
  const k = kh * kw * c;
  const kwc = kw * c;
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const span = (outW - 1) * sw + kw;
  const prowBytes = <usize>paddedRowsFloats(c, 1, kw, sw, outW) << 2;
  const left = min(span, padLeft);
  const valid = max(0, min(inW, span - padLeft));
  const right = span - left - valid;
  const stepBytes = <usize>(sw * c) << 2;
  const zRow = <usize>outC << 2;
  const p = outH * outW;
  let s = r0 / p;
  const q = r0 - s * p;
  let oy = q / outW;
  let ox = q - oy * outW;
  let r = r0;
  while (r < r1) {
    const xs = x + <usize>s * inBytes;
    const y0 = oy * sh - padTop;
    fillPaddedRows(pad, prowBytes, xs, rowBytes, y0, kh, dh, inH, span, left, valid, right, c);
    const oxEnd = min(outW, ox + (r1 - r));
    const line = oxEnd - ox;
    const zLine = z + <usize>r * zRow;
    for (let t = 0; t < line; t += MR) {
      const mr = min(MR, line - t);
      const a0 = pad + <usize>(ox + t) * stepBytes;
      const a1 = pad + <usize>(ox + t + min(1, mr - 1)) * stepBytes;
      const a2 = pad + <usize>(ox + t + min(2, mr - 1)) * stepBytes;
      const a3 = pad + <usize>(ox + t + min(3, mr - 1)) * stepBytes;
      for (let jr = 0; jr < outC; jr += NR) {
        microImplicit(kh, kwc, prowBytes, a0, a1, a2, a3, pB + ((<usize>jr * k) << 2), zLine + <usize>t * zRow + (<usize>jr << 2), outC, mr, min(NR, outC - jr), tile);
      }
    }
    if (act >= 0) biasActivation(act, zLine, bias, y + <usize>r * zRow, line, outC, alpha);
    r += line;
    ox = oxEnd;
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        s++;
      }
    }
  }
}

/** Like microDirect, A's four rows at a0…a3 in kh segments of kwc floats, prowBytes apart; C overwritten. */
function microImplicit(
  kh: i32, kwc: i32, prowBytes: usize, a0: usize, a1: usize, a2: usize, a3: usize,
  bp: usize, cp: usize, ldc: i32, mr: i32, nr: i32, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const segBytes = <usize>kwc << 2;
  for (let ky = 0; ky < kh; ky++) {
    const off = <usize>ky * prowBytes;
    let p0 = a0 + off;
    const d1 = a1 - a0, d2 = a2 - a0, d3 = a3 - a0;
    const end = p0 + segBytes;
    while (p0 < end) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      let v = v128.load32_splat(p0);
      c00 = madd(v, b0, c00); c01 = madd(v, b1, c01);
      v = v128.load32_splat(p0 + d1);
      c10 = madd(v, b0, c10); c11 = madd(v, b1, c11);
      v = v128.load32_splat(p0 + d2);
      c20 = madd(v, b0, c20); c21 = madd(v, b1, c21);
      v = v128.load32_splat(p0 + d3);
      c30 = madd(v, b0, c30); c31 = madd(v, b1, c31);
      p0 += 4;
      bp += 32;
    }
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cp, ldc, true, mr, nr, tile, false, 0);
}

@inline export function roundUp(x: i32, q: i32): i32 {
  return (x + q - 1) / q * q;
}

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** C tile (4×8 at cp, row stride ldc floats) (+)= A panel [kc][4] · B panel [kc][8]; with `epi`, the epilogue
 *  (setEpilogue) applied on the way out, bias at `bias` (0: none) for the tile's first column. */
export function micro(kc: i32, ap: usize, bp: usize, cp: usize, ldc: i32, overwrite: bool, mr: i32, nr: i32, tile: usize, epi: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = ap + (<usize>kc << 4);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    ap += 16;
    bp += 32;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cp, ldc, overwrite, mr, nr, tile, epi, bias);
}

/** Like micro, for a full 4-row block of op(A) = Aᵀ read in place: at each k four contiguous floats, lda apart. */
function microStrided(kc: i32, ap: usize, lda: i32, bp: usize, cp: usize, ldc: i32, overwrite: bool, nr: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const ld = <usize>lda << 2;
  const end = bp + (<usize>kc << 5);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    ap += ld;
    bp += 32;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cp, ldc, overwrite, MR, nr, tile, false, 0);
}

/** microStrided with B's rows read in place too (ldb floats apart): a full 4×8 tile. A loop of its own: one
 *  microStrided with a runtime B stride measured 3–5 % slower on the packed panels (min of 300). */
function microStridedB(kc: i32, ap: usize, lda: i32, bp: usize, ldb: i32, cp: usize, ldc: i32, overwrite: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const ld = <usize>lda << 2, lb = <usize>ldb << 2;
  const end = ap + <usize>kc * ld;
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    ap += ld;
    bp += lb;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cp, ldc, overwrite, MR, NR, 0, false, 0);
}

/** Like micro, for a full 4-row block of A read in place (rows at a, a + lda floats, …). */
export function microDirect(kc: i32, a: usize, lda: i32, bp: usize, cp: usize, ldc: i32, overwrite: bool, nr: i32, tile: usize, epi: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const ld = <usize>lda << 2;
  let a0 = a;
  const a1 = ld, a2 = ld * 2, a3 = ld * 3;
  const end = a + (<usize>kc << 2);
  while (a0 < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a0 + a1);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a0 + a2);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a0 + a3);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a0 += 4;
    bp += 32;
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, cp, ldc, overwrite, MR, nr, tile, epi, bias);
}

// The epilogue gemmPacked turns on for its last KC slice (each thread its own instance, so its own globals): the
// sums z (+ bias) stay in C, and y = act(z) (linear, relu or relu6) goes yDelta bytes after C (0: y is C).
let epiAct: i32 = LINEAR;
let epiYDelta: usize = 0;

/** Sets the epilogue's activation (LINEAR, RELU or RELU6) and where y is relative to C. */
export function setEpilogue(act: i32, yDelta: usize): void {
  epiAct = act;
  epiYDelta = yDelta;
}

/** C tile at cp (+)= the accumulators; only the top-left mr×nr part when the tile is on an edge. With `epi`: plus
 *  the bias (at `bias`, when not 0), then the activation into y (see setEpilogue): the same float32 operations as
 *  biasActivation after the GEMM, so bit-identical to it. */
@inline function storeTile(
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  cp: usize, ldc: i32, overwrite: bool, mr: i32, nr: i32, tile: usize, epi: bool, bias: usize,
): void {
  const ld = <usize>ldc << 2;
  if (mr == MR && nr == NR) {
    let r0 = cp, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
    if (!overwrite) {
      c00 = f32x4.add(c00, v128.load(r0)); c01 = f32x4.add(c01, v128.load(r0, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    if (epi) {
      if (bias != 0) {
        const b0 = v128.load(bias), b1 = v128.load(bias, 16);
        c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
        c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
        c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
        c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
      }
      if (epiYDelta != 0) {
        v128.store(r0, c00); v128.store(r0, c01, 16);
        v128.store(r1, c10); v128.store(r1, c11, 16);
        v128.store(r2, c20); v128.store(r2, c21, 16);
        v128.store(r3, c30); v128.store(r3, c31, 16);
        r0 += epiYDelta; r1 += epiYDelta; r2 += epiYDelta; r3 += epiYDelta;
      }
      if (epiAct != LINEAR) {
        c00 = storeActivation4(epiAct, c00); c01 = storeActivation4(epiAct, c01);
        c10 = storeActivation4(epiAct, c10); c11 = storeActivation4(epiAct, c11);
        c20 = storeActivation4(epiAct, c20); c21 = storeActivation4(epiAct, c21);
        c30 = storeActivation4(epiAct, c30); c31 = storeActivation4(epiAct, c31);
      }
    }
    v128.store(r0, c00); v128.store(r0, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    return;
  }
  // Edge tile: spill the 4×8 sums and store the valid mr×nr part.
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < mr; r++) {
    const src = tile + (<usize>r << 5);
    const dst = cp + <usize>r * ld;
    for (let t = 0; t < nr; t++) {
      const o = <usize>t << 2;
      let v = load<f32>(src + o);
      if (!overwrite) v = load<f32>(dst + o) + v;
      if (epi) {
        if (bias != 0) v += load<f32>(bias + o);
        if (epiYDelta != 0) store<f32>(dst + o, v);
        store<f32>(dst + epiYDelta + o, storeActivation1(epiAct, v));
        continue;
      }
      store<f32>(dst + o, v);
    }
  }
}

/** Transposes the 4×4 block whose rows start at s0…s3 into four rows at d, d + ds, d + 2ds, d + 3ds. */
@inline function transpose4(s0: usize, s1: usize, s2: usize, s3: usize, d: usize, ds: usize): void {
  const r0 = v128.load(s0), r1 = v128.load(s1), r2 = v128.load(s2), r3 = v128.load(s3);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/** op(A) = A [m×k]: rows ic…ic+mc, columns pc…pc+kc → panels [kc][4], zero rows past mc. */
export function packAN(a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const ld = <usize>lda << 2;
  const k4 = kc & ~3;
  for (let ir = 0; ir < mc; ir += MR) {
    const s0 = a + ((<usize>(ic + ir) * lda + pc) << 2);
    if (ir + MR <= mc) {
      const s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
      let p = 0;
      for (; p < k4; p += 4) {
        const o = <usize>p << 2;
        transpose4(s0 + o, s1 + o, s2 + o, s3 + o, dst, 16);
        dst += 64;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(dst, load<f32>(s0 + o));
        store<f32>(dst, load<f32>(s1 + o), 4);
        store<f32>(dst, load<f32>(s2 + o), 8);
        store<f32>(dst, load<f32>(s3 + o), 12);
        dst += 16;
      }
    } else {
      const rows = mc - ir;
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(s0 + <usize>r * ld + o) : 0);
        dst += 16;
      }
    }
  }
}

/** op(A) = Aᵀ, A stored [k×m]: four rows of op(A) at one p are four contiguous floats. */
function packAT(a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const ld = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    let s = a + ((<usize>pc * lda + ic + ir) << 2);
    if (ir + MR <= mc) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        s += ld;
        dst += 16;
      }
    } else {
      const rows = mc - ir;
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(s + (<usize>r << 2)) : 0);
        s += ld;
        dst += 16;
      }
    }
  }
}

/** op(B) = B [k×n]: rows pc…pc+kc, columns jc…jc+nc → panels [kc][8], zero columns past nc. */
export function packBN(b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  const ld = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    let s = b + ((<usize>pc * ldb + jc + jr) << 2);
    if (jr + NR <= nc) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s));
        v128.store(dst, v128.load(s, 16), 16);
        s += ld;
        dst += 32;
      }
    } else {
      const cols = nc - jr;
      for (let p = 0; p < kc; p++) {
        for (let t = 0; t < NR; t++) store<f32>(dst + (<usize>t << 2), t < cols ? load<f32>(s + (<usize>t << 2)) : 0);
        s += ld;
        dst += 32;
      }
    }
  }
}

/** op(B) = Bᵀ, B stored [n×k]: column j of op(B) is row j of B; 4×4 transposes build the panel rows. */
function packBT(b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  const ld = <usize>ldb << 2;
  const k4 = kc & ~3;
  for (let jr = 0; jr < nc; jr += NR) {
    const s0 = b + ((<usize>(jc + jr) * ldb + pc) << 2);
    if (jr + NR <= nc) {
      const s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld, s4 = s3 + ld, s5 = s4 + ld, s6 = s5 + ld, s7 = s6 + ld;
      let p = 0;
      for (; p < k4; p += 4) {
        const o = <usize>p << 2;
        transpose4(s0 + o, s1 + o, s2 + o, s3 + o, dst, 32);
        transpose4(s4 + o, s5 + o, s6 + o, s7 + o, dst + 16, 32);
        dst += 128;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        store<f32>(dst, load<f32>(s0 + o));
        store<f32>(dst, load<f32>(s1 + o), 4);
        store<f32>(dst, load<f32>(s2 + o), 8);
        store<f32>(dst, load<f32>(s3 + o), 12);
        store<f32>(dst, load<f32>(s4 + o), 16);
        store<f32>(dst, load<f32>(s5 + o), 20);
        store<f32>(dst, load<f32>(s6 + o), 24);
        store<f32>(dst, load<f32>(s7 + o), 28);
        dst += 32;
      }
    } else {
      const cols = nc - jr;
      for (let p = 0; p < kc; p++) {
        const o = <usize>p << 2;
        for (let t = 0; t < NR; t++) store<f32>(dst + (<usize>t << 2), t < cols ? load<f32>(s0 + <usize>t * ld + o) : 0);
        dst += 32;
      }
    }
  }
}
