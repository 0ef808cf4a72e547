// The statistics themselves: plain loops over Float32Arrays with float64 sums, no allocation, so a measured step
// costs a few passes over the parameters and the watched activations.
import type { WatchedActivation } from '../../model/health';
import { SATURATION } from './limits';

/** Σ a[i]² in float64. NaN or ∞ anywhere makes the sum not finite, as it should. */
export function sumOfSquares(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** Σ (a[i] − b[i])² in float64 (the squared norm of an update, a = after, b = before). */
export function sumOfSquaredDifferences(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** Marks fired[u] = 1 for every unit u (the last axis of `units` values) with an output > 0 anywhere in data. */
export function markFired(data: Float32Array, units: number, fired: Uint8Array): void {
  for (let o = 0; o < data.length; o += units) {
    for (let u = 0; u < units; u++) if (data[o + u] > 0) fired[u] = 1;
  }
}

/** How many values of data are in the activation's saturated range (0 for activations that do not saturate). */
export function countSaturated(data: Float32Array, activation: WatchedActivation): number {
  let n = 0;
  if (activation === 'sigmoid') {
    for (let i = 0; i < data.length; i++) if (data[i] < SATURATION.sigmoidLow || data[i] > SATURATION.sigmoidHigh) n++;
  } else if (activation === 'tanh') {
    for (let i = 0; i < data.length; i++) if (data[i] > SATURATION.tanh || data[i] < -SATURATION.tanh) n++;
  }
  return n;
}

/** Units that never fired, out of `fired.length`. */
export function countDead(fired: Uint8Array): number {
  let n = 0;
  for (let u = 0; u < fired.length; u++) if (fired[u] === 0) n++;
  return n;
}
