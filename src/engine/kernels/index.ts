// The hot loops behind one small interface, so a WebAssembly SIMD implementation can replace the
// JavaScript one (setKernels) without touching the layers, which call getKernels() on every pass.
import { HeapArena, type Arena } from '../arena';
import { batchNormBackward, batchNormForward, batchNormInputBackward } from './batchNorm';
import { composeConvBackwardData, composeConvForward, type ConvBackwardData, type ConvForward } from './conv';
import { col2im, im2col } from './im2col';
import { depthwiseBackward, depthwiseForward, depthwiseInputBackward } from './depthwise';
import { activationBackward, activationForward, addBias, biasActivationBackward, biasActivationForward, dropoutMask, multiply, sumRows } from './elementwise';
import { gemm } from './gemm';
import { accumulate, addArrays, copyColumnsFrom, copyColumnsInto } from './merge';
import { cropPadding, zeroPad } from './pad';
import { gemmPacked, packWeights } from './packedWeights';
import { applyUpdate, sumSquares } from './optimizer';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from './pooling';
import { softmaxCrossEntropy } from './softmaxLoss';
import { winogradFilter, winogradFilterGrad, winogradInput, winogradOutput, winogradOutputGrad } from './winograd';

export interface Kernels {
  readonly name: string;
  /** A new arena of the kind these kernels work on in place (a network's or a standalone layer's memory). */
  createArena(): Arena;
  readonly gemm: typeof gemm;
  /** A layer's weights packed once for gemmPacked, and the product on them with bias + activation (./packedWeights). */
  readonly packWeights: typeof packWeights;
  readonly gemmPacked: typeof gemmPacked;
  readonly im2col: typeof im2col;
  readonly col2im: typeof col2im;
  /** im2col + GEMM + bias and activation of a convolution's forward pass (see ./conv). */
  readonly convForward: ConvForward;
  /** A convolution's input gradient: GEMM with the kernel, then col2im (see ./conv). */
  readonly convBackwardData: ConvBackwardData;
  /** Winograd F(2×2, 3×3)'s input, output and filter transforms (see ./winograd). */
  readonly winogradInput: typeof winogradInput;
  readonly winogradOutput: typeof winogradOutput;
  readonly winogradFilter: typeof winogradFilter;
  /** The adjoint of winogradOutput, for the weight gradient. */
  readonly winogradOutputGrad: typeof winogradOutputGrad;
  /** The adjoint of winogradFilter, the weight gradient's last step. */
  readonly winogradFilterGrad: typeof winogradFilterGrad;
  readonly depthwiseForward: typeof depthwiseForward;
  readonly depthwiseBackward: typeof depthwiseBackward;
  /** dx without the kernel gradient (a frozen layer); JavaScript under every implementation. */
  readonly depthwiseInputBackward: typeof depthwiseInputBackward;
  readonly maxPoolForward: typeof maxPoolForward;
  readonly maxPoolBackward: typeof maxPoolBackward;
  readonly avgPoolForward: typeof avgPoolForward;
  readonly avgPoolBackward: typeof avgPoolBackward;
  readonly activationForward: typeof activationForward;
  readonly activationBackward: typeof activationBackward;
  readonly addBias: typeof addBias;
  readonly sumRows: typeof sumRows;
  readonly biasActivationForward: typeof biasActivationForward;
  readonly biasActivationBackward: typeof biasActivationBackward;
  readonly sumSquares: typeof sumSquares;
  readonly applyUpdate: typeof applyUpdate;
  readonly batchNormForward: typeof batchNormForward;
  readonly batchNormBackward: typeof batchNormBackward;
  /** dx of a frozen batch norm (inference statistics, no γ/β gradient); JavaScript under every implementation. */
  readonly batchNormInputBackward: typeof batchNormInputBackward;
  /** out ← a · b elementwise (dropout's mask). */
  readonly multiply: typeof multiply;
  /** Dropout's mask from the generator (see ./elementwise). */
  readonly dropoutMask: typeof dropoutMask;
  /** The fused softmax cross-entropy's loss and dLogits (see ./softmaxLoss). */
  readonly softmaxCrossEntropy: typeof softmaxCrossEntropy;
  /** The merge layers' and the gradient sums' elementwise adds and channel copies (see ./merge). */
  readonly addArrays: typeof addArrays;
  readonly accumulate: typeof accumulate;
  readonly copyColumnsInto: typeof copyColumnsInto;
  readonly copyColumnsFrom: typeof copyColumnsFrom;
  /** zeroPadding2d and its gradient's crop (see ./pad). */
  readonly zeroPad: typeof zeroPad;
  readonly cropPadding: typeof cropPadding;
}

export const jsKernels: Kernels = {
  name: 'js',
  createArena: () => new HeapArena(),
  gemm,
  packWeights,
  gemmPacked,
  im2col,
  col2im,
  convForward: composeConvForward({ im2col, gemm, addBias, biasActivationForward }),
  convBackwardData: composeConvBackwardData({ gemm, col2im }),
  winogradInput,
  winogradOutput,
  winogradFilter,
  winogradOutputGrad,
  winogradFilterGrad,
  depthwiseForward,
  depthwiseBackward,
  depthwiseInputBackward,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  activationForward,
  activationBackward,
  addBias,
  sumRows,
  biasActivationForward,
  biasActivationBackward,
  sumSquares,
  applyUpdate,
  batchNormForward,
  batchNormBackward,
  batchNormInputBackward,
  multiply,
  dropoutMask,
  softmaxCrossEntropy,
  addArrays,
  accumulate,
  copyColumnsInto,
  copyColumnsFrom,
  zeroPad,
  cropPadding,
};

let current: Kernels = jsKernels;

export function getKernels(): Kernels {
  return current;
}

/** Swaps the implementation for every layer; pass jsKernels to restore the default. */
export function setKernels(kernels: Kernels): void {
  current = kernels;
}
