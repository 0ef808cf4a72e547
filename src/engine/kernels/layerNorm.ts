// Layer normalisation over the last axis (c channels) of each of `rows` positions. Statistics are float64, two
// per position (`stats`: mean at 2r, 1/√(var + ε) at 2r + 1), kept from forward for backward. gamma or beta is
// undefined when the layer has no scale or no offset. Backward sums the parameters' gradients in float64 first
// (`sums`: Σdy·x̂ at [0, c), Σdy at [c, 2c)), as batch norm does: they add up every position of the batch.

/** y ← γ·(x − mean)/√(var + ε) + β per row, variance biased (as Keras and PyTorch). */
export function layerNormForward(
  x: Float32Array, y: Float32Array, stats: Float64Array, gamma: Float32Array | undefined, beta: Float32Array | undefined,
  rows: number, c: number, epsilon: number,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    // Two passes: mean, then variance about it (no catastrophic cancellation).
    let sum = 0;
    for (let j = 0; j < c; j++) sum += x[o + j]!;
    const mean = sum / c;
    let sq = 0;
    for (let j = 0; j < c; j++) { const d = x[o + j]! - mean; sq += d * d; }
    const rstd = 1 / Math.sqrt(sq / c + epsilon);
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
    for (let j = 0; j < c; j++) {
      let v = (x[o + j]! - mean) * rstd;
      if (gamma) v *= gamma[j]!;
      if (beta) v += beta[j]!;
      y[o + j] = v;
    }
  }
}

/** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = γ·dy; dγ += Σdy·x̂, dβ += Σdy over the rows. */
export function layerNormBackward(
  x: Float32Array, dy: Float32Array, dx: Float32Array, stats: Float64Array, sums: Float64Array, gamma: Float32Array | undefined,
  gammaGrad: Float32Array | undefined, betaGrad: Float32Array | undefined, rows: number, c: number,
): void {
  sums.fill(0, 0, 2 * c);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    const mean = stats[2 * r]!, rstd = stats[2 * r + 1]!;
    let sg = 0, sgx = 0;
    for (let j = 0; j < c; j++) {
      const xhat = (x[o + j]! - mean) * rstd;
      const d = dy[o + j]!;
      const g = gamma ? d * gamma[j]! : d;
      sg += g;
      sgx += g * xhat;
      sums[j] += d * xhat;
      sums[c + j] += d;
    }
    sg /= c;
    sgx /= c;
    for (let j = 0; j < c; j++) {
      const xhat = (x[o + j]! - mean) * rstd;
      const g = gamma ? dy[o + j]! * gamma[j]! : dy[o + j]!;
      dx[o + j] = rstd * (g - sg - xhat * sgx);
    }
  }
  for (let j = 0; j < c; j++) {
    if (gammaGrad) gammaGrad[j] += sums[j]!;
    if (betaGrad) betaGrad[j] += sums[c + j]!;
  }
}
