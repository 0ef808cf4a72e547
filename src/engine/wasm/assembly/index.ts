// The kernels module's build entry (scripts/build-wasm.mjs): every kernel it exports, one line per source file.
export { heapBase, relaxed, scratchBytes, gemm, convForward, convBackwardData } from './gemm';
export { packB, gemmPacked } from './packedGemm';
export { im2col, im2colSamples, col2im, groupedPatches } from './im2col';
export { biasActivation, activationBackward, sumRows, multiply, softmaxCrossEntropy, dropoutMask } from './elementwise';
export { depthwiseForward, depthwiseBackward } from './depthwise';
export { maxPoolForward, maxPoolBackward, avgPool } from './pooling';
export { sgdUpdate, momentumUpdate, adamUpdate, rmspropUpdate, sumSquares } from './optimizers';
export { batchNormForward, batchNormBackward } from './batchNorm';
export { winogradInput, winogradOutput, winogradFilter, winogradOutputGrad, winogradFilterGrad } from './winograd';
export { addArrays, copyColumns, zeroPad } from './merge';
