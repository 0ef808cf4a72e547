// Winograd F(2×2, 3×3) convolution, NHWC, the JavaScript reference (the WebAssembly transforms in
// ../wasm/assembly/winograd.ts compute the same values bit for bit). A stride-1, undilated 3×3 convolution is cut
// into 2×2 output tiles; each needs the 4×4 input tile d around it. With Bᵀ, G, Aᵀ of Lavin & Gray (2015):
//   V = Bᵀ d B per tile and channel,  U = G g Gᵀ per filter,  M[e] = V[e] · U[e] for each of the 16 elements e
//   (one GEMM [tiles × c] · [c × k] each),  Y = Aᵀ M A per tile and filter.
// 16 products per 4 outputs instead of 36: 2.25× fewer multiply-adds than the direct convolution, for three cheap
// linear passes. Bᵀ and Aᵀ hold only ±1 and 0, so the input and output transforms are adds in float32 (rounded
// after each, as the WebAssembly SIMD lanes do), and so is G's (its halves are exact).
// The error against the direct convolution comes from the GEMMs over transformed values (up to 4× the input's and
// 2.25× the filters' magnitude): about 1e-6 of the output's scale (test/unit/engine/winograd.test.ts bounds it).
// The input gradient of such a convolution is one too (dz with the flipped, transposed filters and the complementary
// padding 2 − pad, which may be negative: tiles read out-of-range positions as zeros), so it runs here as well.
// The 16 planes of transformed tiles are winogradPlaneFloats apart (not tiles·channels): see model/layers/winograd.ts.
import { winogradPlaneFloats } from '../../model/layers/winograd';
import type { gemm } from './gemm';

/** Elements of a transformed tile (4×4). */
export const WINOGRAD_TILE = 16;

/** A Winograd convolution's geometry: input inH × inW × c, output outH × outW × k, the output's first tile reading
 *  input row −padTop and column −padLeft (either may be negative). */
export interface WinogradShape {
  readonly inH: number;
  readonly inW: number;
  readonly c: number;
  readonly outH: number;
  readonly outW: number;
  readonly k: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Tiles of one sample. */
export function tilesOf(s: WinogradShape): number {
  return Math.ceil(s.outH / 2) * Math.ceil(s.outW / 2);
}

const f = Math.fround;
// Per-call scratch, module-level so that a pass allocates nothing (JavaScript is single-threaded).
const taps = new Int32Array(16);
const tile = new Float64Array(16);
const rows = new Float64Array(8);
const g = new Float64Array(9);
const a = new Float64Array(12);

/**
 * v[vOff + e·P + t·c + ch] ← (Bᵀ d B)[e] of tile t's 4×4 input tile d, channel ch, for `batch` samples of x
 * (T = batch·tiles, t = (sample·tilesH + ty)·tilesW + tx, P = winogradPlaneFloats(T, c)): the 16 matrices [T × c]
 * of the element GEMMs.
 */
export function winogradInput(x: Float32Array, v: Float32Array, vOff: number, batch: number, s: WinogradShape): void {
  const { inH, inW, c, padTop, padLeft } = s;
  const tilesH = Math.ceil(s.outH / 2), tilesW = Math.ceil(s.outW / 2);
  const plane = winogradPlaneFloats(batch * tilesH * tilesW, c);
  const src = taps, d = tile;
  for (let n = 0; n < batch; n++) {
    const xs = n * inH * inW * c;
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        // Where each of the 16 taps reads (−1: outside the image, a zero).
        for (let i = 0; i < 4; i++) {
          const iy = 2 * ty - padTop + i;
          for (let j = 0; j < 4; j++) {
            const ix = 2 * tx - padLeft + j;
            src[4 * i + j] = iy >= 0 && iy < inH && ix >= 0 && ix < inW ? xs + (iy * inW + ix) * c : -1;
          }
        }
        const o = vOff + ((n * tilesH + ty) * tilesW + tx) * c;
        for (let ch = 0; ch < c; ch++) {
          for (let e = 0; e < 16; e++) d[e] = src[e]! >= 0 ? x[src[e]! + ch]! : 0;
          // Rows: t = Bᵀ d.
          for (let j = 0; j < 4; j++) {
            const d0 = d[j]!, d1 = d[4 + j]!, d2 = d[8 + j]!, d3 = d[12 + j]!;
            d[j] = f(d0 - d2); d[4 + j] = f(d1 + d2); d[8 + j] = f(d2 - d1); d[12 + j] = f(d1 - d3);
          }
          // Columns: V = t B.
          for (let i = 0; i < 4; i++) {
            const r = 4 * i;
            const t0 = d[r]!, t1 = d[r + 1]!, t2 = d[r + 2]!, t3 = d[r + 3]!;
            const p = o + ch + r * plane;
            v[p] = t0 - t2; v[p + plane] = t1 + t2; v[p + 2 * plane] = t2 - t1; v[p + 3 * plane] = t1 - t3;
          }
        }
      }
    }
  }
}

/**
 * z [batch × outH × outW × k] ← Aᵀ M A of every tile, M[e] = m[mOff + e·P + t·k …] (the element GEMMs' outputs, P =
 * winogradPlaneFloats(T, k));
 * the positions of a partial edge tile beyond the output are dropped.
 */
export function winogradOutput(m: Float32Array, mOff: number, z: Float32Array, batch: number, s: WinogradShape): void {
  const { outH, outW, k } = s;
  const tilesH = Math.ceil(outH / 2), tilesW = Math.ceil(outW / 2);
  const plane = winogradPlaneFloats(batch * tilesH * tilesW, k);
  for (let n = 0; n < batch; n++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const oy = 2 * ty;
      const down = oy + 1 < outH;
      for (let tx = 0; tx < tilesW; tx++) {
        const ox = 2 * tx;
        const right = ox + 1 < outW;
        const src = mOff + ((n * tilesH + ty) * tilesW + tx) * k;
        const dst = ((n * outH + oy) * outW + ox) * k;
        for (let ch = 0; ch < k; ch++) {
          const p = src + ch;
          // Rows: Aᵀ M (2×4), per column j.
          for (let j = 0; j < 4; j++) {
            const m0 = m[p + j * plane]!, m1 = m[p + (4 + j) * plane]!, m2 = m[p + (8 + j) * plane]!, m3 = m[p + (12 + j) * plane]!;
            rows[j] = f(f(m0 + m1) + m2);
            rows[4 + j] = f(f(m1 - m2) - m3);
          }
          const a0 = rows[0]!, a1 = rows[1]!, a2 = rows[2]!, a3 = rows[3]!, b0 = rows[4]!, b1 = rows[5]!, b2 = rows[6]!, b3 = rows[7]!;
          // Columns: (Aᵀ M) A.
          z[dst + ch] = f(a0 + a1) + a2;
          if (right) z[dst + k + ch] = f(a1 - a2) - a3;
          if (down) {
            const below = dst + outW * k;
            z[below + ch] = f(b0 + b1) + b2;
            if (right) z[below + k + ch] = f(b1 - b2) - b3;
          }
        }
      }
    }
  }
}

/**
 * u[uOff + (e·c + ci)·k + co] ← (G g Gᵀ)[e] of the 3×3 filter g = w[·, ·, ci, co] (w: [3, 3, c, k], Keras' layout):
 * the 16 matrices [c × k] of the element GEMMs. `flipped`: of the input gradient's filters instead, w rotated by
 * 180° with inputs and outputs swapped, into [k × c] matrices. In float32 steps, as the WebAssembly kernel (G's
 * halves are exact).
 */
export function winogradFilter(w: Float32Array, u: Float32Array, uOff: number, c: number, k: number, flipped: boolean): void {
  const plane = c * k;
  for (let ci = 0; ci < c; ci++) {
    for (let co = 0; co < k; co++) {
      for (let t = 0; t < 9; t++) g[flipped ? 8 - t : t] = w[t * plane + ci * k + co]!;
      // a = G g (4×3).
      for (let j = 0; j < 3; j++) {
        const g0 = g[j]!, g1 = g[3 + j]!, g2 = g[6 + j]!;
        a[j] = g0; a[3 + j] = 0.5 * f(f(g0 + g1) + g2); a[6 + j] = 0.5 * f(f(g0 - g1) + g2); a[9 + j] = g2;
      }
      // U = a Gᵀ (4×4).
      const o = uOff + (flipped ? co * c + ci : ci * k + co);
      for (let i = 0; i < 4; i++) {
        const a0 = a[3 * i]!, a1 = a[3 * i + 1]!, a2 = a[3 * i + 2]!;
        const p = o + 4 * i * plane;
        u[p] = a0; u[p + plane] = 0.5 * f(f(a0 + a1) + a2); u[p + 2 * plane] = 0.5 * f(f(a0 - a1) + a2); u[p + 3 * plane] = a2;
      }
    }
  }
}

/**
 * dm[dmOff + e·P + t·k + ch] ← (A dY Aᵀ)[e] of tile t's 2×2 output gradient dY (positions beyond the output: 0),
 * the adjoint of winogradOutput: the gradient of the element GEMMs' outputs M. In float32 steps, as the WebAssembly
 * kernel.
 */
export function winogradOutputGrad(dz: Float32Array, dm: Float32Array, dmOff: number, batch: number, s: WinogradShape): void {
  const { outH, outW, k } = s;
  const tilesH = Math.ceil(outH / 2), tilesW = Math.ceil(outW / 2);
  const plane = winogradPlaneFloats(batch * tilesH * tilesW, k);
  for (let n = 0; n < batch; n++) {
    for (let ty = 0; ty < tilesH; ty++) {
      const oy = 2 * ty;
      const down = oy + 1 < outH;
      for (let tx = 0; tx < tilesW; tx++) {
        const ox = 2 * tx;
        const right = ox + 1 < outW;
        const src = ((n * outH + oy) * outW + ox) * k;
        const dst = dmOff + ((n * tilesH + ty) * tilesW + tx) * k;
        for (let ch = 0; ch < k; ch++) {
          const y00 = dz[src + ch]!, y01 = right ? dz[src + k + ch]! : 0;
          const y10 = down ? dz[src + outW * k + ch]! : 0, y11 = down && right ? dz[src + outW * k + k + ch]! : 0;
          // P = A dY (4×2), then dM = P Aᵀ row by row.
          rows[0] = y00; rows[1] = y01;
          rows[2] = f(y00 + y10); rows[3] = f(y01 + y11);
          rows[4] = f(y00 - y10); rows[5] = f(y01 - y11);
          rows[6] = -y10; rows[7] = -y11;
          for (let i = 0; i < 4; i++) {
            const p0 = rows[2 * i]!, p1 = rows[2 * i + 1]!;
            const p = dst + ch + 4 * i * plane;
            dm[p] = p0; dm[p + plane] = p0 + p1; dm[p + 2 * plane] = p0 - p1; dm[p + 3 * plane] = -p1;
          }
        }
      }
    }
  }
}

/**
 * dw[t·c·k + ci·k + co] += (Gᵀ dU G)[t] (t = 3·ky + kx) of the transform-domain gradient dU[e] = du[duOff + (e·c + ci)·k
 * + co]: the adjoint of winogradFilter (w: [3, 3, c, k]). In float32 steps, as the WebAssembly kernel.
 */
export function winogradFilterGrad(du: Float32Array, duOff: number, dw: Float32Array, c: number, k: number): void {
  const plane = c * k;
  for (let ci = 0; ci < c; ci++) {
    for (let co = 0; co < k; co++) {
      const o = duOff + ci * k + co;
      // Q = Gᵀ dU (3×4), column by column.
      for (let j = 0; j < 4; j++) {
        const u0 = du[o + j * plane]!, u1 = du[o + (4 + j) * plane]!, u2 = du[o + (8 + j) * plane]!, u3 = du[o + (12 + j) * plane]!;
        const sum = 0.5 * f(u1 + u2);
        a[j] = f(u0 + sum); a[4 + j] = 0.5 * f(u1 - u2); a[8 + j] = f(sum + u3);
      }
      // dg = Q G (3×3), added to the kernel's gradient.
      const d = ci * k + co;
      for (let i = 0; i < 3; i++) {
        const q0 = a[4 * i]!, q1 = a[4 * i + 1]!, q2 = a[4 * i + 2]!, q3 = a[4 * i + 3]!;
        const sum = 0.5 * f(q1 + q2);
        const r = 3 * i * plane + d;
        dw[r] = dw[r]! + f(q0 + sum);
        dw[r + plane] = dw[r + plane]! + 0.5 * f(q1 - q2);
        dw[r + 2 * plane] = dw[r + 2 * plane]! + f(sum + q3);
      }
    }
  }
}

/** Floats of winogradConv's workspace for a batch: the input tiles [16][T × c] and the output tiles [16][T × k]. */
export function winogradWorkspace(s: WinogradShape, batch: number): number {
  const T = batch * tilesOf(s);
  return WINOGRAD_TILE * (winogradPlaneFloats(T, s.c) + winogradPlaneFloats(T, s.k));
}

/** The kernels a Winograd convolution is made of (a Kernels has them). */
export interface WinogradParts {
  readonly gemm: typeof gemm;
  readonly winogradInput: typeof winogradInput;
  readonly winogradOutput: typeof winogradOutput;
  readonly winogradFilter: typeof winogradFilter;
  readonly winogradOutputGrad: typeof winogradOutputGrad;
  readonly winogradFilterGrad: typeof winogradFilterGrad;
}

/** Floats of winogradWeightGrad's workspace: dM [16][T × k] and dU [16][c × k]. */
export function winogradWeightGradWorkspace(s: WinogradShape, batch: number): number {
  return WINOGRAD_TILE * (winogradPlaneFloats(batch * tilesOf(s), s.k) + s.c * s.k);
}

/**
 * dw [3, 3, c, k] += the gradient of the convolution's filters from its input's tiles V [16][T × c] at v[vOff …] (the
 * forward pass's winogradInput; computed from x here when `x` is given) and its output gradient dz, in the transform
 * domain: dM = A dY Aᵀ, dU[e] = V[e]ᵀ · dM[e] (16 GEMMs over the tiles), dw += Gᵀ dU G. 2.25× fewer multiply-adds
 * than patchesᵀ · dz. Through ws[wsOff …] (winogradWeightGradWorkspace floats).
 */
export function winogradWeightGrad(
  kr: WinogradParts, v: Float32Array, vOff: number, x: Float32Array | undefined, dz: Float32Array, s: WinogradShape, dw: Float32Array,
  ws: Float32Array, wsOff: number, batch: number,
): void {
  const T = batch * tilesOf(s);
  const { c, k } = s;
  const pv = winogradPlaneFloats(T, c), pm = winogradPlaneFloats(T, k);
  const uOff = wsOff + WINOGRAD_TILE * pm;
  if (x) kr.winogradInput(x, v, vOff, batch, s);
  kr.winogradOutputGrad(dz, ws, wsOff, batch, s);
  for (let e = 0; e < WINOGRAD_TILE; e++) kr.gemm(true, false, c, k, T, v, vOff + e * pv, ws, wsOff + e * pm, ws, uOff + e * c * k, false);
  kr.winogradFilterGrad(ws, uOff, dw, c, k);
}

/**
 * out [batch × outH × outW × k] = the 3×3 convolution of x by the filters whose transform is u[uOff …] (see
 * winogradFilter), through ws[wsOff …] (winogradWorkspace floats).
 */
export function winogradConv(
  kr: WinogradParts, x: Float32Array, s: WinogradShape, u: Float32Array, uOff: number, out: Float32Array, ws: Float32Array, wsOff: number, batch: number,
): void {
  const T = batch * tilesOf(s);
  const { c, k } = s;
  const pv = winogradPlaneFloats(T, c), pm = winogradPlaneFloats(T, k);
  const mOff = wsOff + WINOGRAD_TILE * pv;
  kr.winogradInput(x, ws, wsOff, batch, s);
  for (let e = 0; e < WINOGRAD_TILE; e++) kr.gemm(false, false, T, k, c, ws, wsOff + e * pv, u, uOff + e * c * k, ws, mOff + e * pm, false);
  kr.winogradOutput(ws, mOff, out, batch, s);
}
