// AssemblyScript: the optimizer updates and the clip-norm sum of squares over byte offsets (reference:
// src/engine/optimizers/). Each update fuses what the reference does in two loops: the effective gradient
// g = f32(scale·grad + l2·value) (clipping and L2 decay, rounded to float32 as the reference's scratch buffer
// rounds it), then the rule. The arithmetic is the reference's, in float64, left to right, rounded where it
// stores: bit-identical. (Scalar: these loops are O(parameters), a small part of a step next to the convolutions.)

@inline function effective(value: usize, grad: usize, scale: f64, l2: f64): f64 {
  return <f64><f32>(scale * <f64>load<f32>(grad) + l2 * <f64>load<f32>(value));
}

/** Plain SGD: value −= lr·g. */
export function sgdUpdate(value: usize, grad: usize, n: i32, scale: f64, l2: f64, lr: f64): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = effective(value + o, grad + o, scale, l2);
    store<f32>(value + o, <f32>(<f64>load<f32>(value + o) - lr * g));
  }
}

/** SGD with momentum μ (PyTorch's form): v ← μ·v + g; value −= lr·(nesterov ? g + μ·v : v). */
export function momentumUpdate(
  value: usize, grad: usize, velocity: usize, n: i32, scale: f64, l2: f64, lr: f64, momentum: f64, nesterov: i32,
): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = effective(value + o, grad + o, scale, l2);
    const vi = momentum * <f64>load<f32>(velocity + o) + g;
    store<f32>(velocity + o, <f32>vi);
    store<f32>(value + o, <f32>(<f64>load<f32>(value + o) - lr * (nesterov ? g + momentum * vi : vi)));
  }
}

/** Adam/AdamW (Keras' form; alpha = the bias-corrected step size, shrink = 1 − lr·λ): see optimizers/adam.ts. */
export function adamUpdate(
  value: usize, grad: usize, m: usize, v: usize, n: i32, scale: f64, l2: f64,
  alpha: f64, shrink: f64, beta1: f64, oneMinusBeta1: f64, beta2: f64, oneMinusBeta2: f64, epsilon: f64,
): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = effective(value + o, grad + o, scale, l2);
    const mi = beta1 * <f64>load<f32>(m + o) + oneMinusBeta1 * g;
    const vi = beta2 * <f64>load<f32>(v + o) + oneMinusBeta2 * g * g;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(value + o, <f32>(<f64>load<f32>(value + o) * shrink - (alpha * mi) / (Math.sqrt(vi) + epsilon)));
  }
}

/** RMSprop (Keras' uncentered form); `b` (the momentum slot) is used when withMomentum ≠ 0. */
export function rmspropUpdate(
  value: usize, grad: usize, s: usize, b: usize, n: i32, scale: f64, l2: f64,
  lr: f64, rho: f64, oneMinusRho: f64, momentum: f64, epsilon: f64, withMomentum: i32,
): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const g = effective(value + o, grad + o, scale, l2);
    const si = rho * <f64>load<f32>(s + o) + oneMinusRho * g * g;
    store<f32>(s + o, <f32>si);
    const delta = (lr * g) / Math.sqrt(si + epsilon);
    if (withMomentum) {
      const bi = <f32>(momentum * <f64>load<f32>(b + o) + delta);
      store<f32>(b + o, bi);
      store<f32>(value + o, <f32>(<f64>load<f32>(value + o) - <f64>bi));
    } else {
      store<f32>(value + o, <f32>(<f64>load<f32>(value + o) - delta));
    }
  }
}

/** Σ x[i]² in float64 over four interleaved partial sums (not the reference's order: equal to ~1e-15 relative). */
export function sumSquares(x: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const l = f64x2.promote_low_f32x4(v);
    const h = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a = f64x2.add(a, f64x2.mul(l, l));
    b = f64x2.add(b, f64x2.mul(h, h));
  }
  a = f64x2.add(a, b);
  let sum = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    sum += v * v;
  }
  return sum;
}
