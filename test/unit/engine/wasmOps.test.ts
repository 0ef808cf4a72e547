// The WebAssembly kernels besides the GEMM (src/engine/kernels/wasmOps.ts) against their JavaScript references,
// on random shapes with odd sizes, operands in a wasm memory (so the module runs in place): bit-identical where
// the arithmetic is the same (copies, float32 adds, max, float64 expressions rounded once), 1e-6 relative for
// sigmoid/tanh/softmax (AssemblyScript's Math, not V8's) and the sum of squares (another summation order). Operands
// outside a wasm memory take the JavaScript kernel.
import assert from 'node:assert/strict';
import { jsKernels, setKernels, getKernels } from '../../../src/engine/kernels';
import type { WasmOpName } from '../../../src/engine/kernels/wasmOps';
import { buildNetwork } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { adamRule } from '../../../src/engine/optimizers/adam';
import { rmspropRule } from '../../../src/engine/optimizers/rmsprop';
import type { UpdateRule } from '../../../src/engine/optimizers/rule';
import { sgdRule } from '../../../src/engine/optimizers/sgd';
import { createRng, type Rng } from '../../../src/engine/rng';
import { windowOutput, type Window2d } from '../../../src/model/geometry';
import { inferShapes } from '../../../src/model/shapes';
import type { ActivationName } from '../../../src/model/types';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { assertClose } from './helpers';
import { enableRelaxedSimd, freshBackend, Regions } from './wasmHelpers';

enableRelaxedSimd();

function fill(v: Float32Array, rng: Rng, levels = 0): Float32Array {
  // With `levels`, few distinct values: max-pool ties and exact zeros happen.
  for (let i = 0; i < v.length; i++) v[i] = levels > 0 ? (rng.int(levels) - (levels >> 1)) * 0.5 : (2 * rng.next() - 1) * 3;
  return v;
}

/** A window with explicit paddings (up to a whole window outside the image: windows with no tap happen), in
 *  ceil mode one time in three (a last window past the bottom/right padding). */
function windowOf(rng: Rng, inH: number, inW: number): Window2d | undefined {
  const kh = 1 + rng.int(3), kw = 1 + rng.int(3), sh = 1 + rng.int(2), sw = 1 + rng.int(2), dh = 1 + rng.int(2), dw = 1 + rng.int(2);
  const padTop = rng.int(3), padLeft = rng.int(3), padBottom = rng.int(3), padRight = rng.int(3);
  const ceil = rng.int(3) === 0;
  const outH = windowOutput(inH, (kh - 1) * dh + 1, sh, padTop, padBottom, ceil);
  const outW = windowOutput(inW, (kw - 1) * dw + 1, sw, padLeft, padRight, ceil);
  if (outH < 1 || outW < 1) return undefined;
  return { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, outH, outW };
}

const ODD = [1, 3, 7, 33] as const;

/** Random geometries with odd sizes: [batch, c, window]. */
function geometries(seed: number, count: number): [number, number, Window2d][] {
  const rng = createRng(seed);
  const out: [number, number, Window2d][] = [];
  while (out.length < count) {
    const g = windowOf(rng, ODD[rng.int(3)]! + rng.int(3), ODD[rng.int(3)]! + rng.int(3));
    if (g) out.push([1 + rng.int(3), ODD[rng.int(4)]!, g]);
  }
  // The usual: 3×3 'same' over 32 channels, a 2×2 pool, a 5×5 kernel on one channel.
  out.push([2, 32, { inH: 8, inW: 8, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, outH: 8, outW: 8 }]);
  out.push([3, 16, { inH: 8, inW: 8, kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outH: 4, outW: 4 }]);
  out.push([2, 1, { inH: 12, inW: 12, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, outH: 12, outW: 12 }]);
  return out;
}

function describeG(n: number, c: number, g: Window2d): string {
  return `n=${n} c=${c} in ${g.inH}×${g.inW} k ${g.kh}×${g.kw} s ${g.sh}×${g.sw} d ${g.dh}×${g.dw} pad ${g.padTop},${g.padBottom},${g.padLeft},${g.padRight} out ${g.outH}×${g.outW}`;
}

describe('WebAssembly kernels besides the GEMM, against the JavaScript ones', () => {
  const { backend, kernels } = freshBackend();
  const ran = (op: WasmOpName): number => kernels.ops.inWasm[op];

  it('im2col and col2im: bit-identical on random batched geometries (strides, dilation, padding, odd channels)', () => {
    const rng = createRng(1);
    for (const [n, c, g] of geometries(11, 40)) {
      const inSize = n * g.inH * g.inW * c, colSize = n * g.outH * g.outW * g.kh * g.kw * c;
      const r = new Regions(backend);
      const ix = r.add(inSize + 3), icols = r.add(colSize + 5), idx = r.add(inSize + 3);
      const v = r.views();
      const x = fill(v[ix]!, rng), cols = fill(v[icols]!, rng), dx = fill(v[idx]!, rng);
      const jsCols = cols.slice(), jsDx = dx.slice();
      const before = ran('im2col');
      jsKernels.im2col(x.slice(), 3, g, c, jsCols, 5, n);
      kernels.im2col(x, 3, g, c, cols, 5, n);
      assert.equal(ran('im2col'), before + 1, 'ran in WebAssembly');
      assert.deepEqual(cols, jsCols, `im2col ${describeG(n, c, g)}`);
      fill(cols, rng);
      jsKernels.col2im(cols.slice(), g, c, jsDx, 3, 5, n);
      kernels.col2im(cols, g, c, dx, 3, 5, n);
      assert.deepEqual(dx, jsDx, `col2im ${describeG(n, c, g)}`);
      r.release();
    }
  });

  it('convBackwardData (dz · wᵀ, then col2im, sample by sample): bit-identical to the GEMM then col2im, close to JavaScript', () => {
    const rng = createRng(9);
    let t = 0;
    for (const [n, c, g] of geometries(13, 30)) {
      const outC = [1, 5, 8, 16, 33][t++ % 5]!;
      const k = g.kh * g.kw * c, rows = n * g.outH * g.outW, inSize = n * g.inH * g.inW * c;
      const r = new Regions(backend);
      const idz = r.add(rows * outC), iw = r.add(k * outC), icols = r.add(rows * k), idx = r.add(inSize), icols2 = r.add(rows * k), idx2 = r.add(inSize);
      const v = r.views();
      const dz = fill(v[idz]!, rng), w = fill(v[iw]!, rng), cols = fill(v[icols]!, rng), dx = fill(v[idx]!, rng);
      const what = `outC ${outC}, ${describeG(n, c, g)}`;
      const before = ran('convBackwardData');
      kernels.convBackwardData(dz, w, outC, cols, dx, n, g, c);
      assert.equal(ran('convBackwardData'), before + 1, 'ran in WebAssembly');
      // The unfused kernels of the same module.
      const cols2 = v[icols2]!, dx2 = fill(v[idx2]!, rng);
      kernels.gemm(false, true, rows, k, outC, dz, 0, w, 0, cols2, 0, false);
      dx2.fill(0);
      kernels.col2im(cols2, g, c, dx2, 0, 0, n);
      assert.deepEqual(cols, cols2, `patches' gradient, ${what}`);
      assert.deepEqual(dx, dx2, `dx, ${what}`);
      const jdx = new Float32Array(inSize).fill(7);
      jsKernels.convBackwardData(dz.slice(), w.slice(), outC, new Float32Array(rows * k), jdx, n, g, c);
      assertClose(dx, jdx, 1e-4, `against JavaScript, ${what}`);
      r.release();
    }
  });

  it('grouped im2col and col2im: bit-identical on random batched geometries, 2 to 4 groups', () => {
    const rng = createRng(2);
    let t = 0;
    for (const [n, c0, g] of geometries(12, 30)) {
      const groups = 2 + (t++ % 3), c = groups * c0;
      const inSize = n * g.inH * g.inW * c, colSize = n * g.outH * g.outW * g.kh * g.kw * c;
      const r = new Regions(backend);
      const ix = r.add(inSize + 3), icols = r.add(colSize + 5), idx = r.add(inSize + 3);
      const v = r.views();
      const x = fill(v[ix]!, rng), cols = fill(v[icols]!, rng), dx = fill(v[idx]!, rng);
      const jsCols = cols.slice(), jsDx = dx.slice();
      const before = [ran('im2col'), ran('col2im')];
      jsKernels.im2col(x.slice(), 3, g, c, jsCols, 5, n, groups);
      kernels.im2col(x, 3, g, c, cols, 5, n, groups);
      assert.deepEqual(cols, jsCols, `im2col ${groups} groups, ${describeG(n, c, g)}`);
      fill(cols, rng);
      jsKernels.col2im(cols.slice(), g, c, jsDx, 3, 5, n, groups);
      kernels.col2im(cols, g, c, dx, 3, 5, n, groups);
      assert.deepEqual(dx, jsDx, `col2im ${groups} groups, ${describeG(n, c, g)}`);
      assert.deepEqual([ran('im2col'), ran('col2im')], [before[0]! + 1, before[1]! + 1], 'ran in WebAssembly');
      r.release();
    }
  });

  it('grouped convForward: grouped patches, a GEMM per group, bias and activation, all in WebAssembly, as the JavaScript reference', () => {
    const rng = createRng(22);
    let t = 0;
    for (const [n, c0, g] of geometries(24, 20)) {
      const groups = 2 + (t % 3), c = groups * c0, outC = groups * [1, 3, 5][t % 3]!;
      const act = (['relu', 'linear', 'tanh'] as const)[t++ % 3];
      const k = g.kh * g.kw * c, rows = n * g.outH * g.outW;
      const r = new Regions(backend);
      const ix = r.add(n * g.inH * g.inW * c), iw = r.add((k / groups) * outC), ib = r.add(outC), icols = r.add(rows * k);
      const iz = r.add(rows * outC), iy = r.add(rows * outC);
      const v = r.views();
      const x = fill(v[ix]!, rng), w = fill(v[iw]!, rng), bias = fill(v[ib]!, rng), cols = v[icols]!, z = v[iz]!, y = v[iy]!;
      const linear = act === 'linear';
      const before = [ran('convForward'), ran('im2col'), kernels.staging.inPlace];
      kernels.convForward(x, g, c, w, outC, z, cols, n, true, { act, bias, y: linear ? z : y, alpha: 0 }, groups);
      assert.deepEqual([ran('convForward'), ran('im2col'), kernels.staging.inPlace], [before[0]! + 1, before[1]! + 1, before[2]! + groups], 'ran in WebAssembly, the GEMMs in place');
      const jz = new Float32Array(rows * outC), jy = new Float32Array(rows * outC);
      jsKernels.convForward(x.slice(), g, c, w.slice(), outC, jz, new Float32Array(rows * k), n, false, { act, bias: bias.slice(), y: linear ? jz : jy, alpha: 0 }, groups);
      const what = `${groups} groups, ${describeG(n, c, g)} outC ${outC} ${act}`;
      assertClose(z, jz, 1e-4, `z, ${what}`);
      if (!linear) assertClose(y, jy, 1e-4, `y, ${what}`);
      r.release();
    }
  });

  const ACTS: readonly ActivationName[] = ['linear', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'softmax'];
  const exact = (act: ActivationName): boolean => act !== 'sigmoid' && act !== 'tanh' && act !== 'swish' && act !== 'softmax';
  /** Derivatives from y (sigmoid, tanh, softmax) or from z without exp are exact; swish's calls exp (musl's, not V8's). */
  const exactBackward = (act: ActivationName): boolean => act !== 'swish';

  it('convForward: patches, GEMM, bias and activation fused, bit-identical to those kernels one after the other, patches kept or not', () => {
    const rng = createRng(21);
    const acts: readonly ActivationName[] = ['relu', 'linear', 'leakyRelu', 'tanh', 'relu6', 'swish'];
    let t = 0;
    for (const [n, c, g] of geometries(23, 40)) {
      const outC = [1, 3, 8, 16, 33][t % 5]!;
      const act = acts[t % acts.length]!;
      const withBias = t % 3 !== 0;
      t++;
      const k = g.kh * g.kw * c, rows = n * g.outH * g.outW;
      const r = new Regions(backend);
      const ix = r.add(n * g.inH * g.inW * c), iw = r.add(k * outC), ib = r.add(outC), icols = r.add(rows * k);
      const iz = r.add(rows * outC), iy = r.add(rows * outC), iz2 = r.add(rows * outC), iy2 = r.add(rows * outC);
      const v = r.views();
      const x = fill(v[ix]!, rng), w = fill(v[iw]!, rng), bias = fill(v[ib]!, rng), cols = v[icols]!;
      const [z, y, z2, y2] = [v[iz]!, v[iy]!, v[iz2]!, v[iy2]!];
      const linear = act === 'linear';
      const epilogue = (zz: Float32Array, yy: Float32Array) => ({ act, bias: withBias ? bias : undefined, y: linear ? zz : yy, alpha: 0.2 });
      // The separate kernels (in WebAssembly), then the fused one with and without keeping the patches.
      kernels.im2col(x, 0, g, c, cols, 0, n);
      const patches = cols.slice();
      kernels.gemm(false, false, rows, outC, k, cols, 0, w, 0, z2, 0, false);
      if (!linear) kernels.biasActivationForward(act, z2, withBias ? bias : undefined, y2, rows, outC, 0.2);
      else if (withBias) kernels.addBias(z2, bias, rows, outC);
      const what = `${describeG(n, c, g)} outC ${outC} ${act}${withBias ? ' + bias' : ''}`;
      for (const keep of [true, false]) {
        fill(cols, rng);
        fill(z, rng);
        fill(y, rng);
        const before = ran('convForward');
        kernels.convForward(x, g, c, w, outC, z, cols, n, keep, epilogue(z, y));
        assert.equal(ran('convForward'), before + 1, 'ran in WebAssembly');
        assert.deepEqual(z, z2, `z, keep ${keep}, ${what}`);
        if (!linear) assert.deepEqual(y, y2, `y, keep ${keep}, ${what}`);
        if (keep) assert.deepEqual(cols, patches, `patches kept, ${what}`);
      }
      // Against the JavaScript reference (its own GEMM: another summation order).
      const jz = new Float32Array(rows * outC), jy = new Float32Array(rows * outC);
      jsKernels.convForward(x.slice(), g, c, w.slice(), outC, jz, new Float32Array(rows * k), n, false, { act, bias: withBias ? bias.slice() : undefined, y: linear ? jz : jy, alpha: 0.2 });
      assertClose(z, jz, 1e-4, `z vs js, ${what}`);
      r.release();
    }
  });

  it('bias + activation forward and backward (with the bias-gradient sums), each activation, odd rows and columns, in place too', () => {
    const rng = createRng(2);
    // Multiples of 4 columns take the backward's column-block path (blocks of 16, 8 and 4).
    for (const act of ACTS) for (const rows of ODD) for (const cols of [...ODD, 4, 8, 28, 36]) for (const withBias of [false, true]) for (const inPlace of [false, true]) {
      const size = rows * cols;
      const r = new Regions(backend);
      const iz = r.add(size), ib = r.add(cols), iy = r.add(size), idy = r.add(size), idz = r.add(size), ibg = r.add(cols);
      const v = r.views();
      const z = fill(v[iz]!, rng, rows === 7 ? 5 : 0), bias = fill(v[ib]!, rng), y = inPlace && act !== 'softmax' ? z : v[iy]!;
      const dy = fill(v[idy]!, rng), dz = inPlace ? dy : v[idz]!, biasGrad = fill(v[ibg]!, rng);
      if (act === 'sigmoid' || act === 'tanh' || act === 'swish') for (let i = 0; i < size; i += 5) z[i] = (i % 2 ? -1 : 1) * (i % 3) * 30; // saturation
      if (act === 'relu6') for (let i = 0; i < size; i += 3) z[i] = (i % 2 ? -1 : 1) * (5 + (i % 4)); // both sides of 6 (and 6 itself)
      const what = `${act} ${rows}×${cols} bias=${withBias} inPlace=${inPlace}`;
      // Forward.
      const jz = z.slice(), jb = bias.slice(), jy = y === z ? jz : y.slice();
      jsKernels.biasActivationForward(act, jz, withBias ? jb : undefined, jy, rows, cols, 0.3);
      kernels.biasActivationForward(act, z, withBias ? bias : undefined, y, rows, cols, 0.3);
      assert.deepEqual(z, jz, `${what}: z + bias`);
      if (exact(act)) assert.deepEqual(y, jy, `${what}: forward`);
      else assertClose(y, jy, 1e-6, `${what}: forward`);
      // Backward from the same forward values (wasm's y), so the check is the derivative alone.
      const jdy = dy.slice(), jdz = dz === dy ? jdy : dz.slice(), jbg = biasGrad.slice();
      jsKernels.biasActivationBackward(act, z.slice(), y.slice(), jdy, jdz, rows, cols, 0.3, withBias ? jbg : undefined);
      kernels.biasActivationBackward(act, z, y, dy, dz, rows, cols, 0.3, withBias ? biasGrad : undefined);
      if (exactBackward(act)) {
        assert.deepEqual(dz, jdz, `${what}: backward`);
        assert.deepEqual(biasGrad, jbg, `${what}: bias gradient`);
      } else {
        assertClose(dz, jdz, 1e-6, `${what}: backward`);
        assertClose(biasGrad, jbg, 1e-5, `${what}: bias gradient`);
      }
      // The unfused kernels over the whole size.
      const jy2 = y.slice(), y2 = y;
      jsKernels.activationForward(act, z.slice(), jy2, size, cols, 0.3);
      kernels.activationForward(act, z, y2, size, cols, 0.3);
      if (exact(act)) assert.deepEqual(y2, jy2, `${what}: activationForward`);
      else assertClose(y2, jy2, 1e-6, `${what}: activationForward`);
      fill(dy, rng);
      const jdz2 = new Float32Array(size);
      jsKernels.activationBackward(act, z.slice(), y.slice(), dy.slice(), jdz2, size, cols, 0.3);
      kernels.activationBackward(act, z, y, dy, dz, size, cols, 0.3);
      if (exactBackward(act)) assert.deepEqual(dz, jdz2, `${what}: activationBackward`);
      else assertClose(dz, jdz2, 1e-6, `${what}: activationBackward`);
      r.release();
    }
    assert.ok(ran('biasActivationForward') > 0 && ran('biasActivationBackward') > 0 && ran('activationForward') > 0 && ran('activationBackward') > 0);
    assert.equal(kernels.ops.fallback.biasActivationForward, 0, 'softmax runs in WebAssembly too');
  });

  it('merges and padding: addArrays, accumulate, the concatenation\'s column copies, zeroPad and its crop, bit-identical (odd sizes, past one block, in place)', () => {
    const rng = createRng(12);
    for (const size of [1, 7, 4099, 10000]) {
      const r = new Regions(backend);
      const ia = r.add(size), ib = r.add(size), io = r.add(size);
      const v = r.views();
      const a = fill(v[ia]!, rng), b = fill(v[ib]!, rng), out = fill(v[io]!, rng);
      const ja = a.slice(), jb = b.slice(), jo = out.slice();
      jsKernels.addArrays(ja, jb, jo, size);
      kernels.addArrays(a, b, out, size);
      assert.deepEqual(out, jo, `addArrays ${size}`);
      jsKernels.accumulate(ja, jb, size);
      kernels.accumulate(a, b, size);
      assert.deepEqual(a, ja, `accumulate ${size}`);
      r.release();
    }
    for (const [rows, c, width, col] of [[1, 1, 1, 0], [5, 3, 11, 8], [33, 7, 20, 4], [300, 16, 48, 16]] as const) {
      const r = new Regions(backend);
      const ix = r.add(rows * c), iy = r.add(rows * width);
      const v = r.views();
      const x = fill(v[ix]!, rng), y = fill(v[iy]!, rng);
      const jx = x.slice(), jy = y.slice();
      jsKernels.copyColumnsInto(jx, jy, rows, c, width, col);
      kernels.copyColumnsInto(x, y, rows, c, width, col);
      assert.deepEqual(y, jy, `copyColumnsInto ${rows}×${c} at ${col} of ${width}`);
      fill(y, rng);
      jy.set(y);
      jsKernels.copyColumnsFrom(jy, jx, rows, c, width, col);
      kernels.copyColumnsFrom(y, x, rows, c, width, col);
      assert.deepEqual(x, jx, `copyColumnsFrom ${rows}×${c} at ${col} of ${width}`);
      r.release();
    }
    for (const [n, h, w, c, p] of [[1, 1, 1, 1, { top: 0, bottom: 1, left: 2, right: 0 }], [3, 5, 7, 3, { top: 1, bottom: 2, left: 3, right: 1 }], [2, 9, 4, 16, { top: 2, bottom: 2, left: 2, right: 2 }]] as const) {
      const outSize = n * (h + p.top + p.bottom) * (w + p.left + p.right) * c;
      const r = new Regions(backend);
      const ix = r.add(n * h * w * c), iy = r.add(outSize);
      const v = r.views();
      const x = fill(v[ix]!, rng), y = fill(v[iy]!, rng);
      const jy = y.slice();
      jsKernels.zeroPad(x.slice(), jy, n, h, w, c, p);
      kernels.zeroPad(x, y, n, h, w, c, p);
      assert.deepEqual(y, jy, `zeroPad ${n}×${h}×${w}×${c} ${JSON.stringify(p)}`);
      fill(y, rng);
      const jx = x.slice();
      jsKernels.cropPadding(y.slice(), jx, n, h, w, c, p);
      kernels.cropPadding(y, x, n, h, w, c, p);
      assert.deepEqual(x, jx, `cropPadding ${n}×${h}×${w}×${c} ${JSON.stringify(p)}`);
      r.release();
    }
    for (const op of ['addArrays', 'accumulate', 'copyColumnsInto', 'copyColumnsFrom', 'zeroPad', 'cropPadding'] as const) assert.ok(ran(op) > 0, `${op} ran in WebAssembly`);
  });

  it('addBias and sumRows: bit-identical, odd sizes', () => {
    const rng = createRng(3);
    for (const rows of [...ODD, 100]) for (const cols of ODD) {
      const r = new Regions(backend);
      const ix = r.add(rows * cols), ib = r.add(cols);
      const v = r.views();
      const x = fill(v[ix]!, rng), b = fill(v[ib]!, rng);
      const jx = x.slice(), jb = b.slice();
      jsKernels.addBias(jx, b.slice(), rows, cols);
      kernels.addBias(x, b, rows, cols);
      assert.deepEqual(x, jx, `addBias ${rows}×${cols}`);
      jsKernels.sumRows(x.slice(), rows, cols, jb);
      kernels.sumRows(x, rows, cols, b);
      assert.deepEqual(b, jb, `sumRows ${rows}×${cols}`);
      r.release();
    }
    assert.ok(ran('addBias') > 0 && ran('sumRows') > 0);
  });

  it('max and average pooling forward and backward: bit-identical (ties, windows without taps, ceil mode, counted padding, odd channels)', () => {
    const rng = createRng(4);
    for (const [n, c, g] of geometries(12, 40)) {
      const inSize = n * g.inH * g.inW * c, outSize = n * g.outH * g.outW * c;
      const r = new Regions(backend);
      const ix = r.add(inSize), iy = r.add(outSize), ia = r.add(outSize), idy = r.add(outSize), idx = r.add(inSize);
      const v = r.views();
      const x = fill(v[ix]!, rng, 4), y = v[iy]!, argmax = r.i32(ia), dy = fill(v[idy]!, rng), dx = fill(v[idx]!, rng);
      const what = describeG(n, c, g);
      const jy = new Float32Array(outSize), ja = new Int32Array(outSize), jdx = new Float32Array(inSize);
      jsKernels.maxPoolForward(x.slice(), jy, ja, n, g, c);
      kernels.maxPoolForward(x, y, argmax, n, g, c);
      assert.deepEqual(y, jy, `max forward ${what}`);
      assert.deepEqual(argmax, ja, `argmax ${what}`);
      // Inference: the maxima alone (no argmax).
      fill(y, rng);
      kernels.maxPoolForward(x, y, undefined, n, g, c);
      assert.deepEqual(y, jy, `max forward without argmax ${what}`);
      const jy2 = new Float32Array(outSize);
      jsKernels.maxPoolForward(x.slice(), jy2, undefined, n, g, c);
      assert.deepEqual(jy2, jy, `js max forward without argmax ${what}`);
      jsKernels.maxPoolBackward(dy.slice(), ja, jdx, n, g, c);
      kernels.maxPoolBackward(dy, argmax, dx, n, g, c);
      assert.deepEqual(dx, jdx, `max backward ${what}`);
      for (const countPad of [false, true]) {
        jsKernels.avgPoolForward(x.slice(), jy, n, g, c, countPad);
        kernels.avgPoolForward(x, y, n, g, c, countPad);
        assert.deepEqual(y, jy, `avg forward ${what} countPad ${countPad}`);
        jsKernels.avgPoolBackward(dy.slice(), jdx, n, g, c, countPad);
        kernels.avgPoolBackward(dy, dx, n, g, c, countPad);
        assert.deepEqual(dx, jdx, `avg backward ${what} countPad ${countPad}`);
      }
      r.release();
    }
    // Channels in whole vectors (the windows-inside fast path of the maxima alone).
    for (const [n, , g] of geometries(13, 30)) {
      const c = 4 * (1 + rng.int(3));
      const inSize = n * g.inH * g.inW * c, outSize = n * g.outH * g.outW * c;
      const r = new Regions(backend);
      const ix = r.add(inSize), iy = r.add(outSize);
      const v = r.views();
      const x = fill(v[ix]!, rng, 4), y = v[iy]!;
      const jy = new Float32Array(outSize);
      jsKernels.maxPoolForward(x.slice(), jy, new Int32Array(outSize), n, g, c);
      kernels.maxPoolForward(x, y, undefined, n, g, c);
      assert.deepEqual(y, jy, `max forward without argmax ${describeG(n, c, g)}`);
      r.release();
    }
    for (const op of ['maxPoolForward', 'maxPoolBackward', 'avgPoolForward', 'avgPoolBackward'] as const) assert.ok(ran(op) >= 43, op);
  });

  it('optimizer updates (SGD, momentum, Nesterov, Adam, AdamW, RMSprop ± momentum; clipping scale, L2): bit-identical over steps', () => {
    const rng = createRng(5);
    const rules: [string, UpdateRule][] = [
      ['sgd', sgdRule({ momentum: 0, nesterov: false })],
      ['momentum', sgdRule({ momentum: 0.9, nesterov: false })],
      ['nesterov', sgdRule({ momentum: 0.9, nesterov: true })],
      ['adam', adamRule({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decoupledWeightDecay: 0 })],
      ['adamw', adamRule({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decoupledWeightDecay: 0.004 })],
      ['rmsprop', rmspropRule({ rho: 0.9, momentum: 0, epsilon: 1e-7 })],
      ['rmsprop momentum', rmspropRule({ rho: 0.9, momentum: 0.5, epsilon: 1e-7 })],
    ];
    for (const [name, rule] of rules) for (const size of [...ODD, 1000]) for (const [scale, l2] of [[1, 0], [0.37, 1e-3]] as const) {
      const r = new Regions(backend);
      const iv = r.add(size), ig = r.add(size), is = r.add(size), islots = rule.slots.map(() => r.add(size));
      const v = r.views();
      const value = fill(v[iv]!, rng), grad = v[ig]!, scratch = v[is]!;
      const slots = islots.map((k) => v[k]!.fill(0));
      const jValue = value.slice(), jScratch = new Float32Array(size), jSlots = slots.map((s) => s.slice());
      for (let step = 1; step <= 3; step++) {
        fill(grad, rng);
        jsKernels.applyUpdate(rule, jValue, grad.slice(), jScratch, jSlots, scale, l2, step, 0.01);
        kernels.applyUpdate(rule, value, grad, scratch, slots, scale, l2, step, 0.01);
        const what = `${name} size=${size} scale=${scale} l2=${l2} step ${step}`;
        assert.deepEqual(value, jValue, `${what}: value`);
        slots.forEach((s, j) => assert.deepEqual(s, jSlots[j], `${what}: slot ${rule.slots[j]}`));
      }
      const got = kernels.sumSquares(grad, 0.5);
      const expected = jsKernels.sumSquares(grad.slice(), 0.5);
      assert.ok(Math.abs(got - expected) <= 1e-12 * expected, `sumSquares size=${size}: ${got} vs ${expected}`);
      r.release();
    }
    assert.ok(ran('applyUpdate') > 0 && ran('sumSquares') > 0);
  });

  it('batch norm forward and backward, training and inference: bit-identical (float64 statistics), odd rows and channels', () => {
    const rng = createRng(7);
    for (const rows of [...ODD, 200]) for (const c of ODD) for (const training of [true, false]) {
      const size = rows * c;
      const r = new Regions(backend);
      const ix = r.add(size), iy = r.add(size), idy = r.add(size), idx = r.add(size), ist = r.add(4 * c), ism = r.add(4 * c);
      const ig = r.add(c), ib = r.add(c), imm = r.add(c), imv = r.add(c), igg = r.add(c), ibg = r.add(c);
      const v = r.views();
      const x = fill(v[ix]!, rng), y = v[iy]!, dy = fill(v[idy]!, rng), dx = v[idx]!;
      const f64 = (k: number): Float64Array => new Float64Array(v[k]!.buffer, v[k]!.byteOffset, 2 * c);
      const stats = f64(ist), sums = f64(ism);
      const gamma = fill(v[ig]!, rng), beta = fill(v[ib]!, rng), mm = fill(v[imm]!, rng);
      const mv = v[imv]!, gg = fill(v[igg]!, rng), bg = fill(v[ibg]!, rng);
      for (let i = 0; i < c; i++) mv[i] = 0.5 + rng.next();
      const j = { y: new Float32Array(size), dx: new Float32Array(size), stats: new Float64Array(2 * c), sums: new Float64Array(2 * c), mm: mm.slice(), mv: mv.slice(), gg: gg.slice(), bg: bg.slice() };
      const what = `${rows}×${c} training=${training}`;
      jsKernels.batchNormForward(x.slice(), j.y, j.stats, gamma.slice(), beta.slice(), j.mm, j.mv, size, c, training, 0.99, 1e-3);
      kernels.batchNormForward(x, y, stats, gamma, beta, mm, mv, size, c, training, 0.99, 1e-3);
      assert.deepEqual(y, j.y, `${what}: forward`);
      assert.deepEqual(stats, j.stats, `${what}: statistics`);
      assert.deepEqual([mm, mv], [j.mm, j.mv], `${what}: moving statistics`);
      jsKernels.batchNormBackward(x.slice(), dy.slice(), j.dx, j.stats, j.sums, gamma.slice(), j.gg, j.bg, size, c, training);
      kernels.batchNormBackward(x, dy, dx, stats, sums, gamma, gg, bg, size, c, training);
      assert.deepEqual(dx, j.dx, `${what}: backward`);
      assert.deepEqual([gg, bg], [j.gg, j.bg], `${what}: γ and β gradients`);
      r.release();
    }
    assert.ok(ran('batchNormForward') >= 32 && ran('batchNormBackward') >= 32);
  });

  it('operands outside a wasm memory (or split across memories) take the JavaScript kernels', () => {
    const g: Window2d = { inH: 3, inW: 3, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outH: 2, outW: 2 };
    const x = fill(new Float32Array(9), createRng(6));
    const cols = new Float32Array(16), expected = new Float32Array(16);
    const before = kernels.ops.fallback.im2col;
    kernels.im2col(x, 0, g, 1, cols, 0, 1);
    jsKernels.im2col(x, 0, g, 1, expected, 0, 1);
    assert.deepEqual(cols, expected);
    // x in the memory, cols not: still JavaScript.
    const r = new Regions(backend);
    const ix = r.add(9);
    const inMem = r.views()[ix]!;
    inMem.set(x);
    kernels.im2col(inMem, 0, g, 1, cols, 0, 1);
    assert.deepEqual(cols, expected);
    assert.equal(kernels.ops.fallback.im2col, before + 2);
    r.release();
  });

  it('a short output view is refused instead of writing past it', () => {
    const r = new Regions(backend);
    r.add(10);
    r.add(10);
    const [a, b] = r.views();
    assert.throws(() => kernels.addBias(a!.subarray(0, 5), b!.subarray(0, 3), 2, 3), RangeError);
    r.release();
  });

  it('a network trains with every one of these kernels in WebAssembly (softmax too), identically run to run', () => {
    const model: Model = {
      format: MODEL_FORMAT,
      name: 'mixed',
      input: { shape: [9, 9, 3] },
      layers: [
        { type: 'conv2d', filters: 6, kernelSize: 3, padding: 'same', activation: 'leakyRelu' },
        { type: 'maxPool2d', poolSize: 2 },
        { type: 'batchNorm' },
        { type: 'conv2d', filters: 5, kernelSize: 2, strides: 1, dilationRate: 2, activation: 'tanh' },
        { type: 'avgPool2d', poolSize: 1 },
        { type: 'flatten' },
        { type: 'dense', units: 7, activation: 'sigmoid' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    };
    const curve = (k: typeof jsKernels): number[] => {
      const previous = getKernels();
      setKernels(k);
      try {
        const net = buildNetwork(model, inferShapes(model), 2);
        const opt = createOptimizer({ type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true, clipNorm: 0.5, weightDecay: 1e-4 }, net.params);
        const rng = createRng(3);
        const x = { shape: [5, 9, 9, 3], data: fill(new Float32Array(5 * 243), rng) };
        const labels = Int32Array.from({ length: 5 }, () => rng.int(3));
        const out: number[] = [];
        for (let s = 0; s < 6; s++) {
          net.zeroGrads();
          out.push(net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
          opt.step();
        }
        return out;
      } finally {
        setKernels(previous);
      }
    };
    const k = freshBackend().kernels;
    const a = curve(k);
    const fallbacks = { ...k.ops.fallback };
    assert.deepEqual(curve(k), a, 'bit-identical with the same seed');
    assertClose(Float32Array.from(a), Float32Array.from(curve(jsKernels)), 1e-4, 'wasm vs js loss curve');
    for (const op of ['convForward', 'convBackwardData', 'biasActivationForward', 'biasActivationBackward', 'sumRows', 'maxPoolForward', 'maxPoolBackward', 'avgPoolForward', 'avgPoolBackward', 'sumSquares', 'applyUpdate', 'batchNormForward', 'batchNormBackward'] as const) {
      assert.ok(k.ops.inWasm[op] > 0, `${op} ran in WebAssembly`);
    }
    // Nothing ran in JavaScript (the softmax layer's forward and its cross-entropy included).
    const js = Object.entries(fallbacks).filter(([, n]) => n > 0).map(([op]) => op);
    assert.deepEqual(js, []);
    assert.ok(k.ops.inWasm.softmaxCrossEntropy >= 6, 'softmax cross-entropy ran in WebAssembly');
  });
});
