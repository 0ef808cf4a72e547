// The standard normal distribution's CDF Φ and density φ in float64, for the exact GELU x·Φ(x). JavaScript has
// no erf; engine/wasm/assembly/gaussian.ts evaluates the same two expansions in the same order.

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const ONE_OVER_SQRT_2PI = 0.3989422804014327;
/** Below it (in |u|) the Maclaurin series; above it erfc's continued fraction. Both within 3e-13 of Python's math.erfc. */
const SERIES_LIMIT = 2;
/** Terms of the continued fraction: enough for u ≥ 2 (more change nothing in float64). */
const FRACTION_TERMS = 40;

/** erf(u) for |u| < 2: 2/√π · Σ (−1)ⁿ u^(2n+1) / (n! (2n+1)). */
function erfSeries(u: number): number {
  const u2 = u * u;
  let power = u; // (−1)ⁿ u^(2n+1) / n!
  let sum = u;
  for (let n = 1; n < 100; n++) {
    power *= -u2 / n;
    const term = power / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(u) for u ≥ 2: e^(−u²)/√π · 1/(u + ½/(u + 1/(u + 3⁄2/(u + …)))), evaluated from the tail. */
function erfcFraction(u: number): number {
  let t = u;
  for (let k = FRACTION_TERMS; k >= 1; k--) t = u + k / 2 / t;
  return (Math.exp(-u * u) * ONE_OVER_SQRT_PI) / t;
}

/** Φ(x) = ½(1 + erf(x/√2)); the tails from erfc, so Φ of a very negative x keeps its digits. */
export function normalCdf(x: number): number {
  const u = x * SQRT1_2;
  if (u < -SERIES_LIMIT) return 0.5 * erfcFraction(-u);
  if (u > SERIES_LIMIT) return 1 - 0.5 * erfcFraction(u);
  return 0.5 + 0.5 * erfSeries(u);
}

/** φ(x) = e^(−x²/2)/√(2π). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) * ONE_OVER_SQRT_2PI;
}

/** GELU, exact: x·Φ(x). NaN stays NaN. */
export function gelu(x: number): number {
  return x * normalCdf(x);
}

/** d/dx x·Φ(x) = Φ(x) + x·φ(x). */
export function geluDerivative(x: number): number {
  return normalCdf(x) + x * normalPdf(x);
}
