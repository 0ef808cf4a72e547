// AssemblyScript: bias + activation forward and backward, and the bias gradient's row sums, over byte offsets
// (reference: src/engine/kernels/elementwise.ts). Activations by code (the constants below: the module's side of
// ACTIVATION_CODES in ../abi.ts, checked against it by test/unit/engine/wasmAbi.test.ts); softmax is over each row
// of `cols`. Work goes row by row: the bias add and the activation (or the derivative and the bias-gradient sum)
// touch a row while it is in L1, one pass over memory instead of two.
//
// Exactness against the reference: relu, linear, the bias add and the row sums are float32 operations in the
// same order (bit-identical); leakyRelu, hardSwish, hardSigmoid and the sigmoid/tanh derivatives are evaluated in float64 lanes and rounded
// once, as JavaScript does (bit-identical); sigmoid and tanh call AssemblyScript's float64 Math.exp/Math.tanh
// (musl's), not V8's (fdlibm's): they may differ from the reference in the last float64 bit, which rounding to
// float32 almost always hides (the differential test allows 1e-6 relative).
import { normalCdf, normalPdf } from './gaussian';
import { addF32, copyF32, hi64, lo64, mulBy64, pack32 } from './simd';

export const LINEAR = 0;
export const RELU = 1;
const LEAKY_RELU = 2;
const SIGMOID = 3;
const TANH = 4;
export const SOFTMAX = 5;
export const RELU6 = 6;
const SWISH = 7;
const HARD_SWISH = 8;
const HARD_SIGMOID = 9;
const GELU = 10;

/** Whether storeActivation4/1 compute `act` (linear, relu, relu6). */
@inline export function activatesInStore(act: i32): bool {
  return act == LINEAR || act == RELU || act == RELU6;
}

/** linear, relu or relu6 of four lanes, as activationRow computes them (NaN and −0 give 0): for kernels that apply
 *  their activation as they store (the packed GEMM's tiles, depthwise outputs). */
@inline export function storeActivation4(act: i32, v: v128): v128 {
  if (act == LINEAR) return v;
  const r = f32x4.pmax(f32x4.splat(0), v);
  return act == RELU6 ? f32x4.pmin(f32x4.splat(6), r) : r;
}

/** One lane of storeActivation4, as activationRow's scalar tail. */
@inline export function storeActivation1(act: i32, v: f32): f32 {
  if (act == LINEAR) return v;
  return v > 0 ? (act == RELU6 && !(v < 6) ? 6 : v) : 0;
}

/**
 * For each of `rows` rows of `cols` floats: z += bias (when bias ≠ 0; z keeps the sum, the backward's input),
 * then y ← act(z). y may be z.
 */
export function biasActivation(act: i32, z: usize, bias: usize, y: usize, rows: i32, cols: i32, alpha: f64): void {
  const rowBytes = <usize>cols << 2;
  if (act == SOFTMAX) {
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * rowBytes;
      if (bias != 0) addF32(z + o, bias, cols);
      softmaxRow(z + o, y + o, cols);
    }
    return;
  }
  if (bias == 0) {
    activationRow(act, z, y, rows * cols, alpha);
    return;
  }
  // Groups of rows of about GROUP_FLOATS: the bias added to each row, then one activation pass over the group
  // while it is in L1 (one call per group, not per row: rows are often short, 8 or 16 channels).
  const group = max(1, GROUP_FLOATS / max(1, cols));
  for (let r = 0; r < rows; r += group) {
    const g = min(group, rows - r);
    const o = <usize>r * rowBytes;
    for (let i = 0; i < g; i++) addF32(z + o + <usize>i * rowBytes, bias, cols);
    activationRow(act, z + o, y + o, g * cols, alpha);
  }
}

const GROUP_FLOATS: i32 = 2048;

/**
 * dz ← dy · act'(z) (from the forward's input z and output y) for `rows` rows of `cols` floats, and, when
 * biasGrad ≠ 0, biasGrad[j] += Σ_rows dz[r, j]. dz may be dy.
 */
export function activationBackward(
  act: i32, z: usize, y: usize, dy: usize, dz: usize, rows: i32, cols: i32, alpha: f64, biasGrad: usize,
): void {
  const rowBytes = <usize>cols << 2;
  if (act == SOFTMAX) {
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * rowBytes;
      softmaxDerivativeRow(y + o, dy + o, dz + o, cols);
      if (biasGrad != 0) addF32(biasGrad, dz + o, cols);
    }
    return;
  }
  if (biasGrad == 0) {
    derivativeRow(act, z, y, dy, dz, rows * cols, alpha);
    return;
  }
  if ((act == LINEAR || act == RELU || act == RELU6) && (cols & 3) == 0) {
    // A few channels per row (a conv's output pixels): a call per row cost more than its work. Blocks of up to 16
    // columns down all rows instead, the bias gradient's sums in registers: each column's adds in row order, so the
    // same float32 sums as below.
    let j = 0;
    for (; j + 16 <= cols; j += 16) maskedSumBlock(act, z, dy, dz, rows, rowBytes, biasGrad, j, 4);
    if (j + 8 <= cols) { maskedSumBlock(act, z, dy, dz, rows, rowBytes, biasGrad, j, 2); j += 8; }
    if (j < cols) maskedSumBlock(act, z, dy, dz, rows, rowBytes, biasGrad, j, 1);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * rowBytes;
    derivativeRow(act, z + o, y + o, dy + o, dz + o, cols, alpha);
    addF32(biasGrad, dz + o, cols);
  }
}

/** derivativeRow's linear, relu or relu6 of four lanes. */
@inline function derivative4(act: i32, z: v128, dy: v128): v128 {
  if (act == LINEAR) return dy;
  const zero = f32x4.splat(0);
  const pass = act == RELU6 ? v128.and(f32x4.gt(z, zero), f32x4.lt(z, f32x4.splat(6))) : f32x4.gt(z, zero);
  return v128.and(dy, pass);
}

/** Columns j…j + 4·vecs of every row: dz ← act'(z)·dy, biasGrad += Σ_r dz[r] (vecs 1, 2 or 4). */
@inline function maskedSumBlock(act: i32, z: usize, dy: usize, dz: usize, rows: i32, rowBytes: usize, biasGrad: usize, j: i32, vecs: i32): void {
  const at = <usize>j << 2;
  let s0 = v128.load(biasGrad + at), s1 = s0, s2 = s0, s3 = s0;
  if (vecs > 1) s1 = v128.load(biasGrad + at, 16);
  if (vecs > 2) { s2 = v128.load(biasGrad + at, 32); s3 = v128.load(biasGrad + at, 48); }
  let o = at;
  for (let r = 0; r < rows; r++, o += rowBytes) {
    const d0 = derivative4(act, v128.load(z + o), v128.load(dy + o));
    v128.store(dz + o, d0);
    s0 = f32x4.add(s0, d0);
    if (vecs > 1) {
      const d1 = derivative4(act, v128.load(z + o, 16), v128.load(dy + o, 16));
      v128.store(dz + o, d1, 16);
      s1 = f32x4.add(s1, d1);
      if (vecs > 2) {
        const d2 = derivative4(act, v128.load(z + o, 32), v128.load(dy + o, 32));
        const d3 = derivative4(act, v128.load(z + o, 48), v128.load(dy + o, 48));
        v128.store(dz + o, d2, 32);
        v128.store(dz + o, d3, 48);
        s2 = f32x4.add(s2, d2);
        s3 = f32x4.add(s3, d3);
      }
    }
  }
  v128.store(biasGrad + at, s0);
  if (vecs > 1) v128.store(biasGrad + at, s1, 16);
  if (vecs > 2) { v128.store(biasGrad + at, s2, 32); v128.store(biasGrad + at, s3, 48); }
}

/** out[j] += Σ_r x[r, j] for rows × cols, row by row (the reference's order). */
export function sumRows(x: usize, rows: i32, cols: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) addF32(out, x + <usize>r * rowBytes, cols);
}

/** out[0…n) ← a · b, float32 (exact: the product of two float32 rounded once, as the reference's). out may be a or b. */
export function multiply(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    v128.store(out + o + 16, f32x4.mul(v128.load(a + o + 16), v128.load(b + o + 16)));
    v128.store(out + o + 32, f32x4.mul(v128.load(a + o + 32), v128.load(b + o + 32)));
    v128.store(out + o + 48, f32x4.mul(v128.load(a + o + 48), v128.load(b + o + 48)));
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** y[0…n) ← softmax(z[0…n)), the reference's arithmetic: exp(z − max) rounded to float32, its float64 sum, y · (1 / sum). */
function softmaxRow(z: usize, y: usize, n: i32): void {
  let max: f32 = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(z + (<usize>j << 2));
    if (v > max) max = v;
  }
  let sum: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    const e = Math.exp(<f64>load<f32>(z + o) - <f64>max);
    store<f32>(y + o, <f32>e);
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, <f32>(<f64>load<f32>(y + o) * inv));
  }
}

/** dz_j ← y_j · (dy_j − Σ_k dy_k y_k) over one row (float64, as the reference). dz may be dy. */
function softmaxDerivativeRow(y: usize, dy: usize, dz: usize, n: i32): void {
  let dot: f64 = 0;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    dot += <f64>load<f32>(dy + o) * <f64>load<f32>(y + o);
  }
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(dz + o, <f32>(<f64>load<f32>(y + o) * (<f64>load<f32>(dy + o) - dot)));
  }
}

/**
 * Softmax cross-entropy of n rows of c logits z against int32 labels: returns Σ_rows (max + log Σ exp(z − max) − z[label])
 * (the caller divides by n); when d ≠ 0, d ← (p − onehot(label)) / n from the softmax outputs p (c = 1: the target
 * is the label itself, as the reference's).
 */
export function softmaxCrossEntropy(z: usize, p: usize, labels: usize, n: i32, c: i32, d: usize): f64 {
  let sum: f64 = 0;
  const nf = <f64>n;
  for (let i = 0; i < n; i++) {
    const row = <usize>(i * c) << 2;
    const zr = z + row;
    const label = load<i32>(labels + (<usize>i << 2));
    let max: f64 = -Infinity;
    for (let j = 0; j < c; j++) {
      const v = <f64>load<f32>(zr + (<usize>j << 2));
      if (v > max) max = v;
    }
    let s: f64 = 0;
    for (let j = 0; j < c; j++) s += Math.exp(<f64>load<f32>(zr + (<usize>j << 2)) - max);
    sum += max + Math.log(s) - <f64>load<f32>(zr + (<usize>label << 2));
    if (d == 0) continue;
    const pr = p + row, dr = d + row;
    for (let j = 0; j < c; j++) {
      const o = <usize>j << 2;
      const t: f64 = c == 1 ? <f64>label : j == label ? 1 : 0;
      store<f32>(dr + o, <f32>((<f64>load<f32>(pr + o) - t) / nf));
    }
  }
  return sum;
}

/** 1 / (1 + e^-v) in float64, split on the sign so exp never overflows (the reference's formula). */
@inline function sigmoid(v: f64): f64 {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

function activationRow(act: i32, z: usize, y: usize, n: i32, alpha: f64): void {
  const zero = f32x4.splat(0);
  let i = 0;
  if (act == LINEAR) {
    if (y != z) copyF32(y, z, n);
    return;
  }
  if (act == RELU) {
    // pmax(0, v) = 0 < v ? v : 0: NaN and −0 give 0, as `v > 0 ? v : 0`.
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.pmax(zero, v128.load(z + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(z + o);
      store<f32>(y + o, v > 0 ? v : 0);
    }
    return;
  }
  if (act == RELU6) {
    // min(max(0, v), 6) as the reference's `v > 0 ? (v < 6 ? v : 6) : 0`: NaN gives 0.
    const six = f32x4.splat(6);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.pmin(six, f32x4.pmax(zero, v128.load(z + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(z + o);
      store<f32>(y + o, v > 0 ? (v < 6 ? v : 6) : 0);
    }
    return;
  }
  if (act == SWISH) {
    // z·sigmoid(z) in float64, split on the sign as sigmoid() is.
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      let r: f64;
      if (v >= 0) r = v / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        r = (v * e) / (1 + e);
      }
      store<f32>(y + o, <f32>r);
    }
    return;
  }
  if (act == HARD_SWISH) {
    // z · relu6(z + 3) / 6 in float64, the reference's expression.
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      store<f32>(y + o, <f32>(v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6));
    }
    return;
  }
  if (act == HARD_SIGMOID) {
    // clamp(alpha·z + 0.5, 0, 1) in float64, alpha the slope; NaN gives 0, as the reference.
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = alpha * <f64>load<f32>(z + o) + 0.5;
      store<f32>(y + o, <f32>(v > 0 ? (v < 1 ? v : 1) : 0));
    }
    return;
  }
  if (act == GELU) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      store<f32>(y + o, <f32>(v * normalCdf(v)));
    }
    return;
  }
  if (act == LEAKY_RELU) {
    const a = f64x2.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(z + o);
      v128.store(y + o, v128.bitselect(v, mulBy64(v, a), f32x4.gt(v, zero)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(z + o);
      store<f32>(y + o, v > 0 ? v : <f32>(alpha * <f64>v));
    }
    return;
  }
  if (act == SIGMOID) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, <f32>sigmoid(<f64>load<f32>(z + o)));
    }
    return;
  }
  if (act == TANH) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, <f32>Math.tanh(<f64>load<f32>(z + o)));
    }
  }
}

function derivativeRow(act: i32, z: usize, y: usize, dy: usize, dz: usize, n: i32, alpha: f64): void {
  const zero = f32x4.splat(0);
  const one = f64x2.splat(1);
  let i = 0;
  if (act == LINEAR) {
    if (dz != dy) copyF32(dz, dy, n);
    return;
  }
  if (act == RELU) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dz + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(z + o), zero)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dz + o, load<f32>(z + o) > 0 ? load<f32>(dy + o) : 0);
    }
    return;
  }
  if (act == RELU6) {
    const six = f32x4.splat(6);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(z + o);
      v128.store(dz + o, v128.and(v128.load(dy + o), v128.and(f32x4.gt(v, zero), f32x4.lt(v, six))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(z + o);
      store<f32>(dz + o, v > 0 && v < 6 ? load<f32>(dy + o) : 0);
    }
    return;
  }
  if (act == SWISH) {
    // dy · s · (1 + z·(1 − s)) from z (y = z·s does not give s back where z = 0), in float64 as the reference.
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      const s = sigmoid(v);
      store<f32>(dz + o, <f32>(<f64>load<f32>(dy + o) * s * (1 + v * (1 - s))));
    }
    return;
  }
  if (act == HARD_SWISH) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      const g = <f64>load<f32>(dy + o);
      store<f32>(dz + o, <f32>(v < -3 ? 0 : v > 3 ? g : (g * (2 * v + 3)) / 6));
    }
    return;
  }
  if (act == HARD_SIGMOID) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = alpha * <f64>load<f32>(z + o) + 0.5;
      store<f32>(dz + o, v > 0 && v < 1 ? <f32>(alpha * <f64>load<f32>(dy + o)) : 0);
    }
    return;
  }
  if (act == GELU) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = <f64>load<f32>(z + o);
      store<f32>(dz + o, <f32>(<f64>load<f32>(dy + o) * (normalCdf(v) + v * normalPdf(v))));
    }
    return;
  }
  if (act == LEAKY_RELU) {
    const a = f64x2.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dz + o, v128.bitselect(g, mulBy64(g, a), f32x4.gt(v128.load(z + o), zero)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const g = load<f32>(dy + o);
      store<f32>(dz + o, load<f32>(z + o) > 0 ? g : <f32>(alpha * <f64>g));
    }
    return;
  }
  if (act == SIGMOID) {
    // dy · s · (1 − s), left to right in float64.
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o), s = v128.load(y + o);
      const sl = lo64(s), sh = hi64(s);
      v128.store(dz + o, pack32(
        f64x2.mul(f64x2.mul(lo64(g), sl), f64x2.sub(one, sl)),
        f64x2.mul(f64x2.mul(hi64(g), sh), f64x2.sub(one, sh)),
      ));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const s = <f64>load<f32>(y + o);
      store<f32>(dz + o, <f32>(<f64>load<f32>(dy + o) * s * (1 - s)));
    }
    return;
  }
  if (act == TANH) {
    // dy · (1 − t²) in float64.
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o), t = v128.load(y + o);
      const tl = lo64(t), th = hi64(t);
      v128.store(dz + o, pack32(
        f64x2.mul(lo64(g), f64x2.sub(one, f64x2.mul(tl, tl))),
        f64x2.mul(hi64(g), f64x2.sub(one, f64x2.mul(th, th))),
      ));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const t = <f64>load<f32>(y + o);
      store<f32>(dz + o, <f32>(<f64>load<f32>(dy + o) * (1 - t * t)));
    }
  }
}

/**
 * Dropout's mask: mask[i] = scale when draw i of mulberry32 from `state` is below keep, else 0 (reference: the
 * dropout layer's `rng.next() < keep ? scale : 0`, with Rng.jump giving `state`). The same integer steps and the
 * same float64 division and comparison as src/engine/rng.ts: bit-identical masks.
 */
export function dropoutMask(mask: usize, n: i32, state: u32, keep: f64, scale: f64): void {
  const kept = <f32>scale;
  for (let i = 0; i < n; i++) {
    state += 0x6d2b79f5;
    let t = state;
    t = (t ^ (t >>> 15)) * (t | 1);
    t ^= t + (t ^ (t >>> 7)) * (t | 61);
    const u = <f64>(t ^ (t >>> 14)) / 4294967296.0;
    store<f32>(mask + (<usize>i << 2), u < keep ? kept : 0);
  }
}
