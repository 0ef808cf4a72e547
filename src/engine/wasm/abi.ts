// The kernels module's ABI, declared once: every function ./assembly/index.ts exports, with its signature as
// JavaScript sees it, the activation codes its kernels take, and the load-time check that an instance has them.
// The backend (./backend), the kernel threads (./threadPool) and the non-GEMM kernels (../kernels/wasmOps) all
// take their types from here. test/unit/engine/wasmAbi.test.ts checks every built variant against it both ways
// (a kernel exported but not declared fails, as does one declared but missing), and the codes against the kernels.
import type { ActivationName } from '../../model/types';

/** A byte offset into the module's memory (AssemblyScript usize); 0 means "none" where a pointer is optional. */
type Ptr = number;
/** AssemblyScript i32: counts, sizes, flags (0/1), codes. */
type I32 = number;
/** AssemblyScript f64. */
type F64 = number;
/** A 2-D window after the channel count: inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW. */
export type WindowArgs = [
  inH: I32, inW: I32, kh: I32, kw: I32, sh: I32, sw: I32, dh: I32, dw: I32, padTop: I32, padLeft: I32, outH: I32, outW: I32,
];

/** The module's exports (see ./assembly/*.ts for what each computes); strides in floats. */
export interface KernelExports {
  // gemm.ts
  /** The first byte the module's own data does not use. */
  heapBase(): Ptr;
  /** 1 for the relaxed-SIMD build, 0 for plain SIMD. */
  relaxed(): I32;
  scratchBytes(m: I32, n: I32, k: I32): I32;
  gemm(
    transA: I32, transB: I32, m: I32, n: I32, k: I32,
    a: Ptr, lda: I32, b: Ptr, ldb: I32, c: Ptr, ldc: I32,
    accumulate: I32, scratch: Ptr,
  ): void;
  /** act: an ACTIVATION_CODES value, or NO_ACTIVATION for the GEMM alone. */
  convForward(
    x: Ptr, cols: Ptr, w: Ptr, z: Ptr, y: Ptr, bias: Ptr, act: I32, alpha: F64,
    c: I32, inH: I32, inW: I32, kh: I32, kw: I32, sh: I32, sw: I32, dh: I32, dw: I32,
    padTop: I32, padLeft: I32, outH: I32, outW: I32, outC: I32, r0: I32, r1: I32, keep: I32, scratch: Ptr,
  ): void;
  /** dcols = dz · wᵀ, dx ← 0 and col2im, sample by sample for n0 ≤ n < n1 (pointers: the whole batch's). */
  convBackwardData(dz: Ptr, w: Ptr, cols: Ptr, dx: Ptr, outC: I32, scratch: Ptr, n0: I32, n1: I32, c: I32, ...g: WindowArgs): void;
  // packedGemm.ts
  /** B [k×n] packed once for gemmPacked: roundUp(n, 8)·k floats at dst. */
  packB(b: Ptr, ldb: I32, n: I32, k: I32, dst: Ptr): void;
  /** Columns c0…c1 of C = A·B (B packed), then, when act ≥ 0 (not softmax), C += bias and y = act(C). */
  gemmPacked(
    m: I32, n: I32, k: I32, a: Ptr, lda: I32, bp: Ptr, c: Ptr, ldc: I32, c0: I32, c1: I32,
    y: Ptr, bias: Ptr, act: I32, alpha: F64, scratch: Ptr,
  ): void;
  // im2col.ts
  im2col(x: Ptr, cols: Ptr, batch: I32, c: I32, ...g: WindowArgs): void;
  /** im2col of samples n0 ≤ n < n1 (pointers: the whole batch's). */
  im2colSamples(x: Ptr, cols: Ptr, n0: I32, n1: I32, c: I32, ...g: WindowArgs): void;
  /** col2im of samples n0 ≤ n < n1 (pointers: the whole batch's). */
  col2im(cols: Ptr, dx: Ptr, n0: I32, n1: I32, c: I32, ...g: WindowArgs): void;
  /** A grouped convolution's im2col (back 0: x → cols) or col2im (back 1: dx += cols at x). */
  groupedPatches(x: Ptr, cols: Ptr, back: I32, batch: I32, c: I32, groups: I32, ...g: WindowArgs): void;
  // elementwise.ts
  biasActivation(act: I32, z: Ptr, bias: Ptr, y: Ptr, rows: I32, cols: I32, alpha: F64): void;
  activationBackward(act: I32, z: Ptr, y: Ptr, dy: Ptr, dz: Ptr, rows: I32, cols: I32, alpha: F64, biasGrad: Ptr): void;
  sumRows(x: Ptr, rows: I32, cols: I32, out: Ptr): void;
  multiply(a: Ptr, b: Ptr, out: Ptr, n: I32): void;
  /** state: mulberry32's (as Rng.jump returns it, an unsigned 32-bit value). */
  dropoutMask(mask: Ptr, n: I32, state: I32, keep: F64, scale: F64): void;
  /** labels: int32; returns the loss summed over the n rows. */
  softmaxCrossEntropy(z: Ptr, p: Ptr, labels: Ptr, n: I32, c: I32, d: Ptr): F64;
  // depthwise.ts (forward: output rows r0 ≤ r < r1 of the batch, r = sample · outH + oy)
  /** act ≥ 0: then biasActivation(act) of each output row in place (bias 0: none; not softmax). */
  depthwiseForward(x: Ptr, w: Ptr, y: Ptr, r0: I32, r1: I32, c: I32, mult: I32, bias: Ptr, act: I32, alpha: F64, ...g: WindowArgs): void;
  depthwiseBackward(x: Ptr, w: Ptr, dy: Ptr, dx: Ptr, dw: Ptr, batch: I32, c: I32, mult: I32, ...g: WindowArgs): void;
  // pooling.ts (maxPoolForward, avgPool: samples n0 ≤ n < n1 of the batch)
  maxPoolForward(x: Ptr, y: Ptr, argmax: Ptr, n0: I32, n1: I32, c: I32, ...g: WindowArgs): void;
  /** Samples n0 ≤ n < n1 (pointers: the whole batch's; outPer and inPer floats a sample). */
  maxPoolBackward(dy: Ptr, argmax: Ptr, dx: Ptr, n0: I32, n1: I32, outPer: I32, inPer: I32): void;
  /** mode = back | countPad << 1; back 0: src x → dst y; back 1: src dy → dst dx. */
  avgPool(src: Ptr, dst: Ptr, mode: I32, n0: I32, n1: I32, c: I32, ...g: [...WindowArgs, padBottom: I32, padRight: I32]): void;
  // optimizers.ts
  sgdUpdate(value: Ptr, grad: Ptr, n: I32, scale: F64, l2: F64, lr: F64): void;
  momentumUpdate(value: Ptr, grad: Ptr, velocity: Ptr, n: I32, scale: F64, l2: F64, lr: F64, momentum: F64, nesterov: I32): void;
  adamUpdate(
    value: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: I32, scale: F64, l2: F64,
    alpha: F64, shrink: F64, beta1: F64, oneMinusBeta1: F64, beta2: F64, oneMinusBeta2: F64, epsilon: F64,
  ): void;
  rmspropUpdate(
    value: Ptr, grad: Ptr, s: Ptr, b: Ptr, n: I32, scale: F64, l2: F64,
    lr: F64, rho: F64, oneMinusRho: F64, momentum: F64, epsilon: F64, withMomentum: I32,
  ): void;
  sumSquares(x: Ptr, n: I32): F64;
  // winograd.ts (samples n0 ≤ n < n1 of the batch; total: the rows of each transformed plane, at least the batch's
  // tiles (model/layers/winograd.ts winogradPlaneRows); pads may be negative)
  winogradInput(x: Ptr, v: Ptr, total: I32, n0: I32, n1: I32, c: I32, inH: I32, inW: I32, padTop: I32, padLeft: I32, outH: I32, outW: I32): void;
  winogradOutput(m: Ptr, z: Ptr, total: I32, n0: I32, n1: I32, k: I32, outH: I32, outW: I32): void;
  /** The adjoint of winogradOutput: dz's 2×2 tiles → dm [16][total × k]. */
  winogradOutputGrad(dz: Ptr, dm: Ptr, total: I32, n0: I32, n1: I32, k: I32, outH: I32, outW: I32): void;
  /** flipped: 0, or 1 for the input gradient's filters. */
  winogradFilter(w: Ptr, u: Ptr, c: I32, k: I32, flipped: I32): void;
  /** dw += Gᵀ dU G for input channels ci0 ≤ ci < ci1 (the adjoint of winogradFilter). */
  winogradFilterGrad(du: Ptr, dw: Ptr, ci0: I32, ci1: I32, c: I32, k: I32): void;
  // batchNorm.ts (stats, sums: float64)
  batchNormForward(
    x: Ptr, y: Ptr, stats: Ptr, gamma: Ptr, beta: Ptr, movingMean: Ptr, movingVariance: Ptr,
    size: I32, c: I32, training: I32, momentum: F64, epsilon: F64,
  ): void;
  batchNormBackward(
    x: Ptr, dy: Ptr, dx: Ptr, stats: Ptr, sums: Ptr, gamma: Ptr, gammaGrad: Ptr, betaGrad: Ptr,
    size: I32, c: I32, training: I32,
  ): void;
  // merge.ts (ranges, so that threads split them)
  /** out[i] ← a[i] + b[i] for from ≤ i < to. */
  addArrays(a: Ptr, b: Ptr, out: Ptr, from: I32, to: I32): void;
  /** Rows r0…r1 of x [rows × c] into (into 1) or from (into 0) columns at… of y [rows × width]. */
  copyColumns(x: Ptr, y: Ptr, r0: I32, r1: I32, c: I32, width: I32, at: I32, into: I32): void;
  /** Samples n0…n1: y ← x zero-padded (crop 0), or x ← y's interior (crop 1). */
  zeroPad(x: Ptr, y: Ptr, n0: I32, n1: I32, c: I32, h: I32, w: I32, top: I32, left: I32, outH: I32, outW: I32, crop: I32): void;
}
export type KernelName = keyof KernelExports;
export type GemmFn = KernelExports['gemm'];
export type ConvFn = KernelExports['convForward'];
export type PackedGemmFn = KernelExports['gemmPacked'];

/**
 * Each export's parameter count, which a WebAssembly function reports as its `length`: checked at load time, so
 * a signature that gained or lost a parameter on one side fails there. The type makes the compiler require every
 * declared name, no other, and the count its signature above has.
 */
const ARITY: { readonly [K in KernelName]: Parameters<KernelExports[K]>['length'] } = {
  heapBase: 0, relaxed: 0, scratchBytes: 3, gemm: 13, convForward: 26, convBackwardData: 21, packB: 5, gemmPacked: 15,
  im2col: 16, im2colSamples: 17, col2im: 17, groupedPatches: 18,
  biasActivation: 7, activationBackward: 9, sumRows: 4, multiply: 4, softmaxCrossEntropy: 6, dropoutMask: 5,
  depthwiseForward: 22, depthwiseBackward: 20,
  maxPoolForward: 18, maxPoolBackward: 7, avgPool: 20,
  sgdUpdate: 6, momentumUpdate: 9, adamUpdate: 14, rmspropUpdate: 13, sumSquares: 2,
  batchNormForward: 12, batchNormBackward: 11,
  winogradInput: 12, winogradOutput: 8, winogradFilter: 5, winogradOutputGrad: 8, winogradFilterGrad: 6,
  addArrays: 5, copyColumns: 8, zeroPad: 12,
};

/** Every declared export, in ./assembly/index.ts's order. */
export const KERNEL_NAMES: readonly KernelName[] = Object.keys(ARITY).filter((k): k is KernelName => k in ARITY);

/** What is wrong with `exports` against the declaration: missing names, non-functions, wrong parameter counts. */
export function kernelExportProblems(exports: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const name of KERNEL_NAMES) {
    const f = exports[name];
    if (typeof f !== 'function') problems.push(f === undefined ? `${name} is missing` : `${name} is not a function`);
    else if (f.length !== ARITY[name]) problems.push(`${name} takes ${f.length} parameters, the ABI declares ${ARITY[name]}`);
  }
  return problems;
}

function hasKernelExports(exports: Readonly<Record<string, unknown>>): exports is Readonly<Record<string, unknown>> & KernelExports {
  return kernelExportProblems(exports).length === 0;
}

/** The instance's exports, typed, once checked against the declaration; throws naming every export that fails. */
export function kernelExports(instance: WebAssembly.Instance): KernelExports {
  const exports = instance.exports;
  if (!hasKernelExports(exports)) {
    throw new Error(`the kernels module does not match its ABI (src/engine/wasm/abi.ts): ${kernelExportProblems(exports).join('; ')}`);
  }
  return exports;
}

/**
 * The activation codes biasActivation, activationBackward and convForward take: the TypeScript side of the
 * contract, whose module side is the constants of ./assembly/elementwise.ts (wasmAbi.test.ts runs each code
 * against the JavaScript activation of its name). A new activation is a compile error here until it has one.
 */
export const ACTIVATION_CODES: Readonly<Record<ActivationName, number>> = {
  linear: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4, softmax: 5, relu6: 6, swish: 7, hardSwish: 8, hardSigmoid: 9, gelu: 10,
};
/** convForward's act for no bias and no activation: the GEMM alone. */
export const NO_ACTIVATION = -1;
