// A convolution's forward pass as one kernel: the batch's patches (im2col), their GEMM with the kernel and the
// bias + activation. The JavaScript reference composes the separate kernels; the WebAssembly one (./wasmOps)
// fuses them block by block over output rows and splits the rows over the GEMM threads.
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
// The kernels it composes are named by their own files, not by ./index's Kernels: ./index imports this file.
import type { addBias, biasActivationForward } from './elementwise';
import type { gemm } from './gemm';
import type { col2im, im2col } from './im2col';

/** What follows the GEMM: z += bias when given, then y ← act(z) (for 'linear', y must be z). */
export interface ConvEpilogue {
  readonly act: ActivationName;
  readonly bias: Float32Array | undefined;
  readonly y: Float32Array;
  readonly alpha: number;
}

/**
 * z [batch·outH·outW × outC] = patches(x) · w ([kh·kw·c × outC]), then the epilogue when given. `cols` holds
 * batch·outH·outW × kh·kw·c floats; with `keepCols` it holds the whole patch matrix afterwards (the weight
 * gradient needs it), else its contents are unspecified (an implementation may use only part of it as scratch).
 * With `groups` > 1, w is [kh·kw·c/groups × outC] and output channels j·outC/groups… read input channels
 * j·c/groups… only: the patches are im2col's grouped layout, group j's GEMM takes its column blocks of the
 * patches, w and z (leading dimensions k, outC, outC).
 */
export type ConvForward = (
  x: Float32Array, g: Window2d, c: number, w: Float32Array, outC: number, z: Float32Array,
  cols: Float32Array, batch: number, keepCols: boolean, epilogue: ConvEpilogue | undefined, groups?: number,
) => void;

/** The separate kernels a convolution's forward pass is made of (a Kernels has them). */
export interface ConvParts {
  readonly im2col: typeof im2col;
  readonly gemm: typeof gemm;
  readonly addBias: typeof addBias;
  readonly biasActivationForward: typeof biasActivationForward;
}

/** The forward pass from separate kernels (the reference, and the WebAssembly kernels' fallback). */
export function composeConvForward(kr: ConvParts): ConvForward {
  return (x, g, c, w, outC, z, cols, batch, _keepCols, epilogue, groups = 1) => {
    const rows = batch * g.outH * g.outW;
    const k = g.kh * g.kw * c;
    kr.im2col(x, 0, g, c, cols, 0, batch, groups);
    if (groups === 1) kr.gemm(false, false, rows, outC, k, cols, 0, w, 0, z, 0, false);
    else groupedGemms(kr.gemm, rows, outC, k, cols, w, z, groups);
    if (!epilogue) return;
    if (epilogue.act === 'linear') {
      if (epilogue.bias) kr.addBias(z, epilogue.bias, rows, outC);
    } else kr.biasActivationForward(epilogue.act, z, epilogue.bias, epilogue.y, rows, outC, epilogue.alpha);
  };
}

/**
 * dx [batch·inH·inW × c] of a convolution (ungrouped) from dz [batch·outH·outW × outC] and w [kh·kw·c × outC]:
 * dcols = dz · wᵀ over `cols` (the patches are overwritten), then dx ← 0 and dcols scattered back (col2im).
 */
export type ConvBackwardData = (
  dz: Float32Array, w: Float32Array, outC: number, cols: Float32Array, dx: Float32Array, batch: number, g: Window2d, c: number,
) => void;

/** The input gradient from separate kernels (the reference, and the WebAssembly kernels' fallback). */
export function composeConvBackwardData(kr: { readonly gemm: typeof gemm; readonly col2im: typeof col2im }): ConvBackwardData {
  return (dz, w, outC, cols, dx, batch, g, c) => {
    const rows = batch * g.outH * g.outW;
    kr.gemm(false, true, rows, g.kh * g.kw * c, outC, dz, 0, w, 0, cols, 0, false);
    dx.fill(0, 0, batch * g.inH * g.inW * c);
    kr.col2im(cols, g, c, dx, 0, 0, batch);
  };
}

/** z's column block j = patches' column block j · w's column block j, for each group j (see ConvForward). */
export function groupedGemms(gemm: ConvParts['gemm'], rows: number, outC: number, k: number, cols: Float32Array, w: Float32Array, z: Float32Array, groups: number): void {
  const kg = k / groups, fg = outC / groups;
  for (let j = 0; j < groups; j++) gemm(false, false, rows, fg, kg, cols, j * kg, w, j * fg, z, j * fg, false, k, outC, outC);
}
