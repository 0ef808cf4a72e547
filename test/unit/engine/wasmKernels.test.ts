// The WebAssembly Kernels (the copy adapter over the wasm gemm): the JavaScript gemm's contract with offsets and
// accumulate, staging regions that grow only for a larger size and never in a steady-state training step, and a
// network trained on them close to the JavaScript kernels' result and bit-identical run to run.
import assert from 'node:assert/strict';
import { getKernels, jsKernels, setKernels } from '../../../src/engine/kernels';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
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

describe('WebAssembly kernels (gemm copy adapter)', () => {
  it('is named after the variant and keeps the JavaScript kernels for the rest', () => {
    const { kernels } = fresh();
    assert.equal(kernels.name, 'wasm-relaxed-simd');
    assert.equal(kernels.im2col, jsKernels.im2col);
    assert.notEqual(kernels.gemm, jsKernels.gemm);
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
