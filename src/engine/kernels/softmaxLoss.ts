// Softmax + (sparse) categorical cross-entropy from the logits, the fused loss of ../losses: the loss from a
// stable log-sum-exp and the gradient (p − t)/N from the softmax outputs, neither losing precision.

/**
 * The mean over n rows of c logits z of −log softmax(z)[label]; when `d` is given, d ← d(mean loss)/dz =
 * (p − onehot(label)) / n, p being softmax(z) (the activation's outputs). With c = 1 the target is the label itself.
 * Labels are checked by the caller (0 ≤ label < c).
 */
export function softmaxCrossEntropy(
  z: Float32Array, p: Float32Array, labels: Int32Array, n: number, c: number, d: Float32Array | undefined,
): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const label = labels[i]!;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (z[o + j]! > max) max = z[o + j]!;
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(z[o + j]! - max);
    sum += max + Math.log(s) - z[o + label]!;
    if (d) for (let j = 0; j < c; j++) d[o + j] = (p[o + j]! - (c === 1 ? label : label === j ? 1 : 0)) / n;
  }
  return n ? sum / n : 0;
}
