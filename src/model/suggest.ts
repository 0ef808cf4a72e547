// "Did you mean" for misspelt names: exact match after folding case and separators first
// (kernel_size → kernelSize, Conv2D → conv2d), then the closest name by edit distance.

function fold(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

/** Optimal string alignment distance: edits plus swaps of neighbours ("desne" → "dense" is 1). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** aliases: other spellings (e.g. Keras class names) mapped to a candidate. */
export function suggest(
  word: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  if (word.length > 64) return undefined;
  const folded = fold(word);
  for (const c of candidates) if (fold(c) === folded) return c;
  for (const [alias, target] of Object.entries(aliases)) if (fold(alias) === folded) return target;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(folded.length / 3));
  for (const c of candidates) {
    const d = editDistance(folded, fold(c));
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
