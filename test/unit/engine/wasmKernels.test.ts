// The WebAssembly Kernels (the copy adapter over the wasm gemm): the JavaScript gemm's contract with offsets and
// accumulate, staging regions that grow only for a larger size and never in a steady-state training step, and a
// network trained on them close to the JavaScript kernels' result and bit-identical run to run.
import assert from 'node:assert/strict';
import { getKernels, jsKernels, setKernels } from '../../../src/engine/kernels';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import { WASM_OPS } from '../../../src/engine/kernels/wasmOps';
import { buildNetwork } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import { loadWasmBackend, type WasmBackend } from '../../../src/engine/wasm/backend';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { assertClose, randomTensor } from './helpers';
import { enableRelaxedSimd, readWasmBinaries } from './wasmHelpers';

enableRelaxedSimd();

function random(len: number, rng: Rng): Float32Array {
  return randomTensor([len], rng).data;
}

function fresh(): { backend: WasmBackend; kernels: WasmKernels } {
  const r = loadWasmBackend(readWasmBinaries());
  assert.ok(r.backend, 'WebAssembly loads here');
  return { backend: r.backend, kernels: createWasmKernels(r.backend) };
}

const SMALL: Model = {
  format: MODEL_FORMAT,
  name: 'small',
  input: { shape: [12, 12, 2] },
  layers: [
    { type: 'conv2d', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 7, kernelSize: 3, activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
};

/** Loss per step of a few Adam steps on a fixed seeded batch, with the kernels currently set. */
function lossCurve(steps: number, batch = 6): number[] {
  const net = buildNetwork(SMALL, inferShapes(SMALL), 7);
  const opt = createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params);
  const rng = createRng(8);
  const x = randomTensor([batch, 12, 12, 2], rng);
  const labels = Int32Array.from({ length: batch }, () => rng.int(3));
  const curve: number[] = [];
  for (let s = 0; s < steps; s++) {
    net.zeroGrads();
    curve.push(net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
    opt.step();
  }
  return curve;
}

function withKernels<T>(k: typeof jsKernels, work: () => T): T {
  const previous = getKernels();
  setKernels(k);
  try {
    return work();
  } finally {
    setKernels(previous);
  }
}

/** Counts typed-array constructions and subarray views while `work` runs (views over an existing buffer too). */
function typedArraysMadeBy(work: () => void): number {
  let made = 0;
  const originals = { Float32Array, Float64Array, Int32Array };
  const subarrays = [Float32Array.prototype.subarray, Float64Array.prototype.subarray, Int32Array.prototype.subarray] as const;
  const counting = <T extends Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor>(Base: T): T =>
    class extends (Base as Float32ArrayConstructor) {
      constructor(...args: unknown[]) {
        super(...(args as []));
        made++;
      }
    } as unknown as T;
  Object.assign(globalThis, { Float32Array: counting(Float32Array), Float64Array: counting(Float64Array), Int32Array: counting(Int32Array) });
  for (const [proto, original] of [[originals.Float32Array.prototype, subarrays[0]], [originals.Float64Array.prototype, subarrays[1]], [originals.Int32Array.prototype, subarrays[2]]] as const) {
    (proto as { subarray: unknown }).subarray = function (this: Float32Array, ...args: [number?, number?]) {
      made++;
      return (original as (this: unknown, ...a: [number?, number?]) => unknown).apply(this, args);
    };
  }
  try {
    work();
  } finally {
    Object.assign(globalThis, originals);
    originals.Float32Array.prototype.subarray = subarrays[0];
    originals.Float64Array.prototype.subarray = subarrays[1];
    originals.Int32Array.prototype.subarray = subarrays[2];
  }
  return made;
}

describe('engine-owned memory (arena, plan, in-place kernels)', () => {
  const MIXED: Model = {
    ...SMALL,
    layers: [
      { type: 'conv2d', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'batchNorm' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'conv2d', filters: 4, kernelSize: 1, activation: 'tanh' },
      { type: 'dropout', rate: 0.25 },
      { type: 'conv2d', filters: 7, kernelSize: 3, activation: 'relu' },
      { type: 'avgPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 6, activation: 'sigmoid' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  };

  for (const which of ['js', 'wasm'] as const) {
    it(`${which}: trains 300 steps with no arena growth and no typed array made after the first step; a partial batch, an evaluation and a one-sample pass do not re-plan`, () => {
      const kernels = which === 'js' ? jsKernels : fresh().kernels;
      withKernels(kernels, () => {
        const net = buildNetwork(MIXED, inferShapes(MIXED), 3);
        const opt = createOptimizer({ type: 'adam', learningRate: 0.01, clipNorm: 1 }, net.params);
        const rng = createRng(4);
        const x = randomTensor([8, 12, 12, 2], rng);
        const labels = Int32Array.from({ length: 8 }, () => rng.int(3));
        const step = (): number => {
          net.zeroGrads();
          const r = net.trainBatch(x, labels, 'sparseCategoricalCrossentropy');
          opt.step();
          return r.loss;
        };
        step();
        const used = net.arena.usedBytes;
        const memory = net.arena.memoryBytes;
        const generation = net.arena.generation;
        let last = 0;
        const made = typedArraysMadeBy(() => {
          for (let s = 0; s < 300; s++) last = step();
        });
        assert.equal(made, 0, 'typed arrays or views made in the steady-state training step');
        assert.ok(Number.isFinite(last));
        assert.equal(net.arena.usedBytes, used, 'the arena did not grow');
        assert.equal(net.arena.memoryBytes, memory);
        assert.equal(net.arena.generation, generation, 'the memory was never replaced');
        // Smaller batches use prefixes of the plan.
        const part = { shape: [3, 12, 12, 2], data: x.data.subarray(0, 3 * 288) };
        net.trainBatch(part, labels.subarray(0, 3), 'sparseCategoricalCrossentropy');
        net.evaluateBatch(x, labels, 'sparseCategoricalCrossentropy');
        net.featureMaps({ shape: [12, 12, 2], data: x.data.subarray(0, 288) });
        assert.equal(net.plannedBatch, 8);
        assert.equal(net.arena.usedBytes, used);
        // Only a larger batch re-plans.
        net.evaluateBatch(randomTensor([9, 12, 12, 2], rng), Int32Array.from({ length: 9 }, () => 1), 'sparseCategoricalCrossentropy');
        assert.equal(net.plannedBatch, 9);
      });
      if (which === 'wasm') {
        const k = kernels as WasmKernels;
        assert.ok(k.staging.inPlace > 300, `GEMMs in place: ${k.staging.inPlace}`);
        assert.equal(k.staging.copied, 0, 'no GEMM operand was copied');
      }
    });
  }

  it('a partial batch gives the same results as the same samples planned alone', () => {
    const net = buildNetwork(MIXED, inferShapes(MIXED), 3);
    const alone = buildNetwork(MIXED, inferShapes(MIXED), 3);
    const rng = createRng(5);
    const x = randomTensor([8, 12, 12, 2], rng);
    net.evaluateBatch(x, Int32Array.from({ length: 8 }, () => 0), 'sparseCategoricalCrossentropy');
    const part = { shape: [3, 12, 12, 2], data: x.data.slice(0, 3 * 288) };
    const a = net.forward(part, false).data.slice();
    const b = alone.forward(part, false).data.slice();
    assert.deepEqual(a, b);
  });
});

describe('WebAssembly kernels (gemm copy adapter)', () => {
  it('is named after the variant and keeps the JavaScript kernels for the rest', () => {
    const { kernels } = fresh();
    assert.equal(kernels.name, 'wasm-relaxed-simd');
    // Every kernel without a WebAssembly version (none of ../wasmOps) is the JavaScript one.
    for (const [name, f] of Object.entries(jsKernels)) {
      if (typeof f === 'function' && name !== 'gemm' && name !== 'createArena' && !(WASM_OPS as readonly string[]).includes(name)) {
        assert.equal(kernels[name as keyof typeof kernels], f, name);
      }
    }
    assert.notEqual(kernels.depthwiseForward, jsKernels.depthwiseForward);
    assert.notEqual(kernels.gemm, jsKernels.gemm);
    assert.notEqual(kernels.im2col, jsKernels.im2col);
  });

  it('agrees with the JavaScript gemm at offsets, every transpose, accumulate or not, odd sizes', () => {
    const { kernels } = fresh();
    const rng = createRng(1);
    for (const [m, n, k] of [[1, 1, 1], [3, 7, 33], [33, 1, 7], [7, 33, 3], [50, 20, 300], [1, 200, 9]] as const) {
      for (const ta of [false, true]) for (const tb of [false, true]) for (const acc of [false, true]) {
        const a = random(m * k + 5, rng), b = random(k * n + 3, rng), c = random(m * n + 4, rng);
        const expected = c.slice();
        jsKernels.gemm(ta, tb, m, n, k, a, 5, b, 3, expected, 2, acc);
        const got = c.slice();
        kernels.gemm(ta, tb, m, n, k, a, 5, b, 3, got, 2, acc);
        assertClose(got, expected, 1e-4, `m=${m} n=${n} k=${k} ${ta} ${tb} acc=${acc}`);
        // Outside C's m×n window nothing changed.
        assert.deepEqual([got[0], got[1], ...got.subarray(2 + m * n)], [c[0], c[1], ...c.subarray(2 + m * n)]);
      }
    }
  });

  it('k = 0 zeroes C or leaves it when accumulating; m = 0 touches nothing', () => {
    const { kernels } = fresh();
    const c = Float32Array.from([1, 2, 3, 4, 5]);
    kernels.gemm(false, false, 2, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 1, true);
    assert.deepEqual([...c], [1, 2, 3, 4, 5]);
    kernels.gemm(false, false, 0, 2, 3, new Float32Array(6), 0, new Float32Array(6), 0, c, 1, false);
    assert.deepEqual([...c], [1, 2, 3, 4, 5]);
    kernels.gemm(false, false, 2, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 1, false);
    assert.deepEqual([...c], [1, 0, 0, 0, 0]);
  });

  it('grows its staging only for a larger size, and moves above arena plans made after it', () => {
    const { backend, kernels } = fresh();
    const rng = createRng(2);
    const run = (m: number, n: number, k: number): void => {
      kernels.gemm(false, false, m, n, k, random(m * k, rng), 0, random(k * n, rng), 0, new Float32Array(m * n), 0, false);
    };
    run(40, 30, 20);
    const plans = kernels.staging.plans;
    const bytes = backend.memoryBytes;
    run(40, 30, 20);
    run(10, 3, 5);
    assert.equal(kernels.staging.plans, plans, 'same or smaller sizes reuse the regions');
    assert.equal(backend.memoryBytes, bytes);
    const other = backend.alloc(100);
    run(400, 30, 20);
    assert.equal(kernels.staging.plans, plans + 1);
    assert.ok(backend.mark() > other, 'the new regions lie above the other plan');
    run(40, 30, 20);
    assert.equal(kernels.staging.plans, plans + 1);
  });

  it('trains with no staging growth after the first step, close to the JavaScript kernels, identically run to run', () => {
    const { backend, kernels } = fresh();
    const js = lossCurve(4);
    let plansAfterFirst = 0;
    let memoryAfterFirst = 0;
    const wasm = withKernels(kernels, () => {
      lossCurve(1);
      plansAfterFirst = kernels.staging.plans;
      memoryAfterFirst = backend.memoryBytes;
      return lossCurve(4);
    });
    const again = withKernels(kernels, () => lossCurve(4));
    assert.equal(kernels.staging.plans, plansAfterFirst, 'no re-planning after the first step');
    assert.equal(backend.memoryBytes, memoryAfterFirst, 'the memory did not grow');
    assert.deepEqual(again, wasm, 'bit-identical with the same seed');
    assertClose(Float32Array.from(wasm), Float32Array.from(js), 1e-4, 'wasm vs js loss curve');
  });
});
