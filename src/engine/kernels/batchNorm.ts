// Batch normalisation over the last axis (c channels, rows = size / c): the loops of layers/batchNorm.ts as
// kernels (this file is the reference; the WebAssembly one is ../wasm/assembly/batchNorm.ts). Statistics and
// sums are float64 (`stats`: mean [0, c) and 1/√(var + ε) [c, 2c); `sums`: Σdy [0, c) and Σdy·x̂ [c, 2c)).

/** y ← γ·x̂ + β. Training: batch mean and biased variance (two passes), moving = momentum·moving + (1 − momentum)·batch. */
export function batchNormForward(
  x: Float32Array, y: Float32Array, stats: Float64Array, gamma: Float32Array, beta: Float32Array,
  movingMean: Float32Array, movingVariance: Float32Array, size: number, c: number,
  training: boolean, momentum: number, epsilon: number,
): void {
  const st = stats;
  const m = size / c;
  if (training) {
    // Two passes in float64: mean, then variance about it (no catastrophic cancellation).
    st.fill(0, 0, 2 * c);
    for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) st[j] += x[o + j]!;
    for (let j = 0; j < c; j++) st[j] /= m;
    for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) { const d = x[o + j]! - st[j]!; st[c + j] += d * d; }
    for (let j = 0; j < c; j++) {
      const v = st[c + j]! / m;
      movingMean[j] = momentum * movingMean[j]! + (1 - momentum) * st[j]!;
      movingVariance[j] = momentum * movingVariance[j]! + (1 - momentum) * v;
      st[c + j] = 1 / Math.sqrt(v + epsilon);
    }
  } else {
    for (let j = 0; j < c; j++) {
      st[j] = movingMean[j]!;
      st[c + j] = 1 / Math.sqrt(movingVariance[j]! + epsilon);
    }
  }
  for (let o = 0; o < size; o += c) {
    for (let j = 0; j < c; j++) y[o + j] = (x[o + j]! - st[j]!) * st[c + j]! * gamma[j]! + beta[j]!;
  }
}

/** dx from dy and the last forward's stats; dβ += Σdy, dγ += Σdy·x̂ (training adds the batch statistics' terms). */
export function batchNormBackward(
  x: Float32Array, dy: Float32Array, dx: Float32Array, stats: Float64Array, sums: Float64Array,
  gamma: Float32Array, gammaGrad: Float32Array, betaGrad: Float32Array, size: number, c: number, training: boolean,
): void {
  const st = stats;
  const sm = sums;
  const m = size / c;
  sm.fill(0, 0, 2 * c);
  for (let o = 0; o < size; o += c) {
    for (let j = 0; j < c; j++) {
      const gy = dy[o + j]!;
      sm[j] += gy;
      sm[c + j] += gy * (x[o + j]! - st[j]!) * st[c + j]!;
    }
  }
  for (let j = 0; j < c; j++) {
    betaGrad[j] += sm[j]!;
    gammaGrad[j] += sm[c + j]!;
  }
  if (!training) {
    for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) dx[o + j] = dy[o + j]! * gamma[j]! * st[c + j]!;
    return;
  }
  for (let o = 0; o < size; o += c) {
    for (let j = 0; j < c; j++) {
      const xhat = (x[o + j]! - st[j]!) * st[c + j]!;
      dx[o + j] = (gamma[j]! * st[c + j]! / m) * (m * dy[o + j]! - sm[j]! - xhat * sm[c + j]!);
    }
  }
}

/** dx alone, as inference computes y (a frozen batch norm: moving statistics, γ and β not trained): dx = dy·γ/√(var + ε). */
export function batchNormInputBackward(dy: Float32Array, dx: Float32Array, stats: Float64Array, gamma: Float32Array, size: number, c: number): void {
  for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) dx[o + j] = dy[o + j]! * gamma[j]! * stats[c + j]!;
}
