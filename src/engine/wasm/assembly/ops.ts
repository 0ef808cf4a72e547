// Every kernel besides the GEMM, re-exported by the module's build entry (gemm.ts) with one line.
export { im2col, col2im } from './im2col';
export { biasActivation, activationBackward, sumRows, multiply, softmaxCrossEntropy } from './elementwise';
export { depthwiseForward, depthwiseBackward } from './depthwise';
export { maxPoolForward, maxPoolBackward, avgPool } from './pool';
export { sgdUpdate, momentumUpdate, adamUpdate, rmspropUpdate, sumSquares } from './optimizers';
export { batchNormForward, batchNormBackward } from './batchNorm';
