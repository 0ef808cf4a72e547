// AssemblyScript: a GEMM whose B (a layer's weights, [k×n]) was packed once (packB) instead of on every call, with
// the bias + activation applied as each tile is stored. Inference runs the same weights many times and a batch of
// one makes the GEMM short (49 rows at MobileNetV2's 7×7 stages), so gemm's packing of B and the separate bias +
// activation pass were a fifth of the time (reference: ../../kernels/packedWeights.ts, whose layout this is).
//
// Layout: for each NC-wide column block jb (jb a multiple of NC), for each KC-deep slice pc, gemm's packBN panels
// ([kc][8] per 8 columns, zero-padded); block jb at jb·k floats, its slice pc at roundUp(nc, 8)·pc after that. The
// product runs gemm's loops on those panels, so every element of C gets the same sum in the same order as gemm
// (bit-identical), whatever rows or columns a thread takes.
import { DIRECT_MAX_N, KC, MC, MR, NC, NR, micro, microDirect, packAN, packBN, roundUp, setEpilogue } from './gemm';
import { activatesInStore, biasActivation, LINEAR } from './elementwise';

/** Packs B [k×n] (row stride ldb floats) at dst: roundUp(n, 8) · k floats. */
export function packB(b: usize, ldb: i32, n: i32, k: i32, dst: usize): void {
  for (let jb = 0; jb < n; jb += NC) {
    const nc = min(NC, n - jb);
    const width = roundUp(nc, NR);
    for (let pc = 0; pc < k; pc += KC) {
      packBN(b, ldb, pc, jb, min(KC, k - pc), nc, dst + ((<usize>jb * k + <usize>width * pc) << 2));
    }
  }
}

/**
 * Columns c0…c1 (c0 a multiple of 8) of C [m×n] = A [m×k] · B, B packed by packB at bp; k > 0. Then, when act ≥ 0
 * (an ACTIVATION_CODES value other than softmax), biasActivation's work on those columns: z = C + bias (bias 0:
 * none) stays in C, y = act(z) into y (y may be c; same row stride ldc). relu, relu6 and linear are applied as the
 * tiles are stored; others on each row block right after its last slice. `scratch`: gemm's scratchBytes(m, n, k).
 */
export function gemmPacked(
  m: i32, n: i32, k: i32, a: usize, lda: i32, bp: usize, c: usize, ldc: i32, c0: i32, c1: i32,
  y: usize, bias: usize, act: i32, alpha: f64, scratch: usize,
): void {
  if (m <= 0 || c1 <= c0 || k <= 0) return;
  const pA = scratch;
  const tile = pA + ((<usize>roundUp(min(m, MC), MR) * min(k, KC)) << 2);
  const inTile = activatesInStore(act);
  // act ≥ 0 ⇒ the epilogue on in the last slice; y relative to C (same strides).
  setEpilogue(inTile ? act : LINEAR, y - c);
  const direct = c1 - c0 <= DIRECT_MAX_N;
  for (let jb = c0 - c0 % NC; jb < c1; jb += NC) {
    const nc = min(NC, n - jb);
    const lo = max(c0, jb), hi = min(c1, jb + nc);
    const width = roundUp(nc, NR);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const last = pc + kc == k;
      const epi = last && act >= 0 && inTile;
      const slice = bp + ((<usize>jb * k + <usize>width * pc + <usize>(lo - jb) * kc) << 2);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        // Few columns: full 4-row blocks of A read in place, the rest packed (as gemm does).
        const m4 = direct ? mc & ~3 : 0;
        if (m4 < mc) packAN(a, lda, ic + m4, pc, mc - m4, kc, pA);
        for (let jr = lo; jr < hi; jr += NR) {
          const nr = min(NR, hi - jr);
          const bpp = slice + ((<usize>(jr - lo) * kc) << 2);
          const bj = bias != 0 ? bias + (<usize>jr << 2) : 0;
          for (let ir = 0; ir < m4; ir += MR) {
            microDirect(kc, a + ((<usize>(ic + ir) * lda + pc) << 2), lda, bpp, c + ((<usize>(ic + ir) * ldc + jr) << 2), ldc, pc == 0, nr, tile, epi, bj);
          }
          for (let ir = m4; ir < mc; ir += MR) {
            micro(kc, pA + ((<usize>(ir - m4) * kc) << 2), bpp, c + ((<usize>(ic + ir) * ldc + jr) << 2), ldc, pc == 0, min(MR, mc - ir), nr, tile, epi, bj);
          }
        }
        if (last && act >= 0 && !inTile) {
          for (let r = ic; r < ic + mc; r++) {
            const o = (<usize>r * ldc + lo) << 2;
            biasActivation(act, c + o, bias != 0 ? bias + (<usize>lo << 2) : 0, y + o, 1, hi - lo, alpha);
          }
        }
      }
    }
  }
  setEpilogue(LINEAR, 0);
}
