// A layer's weights B [k×n] packed once for the GEMM instead of on every call, and the product on them with the
// bias + activation after it (the reference of ../wasm/assembly/packedGemm.ts, which fuses the two). The layout is
// the WebAssembly GEMM's panels, so a buffer packed by either implementation serves both: for each NC-wide column
// block jb, for each KC-deep slice pc, 8-column panels [kc][8] (zero-padded past n); block jb at jb·k floats,
// slice pc at roundUp(nc, 8)·pc after it, the panel of column j at (j − jb − j mod 8)·kc in the slice.
import type { ActivationName } from '../../model/types';
import { packedWeightFloats, PACKED_PANEL } from '../../model/layers/packedWeights';
import { biasActivationForward } from './elementwise';
import { gemm, GEMM_KC, GEMM_NC } from './gemm';

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

/** B unpacked for the JavaScript product: module scratch, grown on demand and reused (JavaScript is single-threaded). */
let unpacked = new Float32Array(0);

/**
 * z [m×n] = a [m×k] · B (packed), then the epilogue's biasActivationForward: ./gemm on B unpacked (the same values,
 * so bit-identical to gemm on the original weights).
 */
export function gemmPacked(m: number, n: number, k: number, a: Float32Array, packed: Float32Array, z: Float32Array, epilogue?: PackedEpilogue): void {
  checkPacked(packed, k, n);
  if (a.length < m * k || z.length < m * n) throw new RangeError(`gemmPacked: operands shorter than ${m}×${k} and ${m}×${n}`);
  if (epilogue?.act === 'softmax') throw new RangeError('gemmPacked: softmax is a whole-row activation, not an epilogue');
  if (unpacked.length < k * n) unpacked = new Float32Array(k * n);
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) unpacked[p * n + j] = packed[packedIndex(p, j, k, n)]!;
  }
  gemm(false, false, m, n, k, a, 0, unpacked, 0, z, 0, false);
  if (epilogue) biasActivationForward(epilogue.act, z, epilogue.bias, epilogue.y, m, n, epilogue.alpha);
}
