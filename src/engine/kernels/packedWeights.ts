// A layer's weights B [k×n] packed once for the GEMM instead of on every call, and the product on them with the
// bias + activation after it (the reference of ../wasm/assembly/packedGemm.ts, which fuses the two). The layout is
// the WebAssembly GEMM's panels, so a buffer packed by either implementation serves both: for each NC-wide column
// block jb, for each KC-deep slice pc, 8-column panels [kc][8] (zero-padded past n); block jb at jb·k floats,
// slice pc at roundUp(nc, 8)·pc after it, the panel of column j at (j − jb − j mod 8)·kc in the slice.
import type { ActivationName } from '../../model/types';
import { packedWeightFloats, PACKED_PANEL } from '../../model/layers/packedWeights';
import { biasActivationForward } from './elementwise';
import { GEMM_KC, GEMM_NC } from './gemm';

/** Index of B[p][j] in the packed layout of a [k×n] matrix. */
export function packedIndex(p: number, j: number, k: number, n: number): number {
  const jb = j - (j % GEMM_NC);
  const width = Math.ceil(Math.min(GEMM_NC, n - jb) / PACKED_PANEL) * PACKED_PANEL;
  const pc = p - (p % GEMM_KC);
  const kc = Math.min(GEMM_KC, k - pc);
  const jr = j - jb;
  return jb * k + width * pc + (jr - (jr % PACKED_PANEL)) * kc + (p - pc) * PACKED_PANEL + (jr % PACKED_PANEL);
}

function checkPacked(packed: Float32Array, k: number, n: number): void {
  const need = packedWeightFloats(k, n);
  if (packed.length < need) throw new RangeError(`packed weights: ${packed.length} floats where ${need} are needed`);
}

/** packed ← B [k×n] (row-major, from index 0) in the layout above. */
export function packWeights(b: Float32Array, k: number, n: number, packed: Float32Array): void {
  checkPacked(packed, k, n);
  if (b.length < k * n) throw new RangeError(`packWeights: ${b.length} floats where ${k * n} are needed`);
  packed.fill(0, 0, packedWeightFloats(k, n));
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) packed[packedIndex(p, j, k, n)] = b[p * n + j]!;
  }
}

/** What gemmPacked applies after the product: z += bias, then y ← act(z) (y may be z; not softmax). */
export interface PackedEpilogue {
  readonly act: ActivationName;
  readonly bias?: Float32Array;
  readonly y: Float32Array;
  readonly alpha: number;
}

/** One panel's 8 sums of a row (module scratch: allocated once, JavaScript is single-threaded). */
const sums = new Float64Array(PACKED_PANEL);

/**
 * z [m×n] = a [m×k] · B (packed), then the epilogue's biasActivationForward. Panel by panel, straight from the
 * packed layout: per element a float64 sum over each KC slice in k order, meeting z once per slice, as ./gemm does
 * (bit-identical to it on the original weights).
 */
export function gemmPacked(m: number, n: number, k: number, a: Float32Array, packed: Float32Array, z: Float32Array, epilogue?: PackedEpilogue): void {
  checkPacked(packed, k, n);
  if (a.length < m * k || z.length < m * n) throw new RangeError(`gemmPacked: operands shorter than ${m}×${k} and ${m}×${n}`);
  if (epilogue?.act === 'softmax') throw new RangeError('gemmPacked: softmax is a whole-row activation, not an epilogue');
  for (let jb = 0; jb < n; jb += GEMM_NC) {
    const nc = Math.min(GEMM_NC, n - jb);
    const width = Math.ceil(nc / PACKED_PANEL) * PACKED_PANEL;
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kc = Math.min(GEMM_KC, k - pc);
      const slice = jb * k + width * pc;
      for (let jr = 0; jr < nc; jr += PACKED_PANEL) {
        const panel = slice + jr * kc;
        const cols = Math.min(PACKED_PANEL, nc - jr);
        for (let i = 0; i < m; i++) {
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
          const ai = i * k + pc;
          for (let p = 0, q = panel; p < kc; p++, q += PACKED_PANEL) {
            const x = a[ai + p]!;
            s0 += x * packed[q]!; s1 += x * packed[q + 1]!; s2 += x * packed[q + 2]!; s3 += x * packed[q + 3]!;
            s4 += x * packed[q + 4]!; s5 += x * packed[q + 5]!; s6 += x * packed[q + 6]!; s7 += x * packed[q + 7]!;
          }
          sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3; sums[4] = s4; sums[5] = s5; sums[6] = s6; sums[7] = s7;
          const o = i * n + jb + jr;
          for (let t = 0; t < cols; t++) z[o + t] = pc === 0 ? sums[t]! : z[o + t]! + sums[t]!;
        }
      }
    }
  }
  if (epilogue) biasActivationForward(epilogue.act, z, epilogue.bias, epilogue.y, m, n, epilogue.alpha);
}
