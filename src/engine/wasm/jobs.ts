// The jobs a backend (./backend) runs on its own thread or hands to the kernel threads (./threadPool): a
// convolution's forward pass by output rows, and a per-sample kernel by samples. Here, not in either of them, so
// that both import it and the backend alone imports the pool.
import { NO_ACTIVATION, type KernelExports } from './abi';

/** The module's kernels that compute samples n0 ≤ n < n1 of a batch independently (pointers: the whole batch's). */
export const SAMPLE_KERNELS = ['maxPoolForward', 'avgPool', 'depthwiseForward', 'winogradInput', 'winogradOutput', 'im2colSamples', 'winogradOutputGrad', 'col2im', 'maxPoolBackward', 'convBackwardData', 'addArrays', 'copyColumns', 'zeroPad', 'winogradFilterGrad'] as const satisfies readonly (keyof KernelExports)[];
export type SampleKernel = (typeof SAMPLE_KERNELS)[number];
/** Those exports: c first in the window, then inH … outW. */
export type SampleExports = Pick<KernelExports, SampleKernel>;

/** addArrays' unit of work as a per-sample job: a block of this many floats counts as one "sample". */
export const ADD_BLOCK = 4096;

/** A per-sample job: up to four byte offsets (0: none), an integer argument, the batch and the window. */
export interface SamplesJob {
  readonly kernel: SampleKernel;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** convBackwardData's dx. */
  readonly d?: number;
  /** avgPool: back | countPad << 1; convBackwardData: outC; addArrays: the floats (batch: ADD_BLOCK blocks of them);
   *  copyColumns: into (its window: c, width, at; batch: rows); zeroPad: crop; depthwiseForward: the depth multiplier (its `batch` counts output rows, not samples); winograd*: the rows of each transformed plane (their stride); maxPoolForward: unused. */
  readonly extra: number;
  readonly batch: number;
  /** c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, padBottom, padRight (SAMPLE_GEOMETRY numbers). */
  readonly geometry: ArrayLike<number>;
  /** depthwiseForward's epilogue: bias (0: none), an ACTIVATION_CODES value (not softmax) or NO_ACTIVATION, alpha. */
  readonly epilogue?: SamplesEpilogue;
}

export interface SamplesEpilogue {
  readonly bias: number;
  readonly act: number;
  readonly alpha: number;
}
/** How many numbers a per-sample job's geometry has. */
export const SAMPLE_GEOMETRY = 15;

/** Runs samples n0…n1 of a job with the kernel numbered `kernel` (SAMPLE_KERNELS' index); g[o…o+15) the window;
 *  `scratch`: the running thread's GEMM packing scratch. */
export function runSamples(
  k: SampleExports, kernel: number, a: number, b: number, c: number, d: number, extra: number, n0: number, n1: number, g: ArrayLike<number>, o: number,
  scratch: number, epilogue?: SamplesEpilogue,
): void {
  const ch = g[o]!, inH = g[o + 1]!, inW = g[o + 2]!, kh = g[o + 3]!, kw = g[o + 4]!, sh = g[o + 5]!, sw = g[o + 6]!;
  const dh = g[o + 7]!, dw = g[o + 8]!, padTop = g[o + 9]!, padLeft = g[o + 10]!, outH = g[o + 11]!, outW = g[o + 12]!;
  if (kernel === 0) k.maxPoolForward(a, b, c, n0, n1, ch, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  else if (kernel === 1) k.avgPool(a, b, extra, n0, n1, ch, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, g[o + 13]!, g[o + 14]!);
  else if (kernel === 2) k.depthwiseForward(a, b, c, n0, n1, ch, extra, epilogue?.bias ?? 0, epilogue?.act ?? NO_ACTIVATION, epilogue?.alpha ?? 0, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  // Winograd: c is the channels of the tiles (the output transform's: its filters), padTop and padLeft the offset.
  else if (kernel === 3) k.winogradInput(a, b, extra, n0, n1, ch, inH, inW, padTop, padLeft, outH, outW);
  else if (kernel === 4) k.winogradOutput(a, b, extra, n0, n1, ch, outH, outW);
  else if (kernel === 5) k.im2colSamples(a, b, n0, n1, ch, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  else if (kernel === 6) k.winogradOutputGrad(a, b, extra, n0, n1, ch, outH, outW);
  else if (kernel === 7) k.col2im(a, b, n0, n1, ch, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  else if (kernel === 8) k.maxPoolBackward(a, b, c, n0, n1, outH * outW * ch, inH * inW * ch);
  else if (kernel === 9) k.convBackwardData(a, b, c, d, extra, scratch, n0, n1, ch, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
  else if (kernel === 10) k.addArrays(a, b, c, n0 * ADD_BLOCK, Math.min(n1 * ADD_BLOCK, extra));
  // copyColumns: c, width and at in the window's first three numbers.
  else if (kernel === 11) k.copyColumns(a, b, n0, n1, ch, inH, inW, extra);
  else if (kernel === 12) k.zeroPad(a, b, n0, n1, ch, inH, inW, padTop, padLeft, outH, outW, extra);
  // winogradFilterGrad: its "samples" are the input channels (c: the window's first number), extra the filters.
  else if (kernel === 13) k.winogradFilterGrad(a, b, n0, n1, ch, extra);
  else throw new Error(`no per-sample kernel ${kernel}`);
}

/** A convolution forward job: byte offsets of the operands, the window, and what to apply per block. */
export interface ConvJob {
  readonly x: number;
  readonly cols: number;
  readonly w: number;
  readonly z: number;
  readonly y: number;
  /** 0: none. */
  readonly bias: number;
  /** An ACTIVATION_CODES value (./abi), or NO_ACTIVATION. */
  readonly act: number;
  readonly alpha: number;
  readonly keep: boolean;
  /** c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW. */
  readonly geometry: readonly number[];
  /** Output rows (batch · outH · outW), outC and the patch length kh · kw · c. */
  readonly rows: number;
  readonly outC: number;
  readonly k: number;
}

/** A GEMM on packed weights (the module's gemmPacked over all of C): byte offsets, sizes, the epilogue. */
export interface PackedGemmJob {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: number;
  readonly lda: number;
  /** B [k×n] as packB packed it. */
  readonly packed: number;
  readonly c: number;
  readonly ldc: number;
  /** Where act(C + bias) goes (may be c). */
  readonly y: number;
  /** 0: none. */
  readonly bias: number;
  /** An ACTIVATION_CODES value other than softmax, or NO_ACTIVATION for the product alone. */
  readonly act: number;
  readonly alpha: number;
}
