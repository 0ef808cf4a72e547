// The WebAssembly GEMM (both variants where the runtime has them) against the JavaScript reference gemm: every
// transpose and accumulate mode, odd sizes around the 4×8 tile and the KC/MC/NC cache blocks, leading dimensions,
// and memory.grow between calls. Also the loader's variant selection and the name it reports.
import assert from 'node:assert/strict';
import { gemm as jsGemm } from '../../../src/engine/kernels/gemm';
import { createRng, type Rng } from '../../../src/engine/rng';
import { loadWasmBackend, selectWasmVariant, WASM_VARIANTS, type WasmBackend, type WasmVariant } from '../../../src/engine/wasm/backend';
import { skipUnavailable } from '../availability';
import { assertClose } from './helpers';
import { enableRelaxedSimd, put, random, readWasmBinaries } from './wasmHelpers';

enableRelaxedSimd();
const binaries = readWasmBinaries();
const TOL = 1e-4;

/** Runs one product on both implementations (C prefilled with the same random values) and compares. */
function check(be: WasmBackend, rng: Rng, transA: boolean, transB: boolean, m: number, n: number, k: number, acc: boolean): void {
  const a = random(m * k, rng);
  const b = random(k * n, rng);
  const c0 = random(m * n, rng);
  const mark = be.mark();
  const pa = put(be, a), pb = put(be, b), pc = put(be, c0);
  be.gemm(transA, transB, m, n, k, pa, pb, pc, acc);
  const expected = c0.slice();
  jsGemm(transA, transB, m, n, k, a, 0, b, 0, expected, 0, acc);
  const what = `${be.name} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} m=${m} n=${n} k=${k}${acc ? ' accumulate' : ''}`;
  assertClose(be.f32At(pc, m * n), expected, TOL, what);
  // Inputs untouched.
  assert.deepEqual(be.f32At(pa, a.length), a, `${what}: A changed`);
  assert.deepEqual(be.f32At(pb, b.length), b, `${what}: B changed`);
  be.release(mark);
}

const MODES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe('loadWasmBackend', () => {
  it('picks relaxed SIMD when it validates, else plain SIMD, else says why it cannot', () => {
    const best = selectWasmVariant(binaries);
    assert.ok(best, 'this Node has WebAssembly SIMD');
    const r = loadWasmBackend(binaries);
    assert.equal(r.name, `wasm-${best}`);
    assert.equal(loadWasmBackend({ simd: binaries.simd }).name, 'wasm-simd');
    const none = loadWasmBackend({});
    assert.equal(none.backend, undefined);
    assert.equal(none.name, 'js');
    assert.match(none.backend === undefined ? none.reason : '', /no WebAssembly variant/);
    const broken = loadWasmBackend({ simd: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) });
    assert.equal(broken.name, 'js');
  });

  it('relaxed SIMD validates once Node 20 has --experimental-wasm-relaxed-simd', () => {
    assert.equal(selectWasmVariant(binaries), 'relaxed-simd');
  });

  it('refuses a binary given as the wrong variant', () => {
    assert.throws(() => loadWasmBackend({ 'relaxed-simd': binaries.simd }, { variant: 'relaxed-simd' }), /not that variant/);
  });
});

for (const variant of WASM_VARIANTS) {
  describe(`wasm gemm (${variant})`, function () {
    let be: WasmBackend;
    before(function () {
      const r = loadWasmBackend(binaries, { variant: variant as WasmVariant });
      if (!r.backend) skipUnavailable(this, `wasm-${variant}: ${r.reason}`);
      be = r.backend;
    });

    it('agrees with the JS gemm on every small odd shape, transpose and accumulate mode', () => {
      const rng = createRng(1);
      const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 33];
      for (const m of sizes) for (const n of sizes) for (const k of sizes) {
        for (const [ta, tb] of MODES) check(be, rng, ta, tb, m, n, k, rng.next() < 0.5);
      }
    });

    it('agrees across cache blocks (k > 256, m > 128, n > 1024) and conv/dense-like shapes', () => {
      const rng = createRng(2);
      const shapes: [number, number, number][] = [
        [65, 257, 33], [257, 65, 300], [130, 17, 513], [3, 1030, 7], [129, 1025, 257],
        [784, 16, 150], [150, 16, 784], [784, 150, 16], // conv forward, weight gradient, input gradient (LeNet-like)
        [32, 128, 1000], [1000, 128, 32], [32, 1000, 128], // dense forward, dW, dX
      ];
      for (const [m, n, k] of shapes) for (const [ta, tb] of MODES) for (const acc of [false, true]) check(be, rng, ta, tb, m, n, k, acc);
    });

    it('agrees on random shapes (seeded)', () => {
      const rng = createRng(3);
      for (let t = 0; t < 60; t++) {
        const m = 1 + rng.int(200), n = 1 + rng.int(70), k = 1 + rng.int(400);
        check(be, rng, rng.next() < 0.5, rng.next() < 0.5, m, n, k, rng.next() < 0.5);
      }
    });

    it('a GEMM of one to three rows (B read in place) gives the rows of a taller one bit for bit: batch 1 = batch 8', () => {
      const rng = createRng(7);
      for (const [n, k] of [[1, 1], [5, 3], [32, 16], [45, 300], [1000, 1280], [37, 513]] as const) {
        const mark = be.mark();
        const a = put(be, random(8 * k, rng)), b = put(be, random(k * n, rng)), c0 = random(8 * n, rng);
        for (const acc of [false, true]) {
          const tall = put(be, c0);
          be.gemm(false, false, 8, n, k, a, b, tall, acc);
          for (const m of [1, 2, 3]) {
            const short = put(be, c0.subarray(0, m * n));
            be.gemm(false, false, m, n, k, a, b, short, acc);
            assert.deepEqual(be.f32At(short, m * n), be.f32At(tall, m * n), `${m} rows of ${n}×${k}${acc ? ' accumulate' : ''}`);
          }
        }
        be.release(mark);
      }
    });

    it('k = 0 zeroes C, or leaves it when accumulating; m = 0 or n = 0 touches nothing', () => {
      const rng = createRng(4);
      const mark = be.mark();
      const c0 = random(12, rng);
      const pc = put(be, c0);
      be.gemm(false, false, 3, 4, 0, pc, pc, pc, true);
      assert.deepEqual(be.f32At(pc, 12), c0);
      be.gemm(false, false, 0, 4, 5, pc, pc, pc, false);
      be.gemm(false, false, 3, 0, 5, pc, pc, pc, false);
      assert.deepEqual(be.f32At(pc, 12), c0);
      be.gemm(false, false, 3, 4, 0, pc, pc, pc, false);
      assert.deepEqual(be.f32At(pc, 12), new Float32Array(12));
      be.release(mark);
    });

    it('honours leading dimensions (sub-matrices of larger buffers)', () => {
      const rng = createRng(5);
      const m = 13, n = 11, k = 19, pad = 5;
      for (const [ta, tb] of MODES) {
        const mark = be.mark();
        const lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        const a = random((ta ? k : m) * lda, rng), b = random((tb ? n : k) * ldb, rng), c = random(m * ldc, rng);
        const pa = put(be, a), pb = put(be, b), pc = put(be, c);
        be.gemm(ta, tb, m, n, k, pa, pb, pc, true, lda, ldb, ldc);
        const out = be.f32At(pc, m * ldc);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n + pad; j++) {
            let s = c[i * ldc + j]!;
            if (j < n) for (let p = 0; p < k; p++) s += a[ta ? p * lda + i : i * lda + p]! * b[tb ? j * ldb + p : p * ldb + j]!;
            assert.ok(Math.abs(out[i * ldc + j]! - s) <= 1e-4 * Math.max(1, Math.abs(s)), `ld ${ta},${tb} at ${i},${j}: ${out[i * ldc + j]} vs ${s}`);
          }
        }
        be.release(mark);
      }
    });

    it('keeps data and results right across memory.grow', () => {
      const rng = createRng(6);
      const m = 37, n = 19, k = 45;
      const a = random(m * k, rng), b = random(k * n, rng);
      const expected = new Float32Array(m * n);
      jsGemm(false, true, m, n, k, a, 0, b, 0, expected, 0, false);
      const mark = be.mark();
      const pa = put(be, a), pb = put(be, b), pc = be.alloc(m * n);
      be.gemm(false, true, m, n, k, pa, pb, pc, false);
      const before = be.f32();
      const bytes = be.memoryBytes;
      be.alloc(4 << 20); // 16 MiB more: grows the memory
      assert.ok(be.memoryBytes > bytes, 'the memory grew');
      // A shared memory's old view is not detached: it keeps the old length and still aliases the memory.
      assert.equal(before.byteLength, bytes, 'the old view keeps its length');
      assert.equal(be.f32().byteLength, be.memoryBytes, 'f32() is a view of the grown memory');
      assert.equal(before[pc >>> 2], be.f32()[pc >>> 2], 'both views see the same memory');
      assertClose(be.f32At(pc, m * n), expected, TOL, 'C after grow');
      be.gemm(false, true, m, n, k, pa, pb, pc, true); // C = 2·A·Bᵀ, computed in the grown memory
      const twice = expected.map((v) => 2 * v);
      assertClose(be.f32At(pc, m * n), twice, TOL, 'accumulate after grow');
      be.release(mark);
      assert.equal(be.mark(), mark);
    });
  });
}
