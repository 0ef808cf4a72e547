// The WebAssembly depthwise convolution, elementwise product (dropout) and softmax + cross-entropy kernels
// (src/engine/kernels/wasmOps.ts) against their JavaScript references, on random shapes with odd sizes, operands
// in a wasm memory so the module runs in place; both builds (relaxed SIMD and plain SIMD). Depthwise sums in
// float32 (the reference rounds float64 sums): 1e-4 relative; the product is bit-identical; softmax and its
// cross-entropy use AssemblyScript's Math.exp/log (musl's, not V8's): 1e-6 and 1e-5.
import assert from 'node:assert/strict';
import { getKernels, jsKernels, setKernels } from '../../../src/engine/kernels';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import type { WasmOpName } from '../../../src/engine/kernels/wasmOps';
import { fusedLossStep } from '../../../src/engine/losses';
import { buildNetwork } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import { loadWasmBackend, WASM_VARIANTS, type WasmBackend } from '../../../src/engine/wasm/backend';
import type { Window2d } from '../../../src/model/geometry';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { createKernelThreadPool } from '../../../src/node/runtime/kernelThreads';
import type { KernelThreadPool } from '../../../src/engine/wasm/threadPool';
import { assertClose } from './helpers';
import { enableRelaxedSimd, freshBackend, readWasmBinaries, Regions } from './wasmHelpers';

enableRelaxedSimd();

function fill(v: Float32Array, rng: Rng, scale = 3): Float32Array {
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng.next() - 1) * scale;
  return v;
}

const ODD = [1, 3, 7, 33] as const;

/** A window with explicit paddings (up to a whole window outside the image: windows with no tap happen). */
function windowOf(rng: Rng, inH: number, inW: number): Window2d | undefined {
  const kh = 1 + rng.int(5), kw = 1 + rng.int(5), sh = 1 + rng.int(3), sw = 1 + rng.int(3), dh = 1 + rng.int(3), dw = 1 + rng.int(3);
  const padTop = rng.int(4), padLeft = rng.int(4), padBottom = rng.int(4), padRight = rng.int(4);
  const outH = Math.floor((inH + padTop + padBottom - ((kh - 1) * dh + 1)) / sh) + 1;
  const outW = Math.floor((inW + padLeft + padRight - ((kw - 1) * dw + 1)) / sw) + 1;
  if (outH < 1 || outW < 1) return undefined;
  return { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, outH, outW };
}

const MULTS = [1, 2, 3, 4, 5, 8] as const;

/** [batch, channels, multiplier, window]: random ones with odd sizes, then the usual 3×3 'same' ones. */
function depthwiseCases(seed: number, count: number): [number, number, number, Window2d][] {
  const rng = createRng(seed);
  const out: [number, number, number, Window2d][] = [];
  while (out.length < count) {
    const g = windowOf(rng, ODD[rng.int(4)]! + rng.int(3), ODD[rng.int(4)]! + rng.int(3));
    if (g) out.push([1 + rng.int(3), ODD[rng.int(4)]! + (rng.int(2) ? 0 : rng.int(9)), MULTS[out.length % MULTS.length]!, g]);
  }
  const same = (h: number, k: number, s: number): Window2d => {
    const outH = Math.ceil(h / s), pad = Math.max(0, (outH - 1) * s + k - h);
    return { inH: h, inW: h, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, padTop: pad >> 1, padLeft: pad >> 1, padBottom: pad - (pad >> 1), padRight: pad - (pad >> 1), outH, outW: outH };
  };
  for (const mult of MULTS) out.push([2, 32, mult, same(9, 3, 1)], [3, 16, mult, same(8, 3, 2)], [1, 3, mult, same(7, 5, 1)]);
  // Wide enough for the eight-output sliding blocks (3×3, stride 1 or 2, multiplier 1), with a channel tail too.
  out.push([2, 32, 1, same(24, 3, 1)], [1, 13, 1, same(21, 3, 1)], [1, 12, 1, same(40, 3, 2)], [2, 7, 1, same(37, 3, 2)]);
  return out;
}

function describe2(n: number, c: number, mult: number, g: Window2d): string {
  return `n=${n} c=${c} mult=${mult} in ${g.inH}×${g.inW} k ${g.kh}×${g.kw} s ${g.sh}×${g.sw} d ${g.dh}×${g.dw} pad ${g.padTop},${g.padLeft} out ${g.outH}×${g.outW}`;
}

for (const variant of WASM_VARIANTS) {
  describe(`WebAssembly depthwise, product and softmax kernels (wasm-${variant}) against the JavaScript ones`, () => {
    const { backend, kernels } = freshBackend(variant);
    const ran = (op: WasmOpName): number => kernels.ops.inWasm[op];

    it('depthwise convolution forward and backward: 1e-4 relative on random shapes (odd sizes, strides, dilation, padding, multipliers 1–8)', () => {
      const rng = createRng(31);
      const cases = depthwiseCases(37, 90);
      for (const [n, c, mult, g] of cases) {
        const oc = c * mult;
        const inSize = n * g.inH * g.inW * c, outSize = n * g.outH * g.outW * oc, wSize = g.kh * g.kw * oc;
        const r = new Regions(backend);
        const ix = r.add(inSize), iw = r.add(wSize), iy = r.add(outSize), idy = r.add(outSize), idx = r.add(inSize), idw = r.add(wSize);
        const v = r.views();
        const x = fill(v[ix]!, rng), w = fill(v[iw]!, rng), y = fill(v[iy]!, rng), dy = fill(v[idy]!, rng), dx = fill(v[idx]!, rng), dw = fill(v[idw]!, rng);
        const what = describe2(n, c, mult, g);
        const jy = new Float32Array(outSize).fill(7);
        jsKernels.depthwiseForward(x.slice(), w.slice(), jy, n, g, c, mult);
        const before = ran('depthwiseForward');
        kernels.depthwiseForward(x, w, y, n, g, c, mult);
        assert.equal(ran('depthwiseForward'), before + 1, 'ran in WebAssembly');
        assertClose(y, jy, 1e-4, `forward ${what}`);
        // Backward: dx overwritten, dw accumulated onto what it held.
        const jdx = new Float32Array(inSize).fill(5), jdw = dw.slice();
        jsKernels.depthwiseBackward(x.slice(), w.slice(), dy.slice(), jdx, jdw, n, g, c, mult);
        kernels.depthwiseBackward(x, w, dy, dx, dw, n, g, c, mult);
        assertClose(dx, jdx, 1e-4, `backward dx ${what}`);
        assertClose(dw, jdw, 1e-4, `backward dw ${what}`);
        r.release();
      }
      assert.ok(ran('depthwiseBackward') >= cases.length);
    });

    it('depthwise forward with its bias + activation epilogue: bit-identical to the kernel then biasActivationForward', () => {
      const rng = createRng(43);
      const acts = ['linear', 'relu', 'relu6', 'leakyRelu', 'hardSwish', 'sigmoid'] as const;
      for (const [i, [n, c, mult, g]] of depthwiseCases(47, 24).entries()) {
        const oc = c * mult;
        const inSize = n * g.inH * g.inW * c, outSize = n * g.outH * g.outW * oc;
        const r = new Regions(backend);
        const ix = r.add(inSize), iw = r.add(g.kh * g.kw * oc), ib = r.add(oc), iy = r.add(outSize), ie = r.add(outSize);
        const v = r.views();
        const x = fill(v[ix]!, rng), w = fill(v[iw]!, rng), bias = fill(v[ib]!, rng), y = v[iy]!, expected = v[ie]!;
        const act = acts[i % acts.length]!;
        const withBias = i % 3 !== 0;
        kernels.depthwiseForward(x, w, y, n, g, c, mult, { act, bias: withBias ? bias : undefined, alpha: 0.2 });
        kernels.depthwiseForward(x, w, expected, n, g, c, mult);
        kernels.biasActivationForward(act, expected, withBias ? bias : undefined, expected, n * g.outH * g.outW, oc, 0.2);
        const what = `${act}${withBias ? ' + bias' : ''} ${describe2(n, c, mult, g)}`;
        assert.deepEqual(y, expected, what);
        const jy = new Float32Array(outSize);
        jsKernels.depthwiseForward(x.slice(), w.slice(), jy, n, g, c, mult, { act, bias: withBias ? bias.slice() : undefined, alpha: 0.2 });
        assertClose(y, jy, 1e-4, `against JavaScript: ${what}`);
        r.release();
      }
    });

    it('depthwise: windows without any in-image tap give zeros; short views are refused', () => {
      const g: Window2d = { inH: 2, inW: 2, kh: 1, kw: 1, sh: 3, sw: 3, dh: 1, dw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, outH: 2, outW: 2 };
      const r = new Regions(backend);
      r.add(4 * 5); r.add(5); r.add(4 * 5);
      const [x, w, y] = r.views();
      fill(x!, createRng(1));
      fill(w!, createRng(2));
      y!.fill(9);
      kernels.depthwiseForward(x!, w!, y!, 1, g, 5, 1);
      const jy = new Float32Array(20);
      jsKernels.depthwiseForward(x!.slice(), w!.slice(), jy, 1, g, 5, 1);
      assert.deepEqual(y, jy);
      assert.equal(y!.subarray(0, 5).every((v) => v === 0), true, 'the first window sees only padding');
      assert.throws(() => kernels.depthwiseForward(x!, w!, y!.subarray(0, 19), 1, g, 5, 1), RangeError);
      r.release();
    });

    it('dropout mask: bit-identical to the generator\'s draws, which continue where the mask left them', () => {
      for (const [size, keep, seed] of [[1, 0.5, 1], [7, 0.9, 2], [1001, 0.75, 3], [65536, 0.5, 4], [3, 1e-9, 5]] as const) {
        const r = new Regions(backend);
        r.add(size);
        const [mask] = r.views();
        const ours = createRng(seed), ref = createRng(seed);
        ours.next();
        ref.next();
        const before = ran('dropoutMask');
        kernels.dropoutMask(mask!, size, keep, 1 / keep, ours);
        assert.equal(ran('dropoutMask'), before + 1, 'ran in WebAssembly');
        const expected = new Float32Array(size);
        jsKernels.dropoutMask(expected, size, keep, 1 / keep, ref);
        assert.deepEqual(mask, expected, `size ${size}, keep ${keep}`);
        assert.equal(ours.next(), ref.next(), 'the generator continues at the same draw');
        r.release();
      }
      // jump(n) is n draws, from any state (the state wraps past 2³²).
      const a = createRng(0xfffffff0), b = createRng(0xfffffff0);
      a.jump!(100003);
      for (let i = 0; i < 100003; i++) b.next();
      assert.equal(a.next(), b.next());
      assert.throws(() => a.jump!(-1), /bad count/);
    });

    it('elementwise product (dropout): bit-identical, odd sizes, in place', () => {
      const rng = createRng(41);
      for (const size of [...ODD, 64, 1001]) {
        const r = new Regions(backend);
        r.add(size); r.add(size); r.add(size);
        const [a, b, out] = r.views();
        fill(a!, rng);
        for (let i = 0; i < size; i++) b![i] = rng.next() < 0.7 ? 1 / 0.7 : 0;
        const expected = new Float32Array(size);
        jsKernels.multiply(a!.slice(), b!.slice(), expected, size);
        kernels.multiply(a!, b!, out!, size);
        assert.deepEqual(out, expected, `a·b size ${size}`);
        kernels.multiply(a!, b!, a!, size);
        assert.deepEqual(a, expected, `in place, size ${size}`);
        r.release();
      }
      assert.ok(ran('multiply') >= 12);
    });

    it('softmax forward and backward (activation and with a bias), odd rows and columns', () => {
      const rng = createRng(43);
      for (const rows of ODD) for (const cols of ODD) for (const withBias of [false, true]) {
        const size = rows * cols;
        const r = new Regions(backend);
        r.add(size); r.add(cols); r.add(size); r.add(size); r.add(size); r.add(cols);
        const [z, bias, y, dy, dz, bg] = r.views() as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
        fill(z, rng, 20);
        fill(bias, rng);
        fill(dy, rng);
        fill(bg, rng);
        const what = `${rows}×${cols} bias=${withBias}`;
        const jz = z.slice(), jy = new Float32Array(size);
        jsKernels.biasActivationForward('softmax', jz, withBias ? bias.slice() : undefined, jy, rows, cols, 0);
        kernels.biasActivationForward('softmax', z, withBias ? bias : undefined, y, rows, cols, 0);
        assert.deepEqual(z, jz, `${what}: z + bias`);
        assertClose(y, jy, 1e-6, `${what}: forward`);
        const jdz = new Float32Array(size), jbg = bg.slice();
        jsKernels.biasActivationBackward('softmax', z.slice(), y.slice(), dy.slice(), jdz, rows, cols, 0, withBias ? jbg : undefined);
        kernels.biasActivationBackward('softmax', z, y, dy, dz, rows, cols, 0, withBias ? bg : undefined);
        assert.deepEqual(dz, jdz, `${what}: backward (same y)`);
        assert.deepEqual(bg, jbg, `${what}: bias gradient`);
        // The unfused kernels (rows of `cols` within the size).
        const jy2 = new Float32Array(size);
        jsKernels.activationForward('softmax', z.slice(), jy2, size, cols, 0);
        kernels.activationForward('softmax', z, y, size, cols, 0);
        assertClose(y, jy2, 1e-6, `${what}: activationForward`);
        const jdz2 = new Float32Array(size);
        jsKernels.activationBackward('softmax', z.slice(), y.slice(), dy.slice(), jdz2, size, cols, 0);
        kernels.activationBackward('softmax', z, y, dy, dz, size, cols, 0);
        assert.deepEqual(dz, jdz2, `${what}: activationBackward`);
        r.release();
      }
      assert.equal(kernels.ops.fallback.biasActivationForward, 0, 'softmax no longer falls back to JavaScript');
    });

    it('softmax cross-entropy (loss and dLogits): 1e-5 of the reference, with or without the gradient; nothing stays allocated', () => {
      const rng = createRng(47);
      for (const n of [...ODD, 128]) for (const c of [2, 3, 7, 10, 33]) {
        const r = new Regions(backend);
        r.add(n * c); r.add(n * c); r.add(n * c);
        const [z, p, d] = r.views() as [Float32Array, Float32Array, Float32Array];
        fill(z, rng, 8);
        if (n === 7) for (let i = 0; i < n * c; i += 3) z[i] = 60; // large logits: log-sum-exp must not overflow
        kernels.biasActivationForward('softmax', z, undefined, p, n, c, 0);
        const labels = Int32Array.from({ length: n }, () => rng.int(c));
        const jd = new Float32Array(n * c);
        const expected = jsKernels.softmaxCrossEntropy(z.slice(), p.slice(), labels, n, c, jd);
        const top = backend.mark();
        const before = ran('softmaxCrossEntropy');
        const got = kernels.softmaxCrossEntropy(z, p, labels, n, c, d);
        assert.equal(ran('softmaxCrossEntropy'), before + 1, 'ran in WebAssembly');
        assert.equal(backend.mark(), top, 'the labels region is released');
        const what = `n=${n} c=${c}`;
        assert.ok(Math.abs(got - expected) <= 1e-5 * Math.max(1e-6, Math.abs(expected)), `${what}: loss ${got} vs ${expected}`);
        assertClose(d, jd, 1e-5, `${what}: dLogits`);
        d.fill(3);
        const lossOnly = kernels.softmaxCrossEntropy(z, p, labels, n, c, undefined);
        assert.equal(lossOnly, got, `${what}: the same loss without the gradient`);
        assert.ok(d.every((v) => v === 3), `${what}: no gradient written`);
        // Through the engine's loss (what a network's training step calls).
        const fused = fusedLossStep('sparseCategoricalCrossentropy', 'softmax', { shape: [n, c], data: z }, { shape: [n, c], data: p }, labels, true, { shape: [n, c], data: d });
        assert.equal(fused!.loss, got);
        r.release();
      }
    });

    it('operands outside a wasm memory take the JavaScript kernels', () => {
      const rng = createRng(53);
      const g: Window2d = { inH: 3, inW: 3, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outH: 2, outW: 2 };
      const x = fill(new Float32Array(9 * 2), rng), w = fill(new Float32Array(4 * 2), rng), y = new Float32Array(4 * 2);
      const before = { ...kernels.ops.fallback };
      kernels.depthwiseForward(x, w, y, 1, g, 2, 1);
      kernels.depthwiseBackward(x, w, y, new Float32Array(18), new Float32Array(8), 1, g, 2, 1);
      kernels.multiply(x, x, new Float32Array(18), 18);
      kernels.softmaxCrossEntropy(x, x, new Int32Array([0, 1]), 2, 9, undefined);
      for (const op of ['depthwiseForward', 'depthwiseBackward', 'multiply', 'softmaxCrossEntropy'] as const) {
        assert.equal(kernels.ops.fallback[op], before[op] + 1, op);
      }
    });
  });
}

describe('a network with depthwise convolutions, dropout and a softmax output on the WebAssembly kernels', () => {
  it('runs every one of its kernels in WebAssembly, identically run to run, and follows the JavaScript loss curve', () => {
    const model: Model = {
      format: MODEL_FORMAT,
      name: 'depthwise',
      input: { shape: [11, 11, 3] },
      layers: [
        { type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' },
        { type: 'depthwiseConv2d', kernelSize: 3, strides: 2, depthMultiplier: 1, activation: 'linear' },
        { type: 'dropout', rate: 0.3 },
        { type: 'depthwiseConv2d', kernelSize: 2, dilationRate: 2, depthMultiplier: 3, activation: 'tanh' },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 5, activation: 'softmax' },
      ],
    };
    const curve = (k: typeof jsKernels): number[] => {
      const previous = getKernels();
      setKernels(k);
      try {
        const net = buildNetwork(model, inferShapes(model), 4);
        const opt = createOptimizer({ type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: false }, net.params);
        const rng = createRng(5);
        const x = { shape: [6, 11, 11, 3], data: fill(new Float32Array(6 * 363), rng, 1) };
        const labels = Int32Array.from({ length: 6 }, () => rng.int(5));
        const out: number[] = [];
        for (let s = 0; s < 6; s++) {
          net.zeroGrads();
          out.push(net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
          opt.step();
        }
        out.push(net.evaluateBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
        return out;
      } finally {
        setKernels(previous);
      }
    };
    const k = freshBackend().kernels;
    const a = curve(k);
    const fallbacks = Object.entries(k.ops.fallback).filter(([, n]) => n > 0).map(([op]) => op);
    assert.deepEqual(curve(k), a, 'bit-identical with the same seed');
    assertClose(Float32Array.from(a), Float32Array.from(curve(jsKernels)), 1e-4, 'wasm vs js loss curve');
    for (const op of ['depthwiseForward', 'depthwiseBackward', 'multiply', 'softmaxCrossEntropy', 'biasActivationForward'] as const) {
      assert.ok(k.ops.inWasm[op] > 0, `${op} ran in WebAssembly`);
    }
    assert.deepEqual(fallbacks, [], 'nothing fell back to JavaScript');
  });
});

describe('per-sample kernels (pooling, depthwise forward) split over threads', () => {
  const pools: KernelThreadPool[] = [];
  // Only the pools made here: the process's shared pools belong to the kernels loader, which keeps handing them
  // out (closing them here broke a later CLI test's threaded kernels). Their helpers are unref'd: mocha still exits.
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('give the same bits on 2 threads as on one, for max/avg pooling forward and backward (padding counted or not) and depthwise forward', async () => {
    const pool = createKernelThreadPool(2, { minMadds: 0 });
    pools.push(pool);
    await pool.ready();
    const binaries = readWasmBinaries();
    const single = loadWasmBackend(binaries).backend!;
    const one = createWasmKernels(single);
    const threaded = loadWasmBackend(binaries, { pool });
    assert.ok(threaded.backend);
    const two = createWasmKernels(threaded.backend);
    const rng = createRng(61);
    const cases = depthwiseCases(67, 24);
    const jobs0 = pool.jobs;
    for (const [n0, c, mult, g] of cases) {
      const n = n0 + 3; // several samples to split
      const oc = c * mult;
      const inSize = n * g.inH * g.inW * c, outSize = n * g.outH * g.outW * c, dwOut = n * g.outH * g.outW * oc, wSize = g.kh * g.kw * oc;
      const x = fill(new Float32Array(inSize), rng), w = fill(new Float32Array(wSize), rng), dy = fill(new Float32Array(outSize), rng);
      const run = (k: WasmKernels, backend: WasmBackend): Float32Array[] => {
        const r = new Regions(backend);
        const ix = r.add(inSize), iw = r.add(wSize), iy = r.add(outSize), ia = r.add(outSize), iy2 = r.add(outSize), idy = r.add(outSize), idx = r.add(inSize), idx2 = r.add(inSize), idw = r.add(dwOut);
        const iy3 = r.add(outSize), idx3 = r.add(inSize);
        const v = r.views();
        v[ix]!.set(x);
        v[iw]!.set(w);
        v[idy]!.set(dy);
        const argmax = new Int32Array(v[ia]!.buffer, v[ia]!.byteOffset, outSize);
        k.maxPoolForward(v[ix]!, v[iy]!, argmax, n, g, c);
        k.maxPoolBackward(v[idy]!, argmax, v[idx]!, n, g, c);
        k.avgPoolForward(v[ix]!, v[iy2]!, n, g, c);
        k.avgPoolBackward(v[idy]!, v[idx2]!, n, g, c);
        k.avgPoolForward(v[ix]!, v[iy3]!, n, g, c, true);
        k.avgPoolBackward(v[idy]!, v[idx3]!, n, g, c, true);
        k.depthwiseForward(v[ix]!, v[iw]!, v[idw]!, n, g, c, mult);
        const out = [v[iy]!, Float32Array.from(argmax), v[idx]!, v[iy2]!, v[idx2]!, v[idw]!, v[iy3]!, v[idx3]!].map((a) => a.slice());
        r.release();
        return out;
      };
      const a = run(one, single);
      const b = run(two, threaded.backend);
      const what = describe2(n, c, mult, g);
      ['max forward', 'argmax', 'max backward', 'avg forward', 'avg backward', 'depthwise forward', 'avg forward counting padding', 'avg backward counting padding'].forEach((name, i) => assert.deepEqual(b[i], a[i], `${name} ${what}`));
    }
    assert.ok(pool.jobs >= jobs0 + 4 * cases.length, `split jobs: ${pool.jobs - jobs0}`);
  });
});
