// Classification metrics over a batch of scores (probabilities or logits: only their order matters).
// `scores` is row-major [count, numClasses]; labels are class indices. A single output unit
// (sigmoid + binary cross-entropy) means two classes: score ≥ 0.5 predicts class 1.

/** Index of the largest score of row `row` (first one on ties, as argmax in NumPy). */
export function argmaxRow(scores: Float32Array, row: number, numClasses: number): number {
  if (numClasses === 1) return scores[row] >= 0.5 ? 1 : 0;
  const base = row * numClasses;
  let best = 0;
  let bestValue = scores[base];
  for (let c = 1; c < numClasses; c++) {
    if (scores[base + c] > bestValue) {
      bestValue = scores[base + c];
      best = c;
    }
  }
  return best;
}

/** Predicted class per row. */
export function predictions(scores: Float32Array, count: number, numClasses: number): Int32Array {
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) out[r] = argmaxRow(scores, r, numClasses);
  return out;
}

/** Number of rows whose argmax equals the label (sums batch by batch without rounding). */
export function countCorrect(scores: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number): number {
  let correct = 0;
  for (let r = 0; r < count; r++) if (argmaxRow(scores, r, numClasses) === labels[r]) correct++;
  return correct;
}

export function accuracy(scores: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number): number {
  return count === 0 ? 0 : countCorrect(scores, labels, count, numClasses) / count;
}

/**
 * Rows whose label is among the k highest scores. Ties count against the label (a score equal to the
 * label's and earlier in the row ranks above it), so constant scores never look accurate.
 */
export function countTopK(scores: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, k: number): number {
  if (numClasses === 1) return k >= 2 ? count : countCorrect(scores, labels, count, 1);
  let hits = 0;
  for (let r = 0; r < count; r++) {
    const base = r * numClasses;
    const label = labels[r];
    const target = scores[base + label];
    let above = 0;
    for (let c = 0; c < numClasses; c++) {
      const s = scores[base + c];
      if (s > target || (s === target && c < label)) above++;
    }
    if (above < k) hits++;
  }
  return hits;
}

export function topKAccuracy(scores: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, k: number): number {
  return count === 0 ? 0 : countTopK(scores, labels, count, numClasses, k) / count;
}

/** matrix[actual][predicted] = number of samples; rows are true classes, as in scikit-learn. */
export type ConfusionMatrix = number[][];

/** `numClasses` may be the output width: 1 (binary) gives a 2 × 2 matrix. */
export function emptyConfusion(numClasses: number): ConfusionMatrix {
  const n = numClasses === 1 ? 2 : numClasses;
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

/** Adds a batch into `matrix` (so evaluation can stream batch by batch). */
export function addToConfusion(
  matrix: ConfusionMatrix,
  scores: Float32Array,
  labels: ArrayLike<number>,
  count: number,
  numClasses: number,
): ConfusionMatrix {
  for (let r = 0; r < count; r++) matrix[labels[r]][argmaxRow(scores, r, numClasses)]++;
  return matrix;
}

export function confusionMatrix(scores: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number): ConfusionMatrix {
  return addToConfusion(emptyConfusion(numClasses), scores, labels, count, numClasses);
}

/** Recall per class (diagonal / row sum); NaN for a class with no samples, so it is not mistaken for 0 %. */
export function perClassAccuracy(matrix: ConfusionMatrix): number[] {
  return matrix.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : row[c] / total;
  });
}

/** Overall accuracy from a confusion matrix. */
export function confusionAccuracy(matrix: ConfusionMatrix): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, c) => {
    correct += row[c];
    for (const v of row) total += v;
  });
  return total === 0 ? 0 : correct / total;
}
