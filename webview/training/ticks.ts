// The training charts' value-axis labels, apart from uPlot so they are tested in Node.

/** Labels with the decimals their spacing needs (a flat loss of 1.0986 → 1.0984 must not read "1.1, 1.1, 1.1"),
 *  accuracies as percentages. */
export function tickLabels(ticks: readonly number[], percent: boolean): string[] {
  const scale = percent ? 100 : 1;
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) * scale : 1;
  const decimals = step > 0 ? Math.max(0, Math.min(8, Math.ceil(-Math.log10(step) - 1e-9))) : 0;
  return ticks.map((t) => `${(t * scale).toFixed(decimals)}${percent ? '%' : ''}`);
}
