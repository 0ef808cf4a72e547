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

/**
 * z [m×n] = a [m×k] · B (packed), float64 sums per KC slice meeting z once per slice as ./gemm does (bit-identical
 * to it), then the epilogue's biasActivationForward.
 */
export function gemmPacked(m: number, n: number, k: number, a: Float32Array, packed: Float32Array, z: Float32Array, epilogue?: PackedEpilogue): void {
  checkPacked(packed, k, n);
  if (a.length < m * k || z.length < m * n) throw new RangeError(`gemmPacked: operands shorter than ${m}×${k} and ${m}×${n}`);
  if (epilogue?.act === 'softmax') throw new RangeError('gemmPacked: softmax is a whole-row activation, not an epilogue');
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const o = i * n + j;
      for (let pc = 0; pc < k; pc += GEMM_KC) {
        const end = Math.min(k, pc + GEMM_KC);
        let s = 0;
        for (let p = pc; p < end; p++) s += a[i * k + p]! * packed[packedIndex(p, j, k, n)]!;
        z[o] = pc === 0 ? s : z[o]! + s;
      }
    }
  }
  if (epilogue) biasActivationForward(epilogue.act, z, epilogue.bias, epilogue.y, m, n, epilogue.alpha);
}
