// Small SIMD helpers shared by the non-GEMM kernels (AssemblyScript, inlined; not exported from the module).
//
// The JavaScript reference kernels compute in float64 and round once when they store into a Float32Array. Where
// such an expression mixes in a float64 constant (1/count, alpha, …) or chains operations, a float32 evaluation
// can differ in the last bit; the helpers below evaluate it in float64 lanes (two f64x2 halves) and round once,
// so those kernels match the reference bit for bit.

/** Lanes 0, 1 of a f32x4 as f64x2. */
@inline export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of a f32x4 as f64x2. */
@inline export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/** Two f64x2 rounded to one f32x4 (lo → lanes 0, 1; hi → lanes 2, 3). */
@inline export function pack32(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** f32(v · s) per lane, the product taken in float64 (as JavaScript's `f32[i] = f32[j] * double`). */
@inline export function mulBy64(v: v128, s: v128): v128 {
  return pack32(f64x2.mul(lo64(v), s), f64x2.mul(hi64(v), s));
}

/** dst[0…n) ← src[0…n) (floats; may be the same place). */
@inline export function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0…n) += src[0…n) in float32 (exact: one rounding, as the reference's). */
@inline export function addF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** dst[0…n) ← 0. */
@inline export function zeroF32(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** a·b + c per lane: one fused multiply-add in the relaxed-SIMD build, a multiply then an add otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
