// The parameter names of our weights (`<layer>.<param>`, docs/weights.md), which the ONNX initializers keep.
export const PARAM = {
  kernel: 'kernel',
  bias: 'bias',
  depthwiseKernel: 'depthwiseKernel',
  pointwiseKernel: 'pointwiseKernel',
  gamma: 'gamma',
  beta: 'beta',
  movingMean: 'movingMean',
  movingVariance: 'movingVariance',
} as const;
