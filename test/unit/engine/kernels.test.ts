// The JS kernels against naive references: packed GEMM (every transpose, panel edges, accumulate or overwrite,
// offsets), im2col/col2im (contiguous fast path and border taps, dilation, stride, output offset) and max pooling.
import assert from 'node:assert/strict';
import { jsKernels } from '../../../src/engine/kernels';
import { createRng } from '../../../src/engine/rng';
import { window2d, type Window2d } from '../../../src/model/geometry';
import type { Padding } from '../../../src/model/types';
import { randomTensor } from './helpers';

function naiveGemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, aOff: number, b: Float32Array, bOff: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[aOff + (transA ? p * m + i : i * k + p)]! * b[bOff + (transB ? j * k + p : p * n + j)]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

/** x[iy, ix, ch] of one sample, 0 outside the image. */
function tap(x: Float32Array, xOff: number, g: Window2d, c: number, iy: number, ix: number, ch: number): number {
  return iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW ? 0 : x[xOff + (iy * g.inW + ix) * c + ch]!;
}

function naiveIm2col(x: Float32Array, xOff: number, g: Window2d, c: number): Float32Array {
  const cols = new Float32Array(g.outH * g.outW * g.kh * g.kw * c);
  let o = 0;
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      for (let ky = 0; ky < g.kh; ky++) {
        for (let kx = 0; kx < g.kw; kx++) {
          for (let ch = 0; ch < c; ch++) {
            cols[o++] = tap(x, xOff, g, c, oy * g.sh - g.padTop + ky * g.dh, ox * g.sw - g.padLeft + kx * g.dw, ch);
          }
        }
      }
    }
  }
  return cols;
}

const GEOMETRIES: readonly [string, number, number, number | [number, number], number | [number, number], number | [number, number], Padding, number][] = [
  // name, inH, inW, kernel, strides, dilation, padding, channels
  ['5×5 same, 1 channel (LeNet conv1)', 8, 9, 5, 1, 1, 'same', 1],
  ['3×3 valid, 3 channels', 7, 6, 3, 1, 1, 'valid', 3],
  ['3×2 stride 2 same', 7, 8, [3, 2], 2, 1, 'same', 2],
  ['dilated 3×3 same', 9, 7, 3, 1, [2, 3], 'same', 2],
  ['1×1 stride 2 valid', 5, 5, 1, 2, 1, 'valid', 4],
];

describe('engine kernels (js) against naive references', () => {
  it('gemm: every transpose combination, panel edges, accumulate and overwrite, offsets', () => {
    const rng = createRng(11);
    const sizes = [[1, 1, 1], [3, 1, 2], [4, 2, 5], [5, 3, 7], [7, 6, 25], [9, 5, 1], [13, 10, 17], [33, 17, 40], [2, 31, 9]] as const;
    for (const [m, n, k] of sizes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            const what = `${m}×${n}×${k} transA=${transA} transB=${transB} accumulate=${accumulate}`;
            const a = randomTensor([m * k + 5], rng).data;
            const b = randomTensor([k * n + 3], rng).data;
            const c = randomTensor([m * n + 4], rng).data;
            const before = c.slice();
            jsKernels.gemm(transA, transB, m, n, k, a, 5, b, 3, c, 2, accumulate);
            const want = naiveGemm(transA, transB, m, n, k, a, 5, b, 3);
            for (let i = 0; i < m * n; i++) {
              const expected = want[i]! + (accumulate ? before[2 + i]! : 0);
              assert.ok(Math.abs(c[2 + i]! - expected) <= 1e-5 * (1 + Math.abs(expected)), `${what}: c[${i}] = ${c[2 + i]}, want ${expected}`);
            }
            assert.deepEqual([c[0], c[1], c[c.length - 2], c[c.length - 1]], [before[0], before[1], before[c.length - 2], before[c.length - 1]], `${what}: writes outside C`);
          }
        }
      }
    }
  });

  it('gemm: k = 0 clears C unless accumulating; consecutive calls of different sizes reuse the packing buffers', () => {
    const c = new Float32Array([1, 2, 3, 4, 5]);
    jsKernels.gemm(false, false, 2, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 1, true);
    assert.deepEqual([...c], [1, 2, 3, 4, 5]);
    jsKernels.gemm(false, false, 2, 2, 0, new Float32Array(0), 0, new Float32Array(0), 0, c, 1, false);
    assert.deepEqual([...c], [1, 0, 0, 0, 0]);
    const rng = createRng(12);
    for (const [m, n, k] of [[64, 48, 100], [3, 2, 2], [40, 9, 300]] as const) {
      const a = randomTensor([m * k], rng).data;
      const b = randomTensor([k * n], rng).data;
      const out = new Float32Array(m * n);
      jsKernels.gemm(false, false, m, n, k, a, 0, b, 0, out, 0, false);
      const want = naiveGemm(false, false, m, n, k, a, 0, b, 0);
      out.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `${m}×${n}×${k} [${i}]`));
    }
  });

  it('gemm: leading dimensions address sub-matrices (a grouped convolution\'s column blocks); the gaps stay as they were', () => {
    const rng = createRng(14);
    for (const [m, n, k, pad] of [[5, 3, 7, 2], [9, 10, 4, 5], [33, 2, 17, 1], [4, 9, 300, 3]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const accumulate of [false, true]) {
            const what = `${m}×${n}×${k} pad ${pad} transA=${transA} transB=${transB} accumulate=${accumulate}`;
            const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
            const a = randomTensor([(transA ? k : m) * lda + 1], rng).data;
            const b = randomTensor([(transB ? n : k) * ldb + 2], rng).data;
            const c = randomTensor([m * ldc + 3], rng).data;
            const before = c.slice();
            jsKernels.gemm(transA, transB, m, n, k, a, 1, b, 2, c, 3, accumulate, lda, ldb, ldc);
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < ldc; j++) {
                const at = 3 + i * ldc + j;
                if (j >= n) {
                  assert.equal(c[at], before[at], `${what}: gap [${i}][${j}] written`);
                  continue;
                }
                let s = accumulate ? before[at]! : 0;
                for (let p = 0; p < k; p++) s += a[1 + (transA ? p * lda + i : i * lda + p)]! * b[2 + (transB ? j * ldb + p : p * ldb + j)]!;
                assert.ok(Math.abs(c[at]! - s) <= 1e-5 * (1 + Math.abs(s)), `${what}: c[${i}][${j}] = ${c[at]}, want ${s}`);
              }
            }
            assert.deepEqual([...c.subarray(0, 3)], [...before.subarray(0, 3)], `${what}: writes before C`);
          }
        }
      }
    }
  });

  it('grouped im2col: per position, group j\'s taps over channels j·c/g… only; col2im grouped is its adjoint', () => {
    const rng = createRng(15);
    for (const [inH, inW, kernel, strides, dilation, padding, c, groups] of [
      [7, 6, 3, 1, 1, 'valid', 6, 3], [6, 7, [3, 2], 2, 1, 'same', 4, 2], [9, 7, 3, 1, [2, 3], 'same', 8, 4], [5, 5, 1, 2, 1, 'valid', 4, 4],
    ] as const) {
      const g = window2d(inH, inW, kernel, strides, dilation, padding) as Window2d;
      assert.ok(!('error' in g));
      const cg = c / groups, inSize = inH * inW * c;
      const x = randomTensor([2 * inSize], rng).data;
      const want = new Float32Array(2 * g.outH * g.outW * g.kh * g.kw * c);
      let o = 0;
      for (let s = 0; s < 2; s++) {
        for (let oy = 0; oy < g.outH; oy++) {
          for (let ox = 0; ox < g.outW; ox++) {
            for (let j = 0; j < groups; j++) {
              for (let ky = 0; ky < g.kh; ky++) {
                for (let kx = 0; kx < g.kw; kx++) {
                  for (let ch = 0; ch < cg; ch++) want[o++] = tap(x, s * inSize, g, c, oy * g.sh - g.padTop + ky * g.dh, ox * g.sw - g.padLeft + kx * g.dw, j * cg + ch);
                }
              }
            }
          }
        }
      }
      const cols = new Float32Array(want.length);
      jsKernels.im2col(x, 0, g, c, cols, 0, 2, groups);
      assert.deepEqual(cols, want, `im2col ${c} channels in ${groups} groups`);
      // <im2col(x), r> = <x, col2im(r)>
      const r = randomTensor([want.length], rng).data;
      const dx = new Float32Array(2 * inSize);
      jsKernels.col2im(r, g, c, dx, 0, 0, 2, groups);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < r.length; i++) lhs += cols[i]! * r[i]!;
      for (let i = 0; i < x.length; i++) rhs += x[i]! * dx[i]!;
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `adjoint ${c}/${groups}: ${lhs} vs ${rhs}`);
    }
  });

  for (const [name, inH, inW, kernel, strides, dilation, padding, c] of GEOMETRIES) {
    it(`im2col and col2im match the naive definitions: ${name}`, () => {
      const g = window2d(inH, inW, kernel, strides, dilation, padding) as Window2d;
      assert.ok(!('error' in g));
      const rng = createRng(13);
      const batchOff = inH * inW * c;
      const x = randomTensor([2 * batchOff], rng).data;
      const want = naiveIm2col(x, batchOff, g, c);
      const cols = new Float32Array(want.length + 7).fill(Number.NaN);
      jsKernels.im2col(x, batchOff, g, c, cols, 7);
      assert.deepEqual(cols.subarray(7), want);
      assert.ok(cols.subarray(0, 7).every(Number.isNaN), 'nothing written before colsOff');

      // col2im adds each patch value back onto the tap it came from.
      const r = randomTensor([want.length], rng).data;
      const dx = randomTensor([2 * batchOff], rng).data;
      const expected = Float64Array.from(dx);
      let o = 0;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          for (let ky = 0; ky < g.kh; ky++) {
            for (let kx = 0; kx < g.kw; kx++) {
              for (let ch = 0; ch < c; ch++, o++) {
                const iy = oy * g.sh - g.padTop + ky * g.dh;
                const ix = ox * g.sw - g.padLeft + kx * g.dw;
                if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) expected[batchOff + (iy * inW + ix) * c + ch] += r[o]!;
              }
            }
          }
        }
      }
      jsKernels.col2im(r, g, c, dx, batchOff);
      dx.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `dx[${i}]`));
    });
  }

  it('maxPoolForward: window maxima and first-winner argmax, with padding and strides', () => {
    const rng = createRng(14);
    for (const [kernel, strides, padding] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [[2, 3], [1, 2], 'valid']] as const) {
      const g = window2d(7, 6, kernel, strides, 1, padding) as Window2d;
      const c = 3;
      const batch = 2;
      const x = randomTensor([batch * 7 * 6 * c], rng).data;
      x[5] = x[5 + c]!; // a tie
      const y = new Float32Array(batch * g.outH * g.outW * c);
      const argmax = new Int32Array(y.length);
      jsKernels.maxPoolForward(x, y, argmax, batch, g, c);
      let o = 0;
      for (let s = 0; s < batch; s++) {
        for (let oy = 0; oy < g.outH; oy++) {
          for (let ox = 0; ox < g.outW; ox++) {
            for (let ch = 0; ch < c; ch++, o++) {
              let best = -Infinity;
              let at = -1;
              for (let ky = 0; ky < g.kh; ky++) {
                for (let kx = 0; kx < g.kw; kx++) {
                  const iy = oy * g.sh - g.padTop + ky;
                  const ix = ox * g.sw - g.padLeft + kx;
                  if (iy < 0 || iy >= 7 || ix < 0 || ix >= 6) continue;
                  const i = s * 7 * 6 * c + (iy * 6 + ix) * c + ch;
                  if (at < 0 || x[i]! > best) {
                    best = x[i]!;
                    at = i;
                  }
                }
              }
              assert.equal(y[o], best);
              assert.equal(argmax[o], at);
            }
          }
        }
      }
    }
  });
});
