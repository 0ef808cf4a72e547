// The threaded WebAssembly GEMM (src/engine/wasm/threadPool.ts, hosted by src/node/runtime/kernelThreads.ts): bit-identical to one
// thread for 1, 2 and 3 threads on odd shapes, every transpose and accumulate mode and padded leading
// dimensions; memories attached per backend and grown between calls; a helper's failure or death is an error,
// not a hang; close() ends the helpers (mocha exits without --exit).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createKernelThreadPool } from '../../../src/node/runtime/kernelThreads';
import { gemm as jsGemm } from '../../../src/engine/kernels/gemm';
import { createRng, type Rng } from '../../../src/engine/rng';
import { ACTIVATION_CODES } from '../../../src/engine/wasm/abi';
import { loadWasmBackend, WASM_VARIANTS, type WasmBackend } from '../../../src/engine/wasm/backend';
import { partStart, planSplit, splitsOverK, type KernelThreadPool } from '../../../src/engine/wasm/threadPool';
import { skipUnavailable } from '../../unit/availability';
import { assertClose, infoFor, randomTensor } from '../../unit/engine/helpers';
import { allocBuf } from '../../../src/engine/arena';
import { getKernels, jsKernels, setKernels } from '../../../src/engine/kernels';
import { createWasmKernels } from '../../../src/engine/kernels/wasm';
import { createLayer } from '../../../src/engine/layers';
import { tensor } from '../../../src/engine/tensor';
import { setWinograd } from '../../../src/model/layers/winograd';
import type { Window2d } from '../../../src/model/geometry';
import { enableRelaxedSimd, put, random, readWasmBinaries } from '../../unit/engine/wasmHelpers';

enableRelaxedSimd();
const binaries = readWasmBinaries();

interface Case { transA: boolean; transB: boolean; m: number; n: number; k: number; acc: boolean; pad: number }

/** C after the product on `be` from the same inputs; lda/ldb/ldc padded by `pad` floats. */
function run(be: WasmBackend, c: Case, a: Float32Array, b: Float32Array, c0: Float32Array): Uint32Array {
  const { transA, transB, m, n, k, acc, pad } = c;
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  const mark = be.mark();
  const pa = put(be, a), pb = put(be, b), pc = put(be, c0);
  be.gemm(transA, transB, m, n, k, pa, pb, pc, acc, lda, ldb, ldc);
  const out = new Uint32Array(be.f32At(pc, c0.length).slice().buffer);
  be.release(mark);
  return out;
}

function inputs(c: Case, rng: Rng): [Float32Array, Float32Array, Float32Array] {
  const { transA, transB, m, n, k, pad } = c;
  const rowsA = transA ? k : m, rowsB = transB ? n : k;
  const a = random(rowsA * ((transA ? m : k) + pad), rng);
  const b = random(rowsB * ((transB ? k : n) + pad), rng);
  return [a, b, random(m * (n + pad), rng)];
}

const SIZES = [1, 3, 7, 33, 257];
const MODES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

function cases(): Case[] {
  const out: Case[] = [];
  for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
    for (const [transA, transB] of MODES) for (const acc of [false, true]) out.push({ transA, transB, m, n, k, acc, pad: 0 });
  }
  // Past the cache blocks (MC 128, KC 256, NC 1024), the direct path (n ≤ 32), and padded leading dimensions.
  // Weight-gradient shapes that split over k (a first convolution's 25 × 8 over 25,088 rows; 27 × 32).
  for (const [m, n, k] of [[25, 8, 25088], [27, 32, 2000], [9, 1, 600]]) out.push({ transA: true, transB: false, m: m!, n: n!, k: k!, acc: true, pad: 0 });
  for (const [m, n, k] of [[300, 20, 270], [9, 1100, 40], [517, 70, 300], [64, 33, 5]]) {
    for (const [transA, transB] of MODES) out.push({ transA, transB, m: m!, n: n!, k: k!, acc: true, pad: 0 }, { transA, transB, m: m!, n: n!, k: k!, acc: false, pad: 5 });
  }
  return out;
}

describe('GEMM partitioning', () => {
  it('splits the larger of m and n into chunks of whole 4-row / 8-column units that cover it exactly once', () => {
    assert.deepEqual(planSplit(100, 10, 2), { parts: 6, byRows: true }, '25 units: chunks of at least 4');
    assert.deepEqual(planSplit(25088, 16, 2), { parts: 8, byRows: true }, 'four chunks a thread');
    assert.deepEqual(planSplit(10, 100, 3), { parts: 3, byRows: false });
    assert.deepEqual(planSplit(3, 1, 3), { parts: 1, byRows: true }, 'one 4-row unit cannot be split');
    for (const total of [1, 3, 4, 7, 8, 33, 257, 1000]) for (const unit of [4, 8]) for (const parts of [1, 2, 3, 5]) {
      let prev = 0;
      for (let t = 0; t <= parts; t++) {
        const s = partStart(total, unit, parts, t);
        assert.ok(s >= prev, 'parts are in order');
        if (t < parts) assert.ok(s % unit === 0, 'parts start on a unit');
        prev = s;
      }
      assert.equal(partStart(total, unit, parts, 0), 0);
      assert.equal(partStart(total, unit, parts, parts), total);
    }
  });
});

for (const variant of WASM_VARIANTS) {
  describe(`threaded wasm gemm (${variant})`, function () {
    this.timeout(120000);
    const pools: KernelThreadPool[] = [];
    let single: WasmBackend;
    before(function () {
      const r = loadWasmBackend(binaries, { variant });
      if (!r.backend) skipUnavailable(this, `wasm-${variant}: ${r.reason}`);
      single = r.backend;
    });
    after(async () => {
      await Promise.all(pools.map((p) => p.close()));
    });

    async function pooled(threads: number, minMadds = 0): Promise<{ pool: KernelThreadPool; be: WasmBackend }> {
      const pool = createKernelThreadPool(threads, { minMadds });
      await pool.ready();
      pools.push(pool);
      const r = loadWasmBackend(binaries, { variant, pool });
      assert.ok(r.backend);
      return { pool, be: r.backend };
    }

    for (const threads of [1, 2, 3]) {
      it(`equals one thread bit for bit on ${threads} thread${threads > 1 ? 's' : ''} (odd shapes, every mode, accumulate, padded strides)`, async () => {
        const { pool, be } = await pooled(threads);
        const rng = createRng(100 + threads);
        const all = cases();
        for (const c of all) {
          const [a, b, c0] = inputs(c, rng);
          const expected = run(single, c, a, b, c0);
          const got = run(be, c, a, b, c0);
          if (Buffer.compare(Buffer.from(got.buffer), Buffer.from(expected.buffer)) !== 0) {
            assert.fail(`${threads} threads differ from 1: ${c.transA ? 'Aᵀ' : 'A'}·${c.transB ? 'Bᵀ' : 'B'} m=${c.m} n=${c.n} k=${c.k}${c.acc ? ' accumulate' : ''} pad ${c.pad}`);
          }
        }
        const overK = (c: Case): boolean => splitsOverK(c.m, c.n, c.k, threads, c.acc && c.pad === 0, be.splitScratchFloats);
        const splittable = all.filter((c) => planSplit(c.m, c.n, threads).parts > 1 || overK(c)).length;
        if (threads > 1) assert.ok(all.filter(overK).length >= 3, 'some products split over k');
        assert.equal(pool.jobs, threads > 1 ? splittable : 0, 'every splittable product ran threaded');
        if (threads > 1) assert.ok(pool.helperChunks > 0, 'helpers computed some of the chunks');
      });
    }

    it('splits a convolution forward (patches kept or not) by output rows, bit-identical to one thread', async () => {
      const { pool, be } = await pooled(3);
      // [batch, c, in, kernel, stride, pad, outC]: LeNet's two convolutions, odd ones, one with k > 256.
      const shapes: [number, number, number, number, number, number, number][] = [
        [5, 1, 28, 5, 1, 2, 8], [5, 8, 14, 5, 1, 2, 16], [3, 3, 11, 3, 2, 1, 5], [2, 33, 9, 3, 1, 1, 7],
      ];
      for (const [batch, c, inH, kh, s, pad, outC] of shapes) {
        const outH = Math.floor((inH + 2 * pad - kh) / s) + 1;
        const rows = batch * outH * outH, k = kh * kh * c;
        const sizes = [batch * inH * inH * c, rows * k, k * outC, rows * outC, rows * outC, outC];
        const run1 = (b: WasmBackend, keep: boolean): Float32Array[] => {
          const mark = b.mark();
          const [x, cols, w, z, y, bias] = sizes.map((n) => b.alloc(n));
          const r = createRng(inH * 31 + c);
          for (const [p, n] of [[x, sizes[0]], [w, sizes[2]], [bias, sizes[5]]] as const) {
            const v = b.f32At(p, n!);
            for (let i = 0; i < v.length; i++) v[i] = 2 * r.next() - 1;
          }
          b.convForward({
            x: x!, cols: cols!, w: w!, z: z!, y: y!, bias: bias!, act: ACTIVATION_CODES.relu, alpha: 0, keep, rows, outC, k,
            geometry: [c, inH, inH, kh, kh, s, s, 1, 1, pad, pad, outH, outH],
          });
          const out = [b.f32At(z!, rows * outC).slice(), b.f32At(y!, rows * outC).slice()];
          if (keep) out.push(b.f32At(cols!, rows * k).slice());
          b.release(mark);
          return out;
        };
        for (const keep of [true, false]) {
          const jobs = pool.jobs;
          assert.deepEqual(run1(be, keep), run1(single, keep), `conv ${batch}×${inH}×${inH}×${c} k${kh} s${s} → ${outC}, keep ${keep}`);
          assert.equal(pool.jobs, jobs + 1, 'ran threaded');
        }
      }
    });

    it('runs a Winograd convolution (transforms split by samples, GEMMs by rows) bit-identical to one thread', async () => {
      const { pool, be } = await pooled(2);
      const input = [9, 11, 20];
      // always: training by Winograd too (the rule would keep this narrow layer's training on im2col).
      setWinograd('always');
      const info = infoFor(input, { type: 'conv2d', filters: 24, kernelSize: 3, padding: 'same', activation: 'relu' });
      const runLayer = (b: WasmBackend): Float32Array[] => {
        const before = getKernels();
        setKernels(createWasmKernels(b));
        try {
          const rng = createRng(4);
          const l = createLayer(info, rng);
          // x and dy in the layer's arena, so that every kernel runs in WebAssembly in place.
          const x = tensor([3, ...input], allocBuf(l.memory.arena, 3 * 9 * 11 * 20).view());
          const dy = tensor([3, 9, 11, 24], allocBuf(l.memory.arena, 3 * 9 * 11 * 24).view());
          x.data.set(randomTensor(x.shape, rng).data);
          dy.data.set(randomTensor(dy.shape, rng).data);
          const y = l.forward(x, true).data.slice();
          assert.ok(l.memory.has('wino'), 'runs by Winograd');
          for (const p of l.params) p.grad.fill(0);
          const dx = l.backward(dy).data.slice();
          return [y, dx, ...l.params.map((p) => p.grad.slice())];
        } finally {
          setKernels(before);
        }
      };
      const jobs = pool.jobs;
      let threaded: Float32Array[], one: Float32Array[];
      try {
        threaded = runLayer(be);
        assert.ok(pool.jobs > jobs, 'ran threaded');
        one = runLayer(single);
      } finally {
        setWinograd('auto');
      }
      threaded.forEach((t, i) => assert.deepEqual(new Uint32Array(t.buffer), new Uint32Array(one[i]!.buffer), `tensor ${i}`));
    });

    it('splits a GEMM on packed weights with its bias + activation by rows or columns, bit-identical to one thread', async () => {
      for (const threads of [2, 3]) {
        const { pool, be } = await pooled(threads);
        // [m, n, k]: MobileNetV2's pointwise convs at batch 1 (rows split, then columns), one past KC and NC.
        for (const [m, n, k] of [[196, 64, 384], [49, 960, 160], [9, 1100, 300], [1, 1000, 1280]] as const) {
          for (const act of [ACTIVATION_CODES.relu6, ACTIVATION_CODES.linear, ACTIVATION_CODES.swish]) {
            const run1 = (b: WasmBackend): Float32Array[] => {
              const mark = b.mark();
              const rng = createRng(m + n + k);
              const a = put(b, random(m * k, rng)), w = put(b, random(k * n, rng)), bias = put(b, random(n, rng));
              const packed = b.alloc(Math.ceil(n / 8) * 8 * k), z = b.alloc(m * n), y = b.alloc(m * n);
              b.packB(w, n, n, k, packed);
              b.gemmPacked({ m, n, k, a, lda: k, packed, c: z, ldc: n, y, bias, act, alpha: 0 });
              const out = [b.f32At(z, m * n).slice(), b.f32At(y, m * n).slice()];
              b.release(mark);
              return out;
            };
            const jobs = pool.jobs;
            const threaded = run1(be);
            assert.equal(pool.jobs, jobs + 1, `ran threaded: ${m}×${n}×${k}`);
            assert.deepEqual(threaded, run1(single), `${threads} threads, ${m}×${n}×${k}, act ${act}`);
          }
        }
      }
    });

    it('splits a depthwise convolution (with its bias + relu6) by output rows, a batch of one too, bit-identical to one thread and equal to JavaScript', async () => {
      const { pool, be } = await pooled(2);
      // [batch, c, mult, in, kernel, stride, pad]: MobileNet's 3×3 at batch 1 (stride 1 and 2), a multiplier, a batch.
      const shapes: [number, number, number, number, number, number, number][] = [
        [1, 32, 1, 17, 3, 1, 1], [1, 24, 1, 16, 3, 2, 1], [1, 6, 2, 9, 5, 1, 2], [3, 8, 1, 7, 3, 1, 0],
      ];
      for (const [batch, c, mult, inH, kh, s, pad] of shapes) {
        const out = Math.floor((inH + 2 * pad - kh) / s) + 1;
        const g: Window2d = { inH, inW: inH, kh, kw: kh, sh: s, sw: s, dh: 1, dw: 1, padTop: pad, padLeft: pad, padBottom: pad, padRight: pad, outH: out, outW: out };
        const xSize = batch * inH * inH * c, wSize = kh * kh * c * mult, ySize = batch * g.outH * g.outW * c * mult;
        const r = createRng(inH * 7 + c);
        const x = Float32Array.from({ length: xSize }, () => 2 * r.next() - 1);
        const w = Float32Array.from({ length: wSize }, () => 2 * r.next() - 1);
        const bias = Float32Array.from({ length: c * mult }, () => r.next() - 0.5);
        const runOn = (b: WasmBackend): Float32Array => {
          const mark = b.mark();
          try {
            const kr = createWasmKernels(b);
            // Views after every allocation: one that grows the memory gives later views a new buffer.
            const sizes = [xSize, wSize, ySize, c * mult];
            const ptrs = sizes.map((n) => b.alloc(n));
            const [xv, wv, yv, bv] = sizes.map((n, i) => b.f32At(ptrs[i]!, n));
            xv!.set(x);
            wv!.set(w);
            bv!.set(bias);
            kr.depthwiseForward(xv!, wv!, yv!, batch, g, c, mult, { act: 'relu6', bias: bv, alpha: 0 });
            return yv!.slice();
          } finally {
            b.release(mark);
          }
        };
        const jobs = pool.jobs;
        const threaded = runOn(be);
        assert.equal(pool.jobs, jobs + 1, `ran threaded: batch ${batch}, ${inH}×${inH}×${c}`);
        assert.deepEqual(new Uint32Array(threaded.buffer), new Uint32Array(runOn(single).buffer), `batch ${batch}, ${inH}×${inH}×${c}×${mult} k${kh} s${s}`);
        const js = new Float32Array(ySize);
        jsKernels.depthwiseForward(x, w, js, batch, g, c, mult, { act: 'relu6', bias, alpha: 0 });
        for (let i = 0; i < ySize; i++) assert.ok(Math.abs(js[i]! - threaded[i]!) <= 1e-5 * (1 + Math.abs(js[i]!)), `element ${i}: ${threaded[i]} vs JavaScript ${js[i]}`);
      }
    });

    it('splits col2im (the patches\' gradient scattered back) by samples, bit-identical to one thread', async () => {
      const { pool, be } = await pooled(2);
      const g: Window2d = { inH: 14, inW: 14, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, outH: 14, outW: 14 };
      const batch = 5, c = 8;
      const colsSize = batch * 14 * 14 * 25 * c, dxSize = batch * 14 * 14 * c;
      const r = createRng(17);
      const cols = random(colsSize, r), dx0 = random(dxSize, r);
      const runOn = (b: WasmBackend): Float32Array => {
        const mark = b.mark();
        try {
          const kr = createWasmKernels(b);
          const [pc, pd] = [b.alloc(colsSize), b.alloc(dxSize)];
          const [cv, dv] = [b.f32At(pc, colsSize), b.f32At(pd, dxSize)];
          cv.set(cols);
          dv.set(dx0);
          kr.col2im(cv, g, c, dv, 0, 0, batch);
          return dv.slice();
        } finally {
          b.release(mark);
        }
      };
      const jobs = pool.jobs;
      const threaded = runOn(be);
      assert.equal(pool.jobs, jobs + 1, 'ran threaded');
      assert.deepEqual(new Uint32Array(threaded.buffer), new Uint32Array(runOn(single).buffer));
      const js = dx0.slice();
      jsKernels.col2im(cols, g, c, js, 0, 0, batch);
      assertClose(threaded, js, 1e-6, 'against JavaScript');
    });

    it('splits a convolution\'s input gradient (its GEMM rows, then col2im) by samples, bit-identical to one thread', async () => {
      const { pool, be } = await pooled(2);
      const g: Window2d = { inH: 14, inW: 14, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, outH: 14, outW: 14 };
      const batch = 5, c = 8, outC = 16, k = 25 * c, rows = batch * 14 * 14;
      const r = createRng(18);
      const dz = random(rows * outC, r), w = random(k * outC, r);
      const runOn = (b: WasmBackend): Float32Array => {
        const mark = b.mark();
        try {
          const kr = createWasmKernels(b);
          const [pz, pw, pc, pd] = [b.alloc(rows * outC), b.alloc(k * outC), b.alloc(rows * k), b.alloc(batch * 14 * 14 * c)];
          const [zv, wv, cv, dv] = [b.f32At(pz, rows * outC), b.f32At(pw, k * outC), b.f32At(pc, rows * k), b.f32At(pd, batch * 14 * 14 * c)];
          zv.set(dz);
          wv.set(w);
          dv.fill(3);
          kr.convBackwardData(zv, wv, outC, cv, dv, batch, g, c);
          return dv.slice();
        } finally {
          b.release(mark);
        }
      };
      const jobs = pool.jobs;
      const threaded = runOn(be);
      assert.equal(pool.jobs, jobs + 1, 'ran threaded');
      assert.deepEqual(new Uint32Array(threaded.buffer), new Uint32Array(runOn(single).buffer));
      const js = new Float32Array(batch * 14 * 14 * c);
      jsKernels.convBackwardData(dz, w, outC, new Float32Array(rows * k), js, batch, g, c);
      assertClose(threaded, js, 1e-4, 'against JavaScript');
    });

    it('splits the merges (sums by blocks of floats, concatenation copies by rows) and zero padding (by samples), bit-identical to one thread', async () => {
      const { pool, be } = await pooled(2);
      const size = 5 * 4096 + 3, rows = 3001, c = 13, width = 40, col = 9;
      const r = createRng(19);
      const a = random(size, r), b = random(size, r), x = random(rows * c, r), y0 = random(rows * width, r);
      const runOn = (bk: WasmBackend): Float32Array[] => {
        const mark = bk.mark();
        try {
          const kr = createWasmKernels(bk);
          const [pa, pb, pout, px, py] = [bk.alloc(size), bk.alloc(size), bk.alloc(size), bk.alloc(rows * c), bk.alloc(rows * width)];
          const [av, bv, ov, xv, yv] = [bk.f32At(pa, size), bk.f32At(pb, size), bk.f32At(pout, size), bk.f32At(px, rows * c), bk.f32At(py, rows * width)];
          av.set(a); bv.set(b); xv.set(x); yv.set(y0);
          kr.addArrays(av, bv, ov, size);
          kr.accumulate(av, bv, size);
          kr.copyColumnsInto(xv, yv, rows, c, width, col);
          const back = new Float32Array(rows * c);
          kr.copyColumnsFrom(yv, xv, rows, c, width, (col + 5) % (width - c));
          back.set(xv);
          // zeroPadding2d and its crop, by samples: 7 images of 30×20×3 padded to 33×24.
          const sides = { top: 1, bottom: 2, left: 3, right: 1 };
          const [pp, pq] = [bk.alloc(7 * 30 * 20 * 3), bk.alloc(7 * 33 * 24 * 3)];
          const [img, padded] = [bk.f32At(pp, 7 * 30 * 20 * 3), bk.f32At(pq, 7 * 33 * 24 * 3)];
          img.set(a.subarray(0, img.length));
          kr.zeroPad(img, padded, 7, 30, 20, 3, sides);
          const out = padded.slice();
          padded.set(b.subarray(0, padded.length));
          kr.cropPadding(padded, img, 7, 30, 20, 3, sides);
          return [ov.slice(), av.slice(), yv.slice(), back, out, img.slice()];
        } finally {
          bk.release(mark);
        }
      };
      const jobs = pool.jobs;
      const threaded = runOn(be);
      assert.equal(pool.jobs, jobs + 6, 'each ran threaded');
      const one = runOn(single);
      threaded.forEach((t, i) => assert.deepEqual(new Uint32Array(t.buffer), new Uint32Array(one[i]!.buffer), `result ${i}`));
    });

    it('agrees with the JavaScript gemm (the threaded parts are the right sub-products)', async () => {
      const { be } = await pooled(3);
      const rng = createRng(5);
      for (const [transA, transB] of MODES) {
        const c: Case = { transA, transB, m: 70, n: 45, k: 300, acc: true, pad: 0 };
        const [a, b, c0] = inputs(c, rng);
        const expected = c0.slice();
        jsGemm(transA, transB, c.m, c.n, c.k, a, 0, b, 0, expected, 0, true);
        assertClose(new Float32Array(run(be, c, a, b, c0).buffer), expected, 1e-4, `${transA}/${transB}`);
      }
    });

    it('runs on every backend of the pool (spawned memories) and across memory.grow', async () => {
      const { pool, be } = await pooled(2);
      const other = be.spawn();
      assert.equal(other.pool, pool, 'spawn keeps the pool');
      const rng = createRng(9);
      const c: Case = { transA: false, transB: true, m: 90, n: 40, k: 50, acc: false, pad: 0 };
      const [a, b, c0] = inputs(c, rng);
      const expected = run(single, c, a, b, c0);
      assert.deepEqual(run(other, c, a, b, c0), expected);
      assert.deepEqual(run(be, c, a, b, c0), expected);
      // Grow after the helpers attached: operands in the new pages.
      const bytes = other.memoryBytes;
      other.alloc(8 << 20);
      assert.ok(other.memoryBytes > bytes);
      assert.deepEqual(run(other, c, a, b, c0), expected);
    });

    it('keeps small products on the calling thread (below minMadds)', async () => {
      const { pool, be } = await pooled(2, 1 << 20);
      const rng = createRng(3);
      const small: Case = { transA: false, transB: false, m: 64, n: 64, k: 64, acc: false, pad: 0 };
      run(be, small, ...inputs(small, rng));
      assert.equal(pool.jobs, 0);
      const big: Case = { transA: false, transB: false, m: 128, n: 128, k: 128, acc: false, pad: 0 };
      run(be, big, ...inputs(big, rng));
      assert.equal(pool.jobs, 1);
    });

    it('reports a chunk that fails (whichever thread ran it), and keeps working', async () => {
      const { be } = await pooled(2);
      const m = 64, n = 16, k = 8;
      const pa = be.alloc(m * k), pb = be.alloc(k * n);
      // C's first 32 rows end exactly at the end of the memory: the chunks of the other 32 are past it.
      const pc = be.memoryBytes - 32 * n * 4;
      assert.throws(() => be.gemm(false, false, m, n, k, pa, pb, pc, false), /out of bounds/);
      const rng = createRng(4);
      const c: Case = { transA: false, transB: false, m: 50, n: 30, k: 20, acc: false, pad: 0 };
      const [a, b, c0] = inputs(c, rng);
      assert.deepEqual(run(be, c, a, b, c0), run(single, c, a, b, c0));
    });

    it('reports a helper that dies in the middle of a chunk instead of waiting for it', async () => {
      const pool = createKernelThreadPool(2, { minMadds: 0, entry: join(__dirname, 'dyingKernelThread.ts') });
      pools.push(pool);
      await pool.ready();
      const r = loadWasmBackend(binaries, { variant, pool });
      assert.ok(r.backend);
      const be = r.backend;
      // Big enough (about a millisecond a chunk) that the helper wakes up and claims one while the caller works.
      const m = 2048, n = 64, k = 256;
      const pa = be.alloc(m * k), pb = be.alloc(k * n), pc = be.alloc(m * n);
      // Under load the helper may wake late and the caller take every chunk itself: keep calling until the helper
      // has claimed one (and died in it). A caller that waited forever for the dead helper would time the test out.
      const deadline = Date.now() + 60000;
      let error: unknown;
      while (error === undefined && Date.now() < deadline) {
        try {
          be.gemm(false, false, m, n, k, pa, pb, pc, false);
        } catch (e) {
          error = e;
        }
      }
      assert.match(String(error), /GEMM worker thread 1 exited.*code 7/);
      assert.throws(() => be.gemm(false, false, m, n, k, pa, pb, pc, false), /exited/, 'and stays broken');
    });

    it('computes alone while helpers start, and reports one that cannot start', async () => {
      const pool = createKernelThreadPool(2, { minMadds: 0, entry: join(__dirname, 'no-such-kernel-thread.js') });
      pools.push(pool);
      const r = loadWasmBackend(binaries, { variant, pool });
      assert.ok(r.backend);
      const be = r.backend;
      const rng = createRng(8);
      const c: Case = { transA: false, transB: false, m: 40, n: 24, k: 16, acc: false, pad: 0 };
      const [a, b, c0] = inputs(c, rng);
      assert.deepEqual(run(be, c, a, b, c0), run(single, c, a, b, c0), 'before the helper is up, the caller computes alone');
      assert.equal(pool.jobs, 0);
      await assert.rejects(pool.ready(), /GEMM worker thread 1 .*(Cannot find module|exited)/);
      assert.throws(() => run(be, c, a, b, c0), /GEMM worker thread 1 exited/);
    });

    it('close() ends the helpers and refuses later products', async () => {
      const { pool, be } = await pooled(3);
      const pa = be.alloc(64 * 8), pb = be.alloc(8 * 16), pc = be.alloc(64 * 16);
      be.gemm(false, false, 64, 16, 8, pa, pb, pc, false);
      const t0 = Date.now();
      await pool.close();
      assert.ok(Date.now() - t0 < 1500, `helpers left at once, not after the grace period (${Date.now() - t0} ms)`);
      assert.throws(() => be.gemm(false, false, 64, 16, 8, pa, pb, pc, false), /closed/);
      await pool.close();
    });
  });
}
