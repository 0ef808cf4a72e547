// The host side of the kernels choice: the best variant, fallbacks that say why, CNN_KERNELS, and withKernels
// restoring the previous kernels.
import assert from 'node:assert/strict';
import { getKernels, jsKernels } from '../../../../src/engine/kernels';
import {
  activeKernels, describeKernels, describeKernelsAndThreads, kernelsRequestFromEnv, loadKernels, loadKernelsWithThreads, setWasmBinaryProvider, withKernels,
} from '../../../../src/node/runtime/loadKernels';
import { readWasmBinaries } from '../../engine/wasmHelpers';

describe('kernels choice (data/kernels)', () => {
  afterEach(() => setWasmBinaryProvider(readWasmBinaries));

  it('loads the best WebAssembly variant (sets the relaxed-SIMD flag itself) and reuses it', () => {
    setWasmBinaryProvider(readWasmBinaries);
    const best = loadKernels('auto');
    assert.equal(best.name, 'wasm-relaxed-simd');
    assert.equal(best.fallback, undefined);
    assert.equal(describeKernels(best), 'kernels: wasm-relaxed-simd');
    assert.equal(loadKernels('wasm'), best, 'one backend per process');
    assert.equal(loadKernels('wasm-simd').name, 'wasm-simd');
    assert.equal(loadKernels('js').kernels, jsKernels);
  });

  it('falls back to JavaScript with the reason when the bytes are missing or do not validate', () => {
    setWasmBinaryProvider(() => {
      throw new Error('no .wasm in /nowhere');
    });
    const missing = loadKernels('auto');
    assert.equal(missing.kernels, jsKernels);
    assert.equal(describeKernels(missing), 'kernels: js (WebAssembly unavailable: no .wasm in /nowhere)');
    setWasmBinaryProvider(() => ({ simd: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }));
    assert.match(describeKernels(loadKernels('auto')), /^kernels: js \(WebAssembly unavailable: no WebAssembly variant validates here \(tried: simd\)\)$/);
  });

  it('runs the GEMM on the thread count asked for, and says so', async () => {
    setWasmBinaryProvider(readWasmBinaries);
    const warnings: string[] = [];
    const two = await loadKernelsWithThreads('auto', 2, (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
    assert.equal(two.threads, 2);
    assert.ok(two.pool, 'a pool of helper threads');
    assert.equal(describeKernelsAndThreads(two), 'kernels: wasm-relaxed-simd, 2 threads');
    assert.notEqual(two, loadKernels('auto'), 'one backend per thread count');
    assert.equal(loadKernels('auto', 2), two);
    assert.equal(describeKernelsAndThreads(loadKernels('auto')), 'kernels: wasm-relaxed-simd, 1 thread');
    assert.equal(describeKernelsAndThreads(loadKernels('js', 2)), 'kernels: js, 1 thread', 'the JavaScript kernels are single-threaded');
  });

  it('reads CNN_KERNELS, ignoring unknown values', () => {
    assert.equal(kernelsRequestFromEnv({ CNN_KERNELS: 'js' }), 'js');
    assert.equal(kernelsRequestFromEnv({ CNN_KERNELS: 'wasm-simd' }), 'wasm-simd');
    assert.equal(kernelsRequestFromEnv({ CNN_KERNELS: 'fast' }), 'auto');
    assert.equal(kernelsRequestFromEnv({}), 'auto');
  });

  it('withKernels installs a choice for the work and restores the previous kernels after, even on error', async () => {
    setWasmBinaryProvider(readWasmBinaries);
    const before = getKernels();
    const wasm = loadKernels('auto');
    await withKernels(wasm, async () => {
      assert.equal(getKernels(), wasm.kernels);
      assert.equal(activeKernels(), wasm);
    });
    assert.equal(getKernels(), before);
    await assert.rejects(withKernels(wasm, () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(getKernels(), before);
  });
});
