// Which convolutions the engine runs by Winograd's F(2×2, 3×3) instead of im2col + GEMM, and the workspaces that
// takes. Here, beside the conv2d definition, because the buffer plan (and so the memory estimate) is made from the
// layer definitions: the plan is the single source of truth, the engine's conv layer uses Winograd exactly when
// its plan has the Winograd workspace. F(2×2, 3×3): each 2×2 output tile is 16 products of transformed 4×4 input
// tiles and transformed filters (16 GEMMs of [tiles × inC] · [inC × outC]) instead of 36: 2.25× fewer multiply-adds,
// plus the transforms. The rule below is measured (bench/winograd.ts; bench/RESULTS.md).
import type { Window2d } from '../geometry';

/** Transform elements of F(2×2, 3×3): 4×4 tiles. */
export const WINOGRAD_ELEMENTS = 16;

/**
 * The measured rule (wasm-relaxed-simd, 2 threads; `npx tsx bench/winograd.ts`, figures in bench/RESULTS.md):
 * Winograd beats im2col + GEMM from 8 channels on both sides (inference 1.2–1.6× at 8, 1.5–3× from 32; a first
 * layer's 3 input channels lose, 0.7×) and from a 2×2 output (one tile, 16 products instead of 36; a single output
 * position wastes 15 of 16). Training by the same rule: with the weight gradient by Winograd (the forward pass's
 * input tiles kept) and the transformed planes off 4 KiB multiples, a training step of an 8- or 16-channel layer is
 * 1.0–1.5× faster by Winograd (2026-12-08; before both, narrow layers lost 0.6–0.9× and training waited for 32).
 */
export const WINOGRAD_MIN_CHANNELS = 8;
export const WINOGRAD_MIN_OUTPUT_PIXELS = 4;

/** auto: by the rule below; off: never (the direct path); always: every eligible shape (to measure the rule). */
export type WinogradMode = 'auto' | 'off' | 'always';
export const WINOGRAD_MODES: readonly WinogradMode[] = ['auto', 'off', 'always'];
let mode: WinogradMode = 'auto';

export function isWinogradMode(s: string): s is WinogradMode {
  return (WINOGRAD_MODES as readonly string[]).includes(s);
}

/** Sets when networks and layers planned afterwards use Winograd: the differential tests and `cnn bench
 *  --winograd off` compare against the direct path. A plan made before keeps what it had (a network plans on its
 *  first batch, and again only for a larger one). */
export function setWinograd(m: WinogradMode): void {
  mode = m;
}

export function winogradMode(): WinogradMode {
  return mode;
}

/** A 3×3, stride-1, undilated, ungrouped convolution (any padding): the shapes Winograd F(2×2, 3×3) computes. */
export function winogradEligible(w: Window2d | undefined, groups: number): w is Window2d {
  return !!w && groups === 1 && w.kh === 3 && w.kw === 3 && w.sh === 1 && w.sw === 1 && w.dh === 1 && w.dw === 1;
}

/** Whether the engine runs a convolution by Winograd (forward pass, input and weight gradients): the switch, the
 *  shape and the measured rule. */
export function usesWinograd(w: Window2d | undefined, groups: number, inC: number, filters: number): boolean {
  if (mode === 'off' || !winogradEligible(w, groups)) return false;
  if (mode === 'always') return true;
  return Math.min(inC, filters) >= WINOGRAD_MIN_CHANNELS && w.outH * w.outW >= WINOGRAD_MIN_OUTPUT_PIXELS;
}

/** 2×2 output tiles covering an h × w output. */
export function winogradTiles(h: number, w: number): number {
  return Math.ceil(h / 2) * Math.ceil(w / 2);
}

/**
 * Rows of each of the 16 transformed planes [rows × channels] for `tiles` tiles: the first of tiles … tiles + 64
 * whose planes start on the most distinct L1 sets (64-byte lines modulo 4 KiB; all 16 where a row is at most 256
 * bytes, fewer for wider rows, whose steps are coarser). The transforms read or write all 16 planes at once; planes a
 * multiple of 4 KiB apart (a batch of 8,192 tiles of 32 channels is 1 MiB a plane) map to one L1 set, and the input
 * transform ran 2–4× slower for it (measured: VGG-CIFAR's layers, 32 and 64 channels).
 */
export function winogradPlaneRows(tiles: number, channels: number): number {
  let best = tiles, most = 0;
  for (let rows = tiles; rows <= tiles + 64 && most < WINOGRAD_ELEMENTS; rows++) {
    // The 64 sets as two 32-bit masks (called on every transform: nothing allocated).
    let lo = 0, hi = 0, sets = 0;
    for (let e = 0; e < WINOGRAD_ELEMENTS; e++) {
      const set = Math.floor(((e * rows * channels * 4) % 4096) / 64);
      const bit = 1 << (set & 31);
      if (set < 32 ? lo & bit : hi & bit) continue;
      if (set < 32) lo |= bit;
      else hi |= bit;
      sets++;
    }
    if (sets > most) {
      most = sets;
      best = rows;
    }
  }
  return best;
}

/** Floats from one transformed plane to the next (see winogradPlaneRows). */
export function winogradPlaneFloats(tiles: number, channels: number): number {
  return winogradPlaneRows(tiles, channels) * channels;
}

/** Floats of the forward workspace for a batch of n: the transformed input tiles [16][tiles × inC] and the
 *  transformed output tiles [16][tiles × outC]. */
export function winogradForwardFloats(w: Window2d, n: number, inC: number, filters: number): number {
  const tiles = n * winogradTiles(w.outH, w.outW);
  return WINOGRAD_ELEMENTS * (winogradPlaneFloats(tiles, inC) + winogradPlaneFloats(tiles, filters));
}

/** Floats of the input gradient's workspace (dx is a 3×3 convolution of dz): the flipped, transposed filters'
 *  transform [16][outC × inC], dz's tiles [16][tiles × outC] and dx's [16][tiles × inC], tiles over the input. */
export function winogradBackwardFloats(w: Window2d, n: number, inC: number, filters: number): number {
  const tiles = n * winogradTiles(w.inH, w.inW);
  return WINOGRAD_ELEMENTS * (filters * inC + winogradPlaneFloats(tiles, inC) + winogradPlaneFloats(tiles, filters));
}

/** Floats of the weight gradient's workspace (the input's tiles are the forward pass's, kept): the output
 *  gradient's tiles [16][tiles × outC] and the filters' gradient in the transform domain [16][inC × outC]. */
export function winogradWeightGradFloats(w: Window2d, n: number, inC: number, filters: number): number {
  return WINOGRAD_ELEMENTS * (winogradPlaneFloats(n * winogradTiles(w.outH, w.outW), filters) + inC * filters);
}

/** Floats of the transformed filters [16][inC × outC] (kept across passes: inference reuses them). */
export function winogradFilterFloats(inC: number, filters: number): number {
  return WINOGRAD_ELEMENTS * inC * filters;
}
