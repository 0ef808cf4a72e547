// Shared test helpers: LayerInfo from the real shape inference, seeded tensors, finite-difference gradient checks.
import assert from 'node:assert/strict';
import type { LayerInfo } from '../../../src/model/analysis';
import { analyze } from '../../../src/model/shapes';
import type { Layer, OptimizerConfig, Shape } from '../../../src/model/types';
import { createOptimizer } from '../../../src/engine/optimizers';
import type { EngineLayer, Param } from '../../../src/engine/layer';
import type { Rng } from '../../../src/engine/rng';
import { sizeOf, tensor, type Tensor } from '../../../src/engine/tensor';

/** The LayerInfo of one layer applied to an input of `inputShape`, via model/shapes (must be error-free). */
export function infoFor(inputShape: Shape, layer: Layer): LayerInfo {
  const analysis = analyze(inputShape, [layer]);
  const info = analysis.layers[0]!;
  assert.deepEqual(info.errors, [], `shape errors for ${JSON.stringify(layer)}`);
  return info;
}

export function randomTensor(shape: readonly number[], rng: Rng, scale = 1): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (2 * rng.next() - 1) * scale;
  return t;
}

/** Values at least 0.1 away from 0 (keeps ReLU-like kinks out of reach of the finite differences). */
export function awayFromZero(shape: readonly number[], rng: Rng): Tensor {
  const t = randomTensor(shape, rng);
  for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sign(t.data[i]! || 1) * (0.1 + Math.abs(t.data[i]!));
  return t;
}

/** Values in ±[0.1, 8.3], none within 0.2 of 0 or ±6 (relu6's kinks), so both sides of each kink are exercised. */
export function awayFromKinks(shape: readonly number[], rng: Rng): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) {
    let v = 0.1 + 8 * rng.next();
    if (Math.abs(v - 6) < 0.2) v += 0.4;
    t.data[i] = rng.next() < 0.5 ? -v : v;
  }
  return t;
}

/** Distinct values 0.05 apart in random order (keeps max-pool winners stable under ±eps). */
export function distinctValues(shape: readonly number[], rng: Rng): Tensor {
  const n = sizeOf(shape);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return tensor(shape, Float32Array.from(order, (v) => (v - n / 2) * 0.05));
}

/** Distinct values at odd multiples of 0.025 in random order: maxima stay distinct under ±eps (eps < 0.025) and no
 *  value is that close to a multiple of 0.05 (relu's kink at 0, relu6's at 6), whichever layer reads them. */
export function distinctOffKinks(shape: readonly number[], rng: Rng): Tensor {
  const t = distinctValues(shape, rng);
  for (let i = 0; i < t.data.length; i++) t.data[i] = t.data[i]! + 0.025;
  return t;
}

/** ‖a − b‖∞ / max(‖b‖∞, floor): the "relative to the tensor's scale" error used by differential tests. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** `floor` bounds the scale from below, for tensors whose true values are ~0 (e.g. a bias just before batchNorm). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, floor = 1e-6): void {
  const e = relError(actual, expected, floor);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
}

export interface GradCheckOptions {
  readonly training?: boolean;
  readonly eps?: number;
  /** At most this many coordinates per tensor are perturbed (chosen at random). */
  readonly maxCoords?: number;
  readonly rng: Rng;
}

/**
 * Central-difference check of backward() against L = Σ forward(x)·r for a fixed random r, on the input and every
 * trainable param. The sums are taken in float64; the tolerance is per coordinate, |a − n| ≤ 2e-3 + 1e-2·max(|a|, |n|),
 * so any wrong derivative (off by a factor, a sign, a missing term) fails.
 */
export function gradCheck(layer: EngineLayer, x: Tensor, opts: GradCheckOptions): void {
  gradCheckInputs(layer, [x], opts);
}

/** gradCheck of a layer of any number of inputs (forwardInputs/backwardInputs when it has them): every input's
 *  gradient is checked. */
export function gradCheckInputs(layer: EngineLayer, xs: readonly Tensor[], opts: GradCheckOptions): void {
  const training = opts.training ?? false;
  const eps = opts.eps ?? 1e-2;
  const forward = (): Tensor => (layer.forwardInputs ? layer.forwardInputs(xs, training) : layer.forward(xs[0]!, training));
  const y0 = forward();
  const r = randomTensor(y0.shape, opts.rng);
  const loss = (): number => {
    const y = forward().data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * r.data[i]!;
    return s;
  };
  for (const p of layer.params) p.grad.fill(0);
  forward();
  // Copied at once: a layer may hand back dy itself or one buffer for several inputs.
  const dxs = (layer.backwardInputs ? layer.backwardInputs(r) : [layer.backward(r)]).map((t) => t.data.slice());
  assert.equal(dxs.length, xs.length, 'one gradient per input');
  const targets: { name: string; value: Float32Array; grad: ArrayLike<number> }[] = xs.map((x, k) => ({ name: xs.length > 1 ? `input ${k}` : 'input', value: x.data, grad: dxs[k]! }));
  const params = layer.params.filter((q: Param) => q.trainable);
  for (const p of params) targets.push({ name: p.name, value: p.value, grad: p.grad.slice() });
  // A write into a param's values fetches them (ArenaParam.version, which caches such as Winograd's transformed
  // filters go by): the view taken above is written to, so every loss fetches them again.
  const touched = (): number => {
    for (const p of params) void p.value;
    return loss();
  };
  for (const t of targets) checkCoords(t.name, t.value, t.grad, touched, eps, opts);
}

/** Central differences of `loss` w.r.t. value[i] vs grad[i] on a random subset of coordinates. */
export function checkCoords(
  name: string, value: Float32Array, grad: ArrayLike<number>, loss: () => number, eps: number, opts: { maxCoords?: number; rng: Rng },
): void {
  const max = opts.maxCoords ?? 40;
  const coords = value.length <= max ? Array.from(value, (_, i) => i) : Array.from({ length: max }, () => opts.rng.int(value.length));
  for (const i of coords) {
    const old = value[i]!;
    value[i] = old + eps;
    const up = loss();
    value[i] = old - eps;
    const down = loss();
    value[i] = old;
    const numeric = (up - down) / (2 * eps);
    const analytic = grad[i]!;
    const tol = 2e-3 + 1e-2 * Math.max(Math.abs(numeric), Math.abs(analytic));
    assert.ok(
      Math.abs(numeric - analytic) <= tol,
      `${name}[${i}]: analytic ${analytic.toPrecision(6)} vs numeric ${numeric.toPrecision(6)}`,
    );
  }
}

/** A hand-made param (no arena) for optimizer tests. */
export function plainParam(name: string, value: number[], learningRateMultiplier?: number, trainable = true): Param {
  return {
    name, shape: [value.length], value: Float32Array.from(value), grad: new Float32Array(trainable ? value.length : 0), trainable,
    ...(learningRateMultiplier === undefined ? {} : { learningRateMultiplier }),
  };
}

/** `steps` updates of one param with a constant gradient; the value after each. */
export function optimizerSteps(config: OptimizerConfig, start: number[], grad: number[], steps: number, multiplier?: number): number[][] {
  const p = plainParam('w', start, multiplier);
  const opt = createOptimizer(config, [p]);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    p.grad.set(grad);
    opt.step();
    out.push([...p.value]);
  }
  return out;
}

/** Element-wise |actual − expected| ≤ tol. */
export function closeTo(actual: readonly number[], expected: readonly number[], tol = 2e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `index ${i}: ${a} vs ${expected[i]}`));
}
