// Seeded weight initialisers with Keras' fan rules: for a kernel [..receptive, in, out],
// fanIn = receptive·in and fanOut = receptive·out (dense [in, out] has receptive 1).
import type { Rng } from './rng';

export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

export function fans(shape: readonly number[]): Fans {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i]!;
  return { fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

export function uniform(out: Float32Array, limit: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
}

/** Normal with std `std`, redrawing values beyond 2·std (Keras' truncated normal, std already corrected). */
export function truncatedNormal(out: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < out.length; i++) {
    let v = rng.normal();
    while (Math.abs(v) > 2) v = rng.normal();
    out[i] = v * std;
  }
}

/** Keras' default kernel initialiser: U(±√(6 / (fanIn + fanOut))). */
export function glorotUniform(out: Float32Array, shape: readonly number[], rng: Rng): void {
  const { fanIn, fanOut } = fans(shape);
  uniform(out, Math.sqrt(6 / (fanIn + fanOut)), rng);
}

// 0.8796… is the std of a standard normal truncated at ±2; Keras divides by it.
const TRUNC_STD = 0.87962566103423978;

export function glorotNormal(out: Float32Array, shape: readonly number[], rng: Rng): void {
  const { fanIn, fanOut } = fans(shape);
  truncatedNormal(out, Math.sqrt(2 / (fanIn + fanOut)) / TRUNC_STD, rng);
}

/** For ReLU networks: U(±√(6 / fanIn)). */
export function heUniform(out: Float32Array, shape: readonly number[], rng: Rng): void {
  uniform(out, Math.sqrt(6 / fans(shape).fanIn), rng);
}

export function heNormal(out: Float32Array, shape: readonly number[], rng: Rng): void {
  truncatedNormal(out, Math.sqrt(2 / fans(shape).fanIn) / TRUNC_STD, rng);
}
