// AssemblyScript: Φ(x) and φ(x) of the standard normal distribution in float64, for the exact GELU. The same two
// expansions, limits and order of operations as the reference, src/model/gaussian.ts (read it for the why).

const SQRT1_2: f64 = 0.7071067811865476;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const ONE_OVER_SQRT_PI: f64 = 0.5641895835477563;
const ONE_OVER_SQRT_2PI: f64 = 0.3989422804014327;
const SERIES_LIMIT: f64 = 2;
const FRACTION_TERMS: i32 = 40;

function erfSeries(u: f64): f64 {
  const u2 = u * u;
  let power = u;
  let sum = u;
  for (let n = 1; n < 100; n++) {
    power *= -u2 / <f64>n;
    const term = power / <f64>(2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

function erfcFraction(u: f64): f64 {
  let t = u;
  for (let k = FRACTION_TERMS; k >= 1; k--) t = u + <f64>k / 2 / t;
  return (Math.exp(-u * u) * ONE_OVER_SQRT_PI) / t;
}

export function normalCdf(x: f64): f64 {
  const u = x * SQRT1_2;
  if (u < -SERIES_LIMIT) return 0.5 * erfcFraction(-u);
  if (u > SERIES_LIMIT) return 1 - 0.5 * erfcFraction(u);
  return 0.5 + 0.5 * erfSeries(u);
}

export function normalPdf(x: f64): f64 {
  return Math.exp(-0.5 * x * x) * ONE_OVER_SQRT_2PI;
}
