// How much memory a layer's weights take packed for the engine's GEMM (engine/kernels/packedWeights.ts lays them
// out): here, with the layer definitions, because the buffer plan and so the memory estimate count that buffer.

/** The GEMM's column panel: packed weights are whole panels of 8 columns (assembly/gemm.ts' NR). */
export const PACKED_PANEL = 8;

/** Floats of a [k×n] matrix packed: n rounded up to whole panels, times k. */
export function packedWeightFloats(k: number, n: number): number {
  return Math.ceil(n / PACKED_PANEL) * PACKED_PANEL * k;
}
