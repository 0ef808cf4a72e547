// AssemblyScript: batch normalisation over the last axis, forward and backward over byte offsets (reference:
// src/engine/kernels/batchNorm.ts; `stats` and `sums` are float64 [2c]). Two channels per f64x2: each lane
// accumulates one channel over the rows in the reference's order with the reference's float64 operations, so
// the results are bit-identical; an odd last channel runs the same arithmetic in scalar.

@inline function ld2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline function st2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

export function batchNormForward(
  x: usize, y: usize, stats: usize, gamma: usize, beta: usize, movingMean: usize, movingVariance: usize,
  size: i32, c: i32, training: i32, momentum: f64, epsilon: f64,
): void {
  const m = <f64>(size / c);
  const cf = <usize>c << 2, cd = <usize>c << 3;
  const c2 = c & ~1;
  const inv = stats + cd;
  const end = x + (<usize>size << 2);
  if (training) {
    memory.fill(stats, 0, cd << 1);
    for (let xo = x; xo < end; xo += cf) {
      let j = 0;
      for (; j < c2; j += 2) {
        const s = stats + (<usize>j << 3);
        v128.store(s, f64x2.add(v128.load(s), ld2(xo + (<usize>j << 2))));
      }
      for (; j < c; j++) {
        const s = stats + (<usize>j << 3);
        store<f64>(s, load<f64>(s) + <f64>load<f32>(xo + (<usize>j << 2)));
      }
    }
    for (let j = 0; j < c; j++) store<f64>(stats + (<usize>j << 3), load<f64>(stats + (<usize>j << 3)) / m);
    for (let xo = x; xo < end; xo += cf) {
      let j = 0;
      for (; j < c2; j += 2) {
        const d = f64x2.sub(ld2(xo + (<usize>j << 2)), v128.load(stats + (<usize>j << 3)));
        const s = inv + (<usize>j << 3);
        v128.store(s, f64x2.add(v128.load(s), f64x2.mul(d, d)));
      }
      for (; j < c; j++) {
        const d = <f64>load<f32>(xo + (<usize>j << 2)) - load<f64>(stats + (<usize>j << 3));
        const s = inv + (<usize>j << 3);
        store<f64>(s, load<f64>(s) + d * d);
      }
    }
    for (let j = 0; j < c; j++) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const v = load<f64>(inv + s) / m;
      store<f32>(movingMean + o, <f32>(momentum * <f64>load<f32>(movingMean + o) + (1 - momentum) * load<f64>(stats + s)));
      store<f32>(movingVariance + o, <f32>(momentum * <f64>load<f32>(movingVariance + o) + (1 - momentum) * v));
      store<f64>(inv + s, 1 / Math.sqrt(v + epsilon));
    }
  } else {
    for (let j = 0; j < c; j++) {
      const o = <usize>j << 2, s = <usize>j << 3;
      store<f64>(stats + s, <f64>load<f32>(movingMean + o));
      store<f64>(inv + s, 1 / Math.sqrt(<f64>load<f32>(movingVariance + o) + epsilon));
    }
  }
  // y = (x − mean)·inv·γ + β, left to right.
  let yo = y;
  for (let xo = x; xo < end; xo += cf) {
    let j = 0;
    for (; j < c2; j += 2) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const t = f64x2.mul(f64x2.mul(f64x2.sub(ld2(xo + o), v128.load(stats + s)), v128.load(inv + s)), ld2(gamma + o));
      st2(yo + o, f64x2.add(t, ld2(beta + o)));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const t = (<f64>load<f32>(xo + o) - load<f64>(stats + s)) * load<f64>(inv + s) * <f64>load<f32>(gamma + o);
      store<f32>(yo + o, <f32>(t + <f64>load<f32>(beta + o)));
    }
    yo += cf;
  }
}

export function batchNormBackward(
  x: usize, dy: usize, dx: usize, stats: usize, sums: usize, gamma: usize, gammaGrad: usize, betaGrad: usize,
  size: i32, c: i32, training: i32,
): void {
  const m = <f64>(size / c);
  const cf = <usize>c << 2, cd = <usize>c << 3;
  const c2 = c & ~1;
  const inv = stats + cd, smx = sums + cd;
  const n = <usize>size << 2;
  memory.fill(sums, 0, cd << 1);
  // Σdy and Σdy·(x − mean)·inv per channel.
  for (let r: usize = 0; r < n; r += cf) {
    let j = 0;
    for (; j < c2; j += 2) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const gy = ld2(dy + r + o);
      v128.store(sums + s, f64x2.add(v128.load(sums + s), gy));
      const t = f64x2.mul(f64x2.mul(gy, f64x2.sub(ld2(x + r + o), v128.load(stats + s))), v128.load(inv + s));
      v128.store(smx + s, f64x2.add(v128.load(smx + s), t));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const gy = <f64>load<f32>(dy + r + o);
      store<f64>(sums + s, load<f64>(sums + s) + gy);
      store<f64>(smx + s, load<f64>(smx + s) + gy * (<f64>load<f32>(x + r + o) - load<f64>(stats + s)) * load<f64>(inv + s));
    }
  }
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2, s = <usize>j << 3;
    store<f32>(betaGrad + o, <f32>(<f64>load<f32>(betaGrad + o) + load<f64>(sums + s)));
    store<f32>(gammaGrad + o, <f32>(<f64>load<f32>(gammaGrad + o) + load<f64>(smx + s)));
  }
  const mv = f64x2.splat(m);
  for (let r: usize = 0; r < n; r += cf) {
    let j = 0;
    for (; j < c2; j += 2) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const gy = ld2(dy + r + o), g = ld2(gamma + o), iv = v128.load(inv + s);
      if (!training) {
        st2(dx + r + o, f64x2.mul(f64x2.mul(gy, g), iv));
        continue;
      }
      const xhat = f64x2.mul(f64x2.sub(ld2(x + r + o), v128.load(stats + s)), iv);
      const k = f64x2.div(f64x2.mul(g, iv), mv);
      const t = f64x2.sub(f64x2.sub(f64x2.mul(mv, gy), v128.load(sums + s)), f64x2.mul(xhat, v128.load(smx + s)));
      st2(dx + r + o, f64x2.mul(k, t));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2, s = <usize>j << 3;
      const gy = <f64>load<f32>(dy + r + o), g = <f64>load<f32>(gamma + o), iv = load<f64>(inv + s);
      if (!training) {
        store<f32>(dx + r + o, <f32>(gy * g * iv));
        continue;
      }
      const xhat = (<f64>load<f32>(x + r + o) - load<f64>(stats + s)) * iv;
      store<f32>(dx + r + o, <f32>((g * iv / m) * (m * gy - load<f64>(sums + s) - xhat * load<f64>(smx + s))));
    }
  }
}
