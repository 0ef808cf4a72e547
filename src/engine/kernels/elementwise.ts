// Elementwise activations (softmax: over rows of the last axis) and the bias add / reduce used by conv and dense.
import { assertNever } from '../../model/assertNever';
import { gelu, geluDerivative } from '../../model/gaussian';
import type { ActivationName } from '../../model/types';
import type { Rng } from '../rng';

/** 1 / (1 + e^-v), split on the sign so exp never overflows. */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** y[0…size) ← act(z); rowLen is the softmax axis length. y may be z. */
export function activationForward(
  act: ActivationName, z: Float32Array, y: Float32Array, size: number, rowLen: number, alpha: number,
): void {
  switch (act) {
    case 'linear':
      if (y !== z) y.set(z.subarray(0, size));
      return;
    case 'relu':
      for (let i = 0; i < size; i++) { const v = z[i]!; y[i] = v > 0 ? v : 0; }
      return;
    case 'leakyRelu':
      for (let i = 0; i < size; i++) { const v = z[i]!; y[i] = v > 0 ? v : alpha * v; }
      return;
    case 'relu6':
      for (let i = 0; i < size; i++) { const v = z[i]!; y[i] = v > 0 ? (v < 6 ? v : 6) : 0; }
      return;
    case 'swish':
      // z·sigmoid(z), split on the sign as sigmoid() is.
      for (let i = 0; i < size; i++) {
        const v = z[i]!;
        if (v >= 0) y[i] = v / (1 + Math.exp(-v));
        else { const e = Math.exp(v); y[i] = (v * e) / (1 + e); }
      }
      return;
    case 'hardSwish':
      // z · relu6(z + 3) / 6, in float64 rounded once (the wasm kernel evaluates the same expression).
      for (let i = 0; i < size; i++) { const v = z[i]!; y[i] = v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6; }
      return;
    case 'hardSigmoid':
      // clamp(alpha·z + 0.5, 0, 1) in float64 (alpha is the slope); NaN gives 0.
      for (let i = 0; i < size; i++) { const v = alpha * z[i]! + 0.5; y[i] = v > 0 ? (v < 1 ? v : 1) : 0; }
      return;
    case 'gelu':
      for (let i = 0; i < size; i++) y[i] = gelu(z[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < size; i++) y[i] = sigmoid(z[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < size; i++) y[i] = Math.tanh(z[i]!);
      return;
    case 'softmax':
      for (let r = 0; r < size; r += rowLen) {
        let max = -Infinity;
        for (let j = r; j < r + rowLen; j++) if (z[j]! > max) max = z[j]!;
        let sum = 0;
        for (let j = r; j < r + rowLen; j++) { const e = Math.exp(z[j]! - max); y[j] = e; sum += e; }
        const inv = 1 / sum;
        for (let j = r; j < r + rowLen; j++) y[j] *= inv;
      }
      return;
    default:
      return assertNever(act, 'activation');
  }
}

/** dz ← dy · act'(z), from the forward's input z and output y. dz may be dy. */
export function activationBackward(
  act: ActivationName, z: Float32Array, y: Float32Array, dy: Float32Array, dz: Float32Array,
  size: number, rowLen: number, alpha: number,
): void {
  switch (act) {
    case 'linear':
      if (dz !== dy) dz.set(dy.subarray(0, size));
      return;
    case 'relu':
      for (let i = 0; i < size; i++) dz[i] = z[i]! > 0 ? dy[i]! : 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < size; i++) dz[i] = z[i]! > 0 ? dy[i]! : alpha * dy[i]!;
      return;
    case 'relu6':
      for (let i = 0; i < size; i++) { const v = z[i]!; dz[i] = v > 0 && v < 6 ? dy[i]! : 0; }
      return;
    case 'swish':
      // d/dz z·s(z) = s + z·s·(1 − s): from z, since y = z·s does not give s back where z = 0.
      for (let i = 0; i < size; i++) {
        const v = z[i]!;
        const s = sigmoid(v);
        dz[i] = dy[i]! * s * (1 + v * (1 - s));
      }
      return;
    case 'hardSwish':
      // 0 below −3, 1 above 3, (2z + 3) / 6 between (PyTorch's x / 3 + 1/2, ends included).
      for (let i = 0; i < size; i++) { const v = z[i]!; dz[i] = v < -3 ? 0 : v > 3 ? dy[i]! : (dy[i]! * (2 * v + 3)) / 6; }
      return;
    case 'hardSigmoid':
      // alpha inside the ramp, 0 where clamped (ends excluded, as PyTorch's −3 < x < 3).
      for (let i = 0; i < size; i++) { const v = alpha * z[i]! + 0.5; dz[i] = v > 0 && v < 1 ? alpha * dy[i]! : 0; }
      return;
    case 'gelu':
      // Φ(z) + z·φ(z).
      for (let i = 0; i < size; i++) dz[i] = dy[i]! * geluDerivative(z[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < size; i++) { const s = y[i]!; dz[i] = dy[i]! * s * (1 - s); }
      return;
    case 'tanh':
      for (let i = 0; i < size; i++) { const t = y[i]!; dz[i] = dy[i]! * (1 - t * t); }
      return;
    case 'softmax':
      // Jacobian-vector product: dz_j = y_j · (dy_j − Σ_k dy_k y_k).
      for (let r = 0; r < size; r += rowLen) {
        let dot = 0;
        for (let j = r; j < r + rowLen; j++) dot += dy[j]! * y[j]!;
        for (let j = r; j < r + rowLen; j++) dz[j] = y[j]! * (dy[j]! - dot);
      }
      return;
    default:
      return assertNever(act, 'activation');
  }
}

/** y[r, j] += bias[j] for rows × cols. */
export function addBias(y: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) y[o + j] += bias[j]!;
  }
}

/** out[j] += Σ_r x[r, j] for rows × cols (bias gradients). */
export function sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) out[j] += x[o + j]!;
  }
}

/** For rows × cols (cols = the last axis): z += bias (when given; z keeps the sum), then y ← act(z). y may be z. */
export function biasActivationForward(
  act: ActivationName, z: Float32Array, bias: Float32Array | undefined, y: Float32Array, rows: number, cols: number, alpha: number,
): void {
  if (bias) addBias(z, bias, rows, cols);
  activationForward(act, z, y, rows * cols, cols, alpha);
}

/** dz ← dy · act'(z) for rows × cols, then biasGrad[j] += Σ_r dz[r, j] when given. dz may be dy. */
export function biasActivationBackward(
  act: ActivationName, z: Float32Array, y: Float32Array, dy: Float32Array, dz: Float32Array,
  rows: number, cols: number, alpha: number, biasGrad: Float32Array | undefined,
): void {
  activationBackward(act, z, y, dy, dz, rows * cols, cols, alpha);
  if (biasGrad) sumRows(dz, rows, cols, biasGrad);
}

/** Dropout's mask: mask[i] ← scale with probability keep (rng.next() < keep), else 0, for i < size. */
export function dropoutMask(mask: Float32Array, size: number, keep: number, scale: number, rng: Rng): void {
  for (let i = 0; i < size; i++) mask[i] = rng.next() < keep ? scale : 0;
}

/** out[0…size) ← a · b (dropout's mask). out may be a or b. */
export function multiply(a: Float32Array, b: Float32Array, out: Float32Array, size: number): void {
  for (let i = 0; i < size; i++) out[i] = a[i]! * b[i]!;
}
