// The non-GEMM kernels in WebAssembly (../wasm/assembly, declared in ../wasm/abi.ts: im2col, bias + activation,
// softmax and its cross-entropy, pooling, depthwise convolution, the elementwise product, batch norm, optimizer
// updates), with the JavaScript kernels' contracts. When every operand is a view of one backend's memory (a network's
// WasmArena) the module runs in place on byte offsets; otherwise (a caller's arrays, a test's, params built by
// hand in a heap arena) the JavaScript kernel runs. The JavaScript kernels stay the reference: see
// test/unit/engine/wasmOps.test.ts for how close each one is (most are bit-identical).
import type { Window2d } from '../../model/geometry';
import { adamStepSize } from '../optimizers/adam';
import { ACTIVATION_CODES, NO_ACTIVATION } from '../wasm/abi';
import { ADD_BLOCK, SAMPLE_GEOMETRY } from '../wasm/jobs';
import { backendOfBuffer, type WasmBackend } from '../wasm/backend';
import { composeConvBackwardData, composeConvForward, type ConvBackwardData, type ConvForward } from './conv';
import type { PadSides } from './pad';
import { tilesOf, WINOGRAD_TILE, type WinogradShape } from './winograd';
import { packedWeightFloats } from '../../model/layers/packedWeights';
import { winogradPlaneRows } from '../../model/layers/winograd';
import type { Kernels } from './index';

/** Calls per kernel that ran in WebAssembly and that fell back to JavaScript (tests check both). */
export interface OpCounts {
  readonly inWasm: Record<WasmOpName, number>;
  readonly fallback: Record<WasmOpName, number>;
}
export const WASM_OPS = [
  'im2col', 'col2im', 'biasActivationForward', 'biasActivationBackward', 'activationForward', 'activationBackward',
  'addBias', 'sumRows', 'maxPoolForward', 'maxPoolBackward', 'avgPoolForward', 'avgPoolBackward', 'sumSquares', 'applyUpdate',
  'batchNormForward', 'batchNormBackward', 'convForward', 'convBackwardData', 'depthwiseForward', 'depthwiseBackward', 'multiply', 'softmaxCrossEntropy',
  'winogradInput', 'winogradOutput', 'winogradFilter', 'winogradOutputGrad', 'winogradFilterGrad', 'packWeights', 'gemmPacked', 'dropoutMask',
  'addArrays', 'accumulate', 'copyColumnsInto', 'copyColumnsFrom', 'zeroPad', 'cropPadding',
] as const;
export type WasmOpName = (typeof WASM_OPS)[number];

type OpKernels = Pick<Kernels, WasmOpName>;

/** Byte offset of element `i` of a view. */
function at(v: { readonly byteOffset: number }, i = 0): number {
  return v.byteOffset + i * 4;
}

/** c and the window as the per-sample kernels take them, in one array reused by every call. */
const windowArgs: number[] = new Array<number>(SAMPLE_GEOMETRY).fill(0);
function window(c: number, g: Window2d): readonly number[] {
  const w = windowArgs;
  w[0] = c; w[1] = g.inH; w[2] = g.inW; w[3] = g.kh; w[4] = g.kw; w[5] = g.sh; w[6] = g.sw;
  w[7] = g.dh; w[8] = g.dw; w[9] = g.padTop; w[10] = g.padLeft; w[11] = g.outH; w[12] = g.outW;
  w[13] = g.padBottom; w[14] = g.padRight;
  return w;
}

/** A window with only channels, input size, top-left offset and output size (the others 0), in the reused array:
 *  what the Winograd transforms and zero padding take; the merges and the filter gradient use its first numbers. */
function planeWindow(c: number, inH: number, inW: number, padTop: number, padLeft: number, outH: number, outW: number): readonly number[] {
  const w = windowArgs;
  w.fill(0);
  w[0] = c; w[1] = inH; w[2] = inW; w[9] = padTop; w[10] = padLeft; w[11] = outH; w[12] = outW;
  return w;
}

/** A Winograd transform's geometry: the tiles' channels c, the input, the offset, the output. */
function winogradWindow(c: number, s: WinogradShape): readonly number[] {
  return planeWindow(c, s.inH, s.inW, s.padTop, s.padLeft, s.outH, s.outW);
}

function tooShort(what: string, have: number, need: number): never {
  throw new RangeError(`${what}: ${have} floats where ${need} are needed`);
}

/** The kernels above, each falling back to `js`'s when an operand is outside a wasm memory (convForward: to
 *  im2col, `gemm` and the bias + activation of this set, so that it computes what those kernels would). */
export function createWasmOps(js: Kernels, gemm: Kernels['gemm'] = js.gemm): { readonly kernels: OpKernels; readonly counts: OpCounts } {
  const zero = (): Record<WasmOpName, number> => Object.fromEntries(WASM_OPS.map((n) => [n, 0])) as Record<WasmOpName, number>;
  const counts: OpCounts = { inWasm: zero(), fallback: zero() };
  const { inWasm, fallback } = counts;

  /** The backend owning `a`'s buffer when `b` … share it (unused operands: pass `a` again). */
  const owner = (a: ArrayBufferView, b: ArrayBufferView, c: ArrayBufferView = a, d: ArrayBufferView = a, e: ArrayBufferView = a): WasmBackend | undefined => {
    const buf = a.buffer;
    if (b.buffer !== buf || c.buffer !== buf || d.buffer !== buf || e.buffer !== buf) return undefined;
    return backendOfBuffer(buf);
  };

  let composed: ConvForward | undefined;
  const convForward: ConvForward = (x, g, c, w, outC, z, cols, batch, keepCols, epilogue, groups = 1) => {
    const act = epilogue ? ACTIVATION_CODES[epilogue.act] : NO_ACTIVATION;
    const y = epilogue?.y ?? z;
    const bias = epilogue?.bias;
    const be = owner(x, w, z, cols, y) && owner(x, bias ?? x);
    composed ??= composeConvForward({ ...kernels, gemm });
    if (!be) {
      fallback.convForward++;
      return composed(x, g, c, w, outC, z, cols, batch, keepCols, epilogue, groups);
    }
    if (groups > 1) {
      // Grouped: the grouped patches, one GEMM per group and the bias + activation, each its WebAssembly kernel.
      inWasm.convForward++;
      return composed(x, g, c, w, outC, z, cols, batch, keepCols, epilogue, groups);
    }
    const rows = batch * g.outH * g.outW, k = g.kh * g.kw * c;
    if (x.length < batch * g.inH * g.inW * c) tooShort('convForward input', x.length, batch * g.inH * g.inW * c);
    if (cols.length < rows * k) tooShort('convForward patches', cols.length, rows * k);
    if (w.length < k * outC) tooShort('convForward kernel', w.length, k * outC);
    checkRows('convForward', rows, outC, bias, z, y);
    inWasm.convForward++;
    // Linear without a bias: the GEMM alone.
    const code = act === ACTIVATION_CODES.linear && !bias ? NO_ACTIVATION : act;
    be.convForward({
      x: at(x), cols: at(cols), w: at(w), z: at(z), y: at(y), bias: bias ? at(bias) : 0, act: code, alpha: epilogue?.alpha ?? 0,
      keep: keepCols, rows, outC, k,
      geometry: [c, g.inH, g.inW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW],
    });
  };

  let composedDx: ConvBackwardData | undefined;
  const convBackwardData: ConvBackwardData = (dz, w, outC, cols, dx, batch, g, c) => {
    const be = owner(dz, w, cols, dx);
    if (!be) {
      fallback.convBackwardData++;
      composedDx ??= composeConvBackwardData({ ...kernels, gemm });
      return composedDx(dz, w, outC, cols, dx, batch, g, c);
    }
    const rows = batch * g.outH * g.outW, k = g.kh * g.kw * c;
    if (dz.length < rows * outC) tooShort('convBackwardData output gradient', dz.length, rows * outC);
    if (w.length < k * outC) tooShort('convBackwardData kernel', w.length, k * outC);
    if (cols.length < rows * k) tooShort('convBackwardData patches', cols.length, rows * k);
    if (dx.length < batch * g.inH * g.inW * c) tooShort('convBackwardData input gradient', dx.length, batch * g.inH * g.inW * c);
    inWasm.convBackwardData++;
    // By samples: each chunk's GEMM rows, then its col2im while they are in cache (bit-identical either way).
    be.samples({ kernel: 'convBackwardData', a: at(dz), b: at(w), c: at(cols), d: at(dx), extra: outC, batch, geometry: window(c, g) }, rows * k * outC);
  };

  /** out ← a + b on `be`, by blocks over the threads (exact adds: bit-identical either way). */
  const addOn = (be: WasmBackend, a: Float32Array, b: Float32Array, out: Float32Array, size: number): void => {
    for (const [v, what] of [[a, 'first'], [b, 'second'], [out, 'output']] as const) if (v.length < size) tooShort(`addArrays ${what}`, v.length, size);
    be.samples({ kernel: 'addArrays', a: at(a), b: at(b), c: at(out), extra: size, batch: Math.ceil(size / ADD_BLOCK), geometry: windowArgs }, size);
  };
  /** Columns [at, at + c) of y [rows × width] from (into) or to x [rows × c], by rows over the threads. */
  const copyOn = (be: WasmBackend, x: Float32Array, y: Float32Array, rows: number, c: number, width: number, col: number, into: boolean): void => {
    if (x.length < rows * c) tooShort('copyColumns narrow side', x.length, rows * c);
    if (y.length < rows * width) tooShort('copyColumns wide side', y.length, rows * width);
    if (col < 0 || col + c > width) throw new RangeError(`copyColumns: columns ${col}…${col + c} outside a width of ${width}`);
    be.samples({ kernel: 'copyColumns', a: at(x), b: at(y), c: 0, extra: +into, batch: rows, geometry: planeWindow(c, width, col, 0, 0, 0, 0) }, rows * c);
  };

  /** zeroPadding2d's pass (crop: its gradient's), by samples over the threads (copies: bit-identical). */
  const padOn = (be: WasmBackend, x: Float32Array, y: Float32Array, batch: number, h: number, w: number, c: number, p: PadSides, crop: boolean): void => {
    const outH = h + p.top + p.bottom, outW = w + p.left + p.right;
    if (x.length < batch * h * w * c) tooShort('zeroPad input', x.length, batch * h * w * c);
    if (y.length < batch * outH * outW * c) tooShort('zeroPad output', y.length, batch * outH * outW * c);
    be.samples({ kernel: 'zeroPad', a: at(x), b: at(y), c: 0, extra: +crop, batch, geometry: planeWindow(c, h, w, p.top, p.left, outH, outW) }, batch * outH * outW * c);
  };

  const kernels: OpKernels = {
    convForward,
    zeroPad(x, y, batch, h, w, c, p) {
      const be = owner(x, y);
      if (!be) { fallback.zeroPad++; return js.zeroPad(x, y, batch, h, w, c, p); }
      inWasm.zeroPad++;
      padOn(be, x, y, batch, h, w, c, p, false);
    },
    cropPadding(dy, dx, batch, h, w, c, p) {
      const be = owner(dy, dx);
      if (!be) { fallback.cropPadding++; return js.cropPadding(dy, dx, batch, h, w, c, p); }
      inWasm.cropPadding++;
      padOn(be, dx, dy, batch, h, w, c, p, true);
    },
    convBackwardData,
    addArrays(a, b, out, size) {
      const be = owner(a, b, out);
      if (!be) { fallback.addArrays++; return js.addArrays(a, b, out, size); }
      inWasm.addArrays++;
      addOn(be, a, b, out, size);
    },
    accumulate(acc, x, size) {
      const be = owner(acc, x);
      if (!be) { fallback.accumulate++; return js.accumulate(acc, x, size); }
      inWasm.accumulate++;
      addOn(be, acc, x, acc, size);
    },
    copyColumnsInto(x, y, rows, c, width, col) {
      const be = owner(x, y);
      if (!be) { fallback.copyColumnsInto++; return js.copyColumnsInto(x, y, rows, c, width, col); }
      inWasm.copyColumnsInto++;
      copyOn(be, x, y, rows, c, width, col, true);
    },
    copyColumnsFrom(y, x, rows, c, width, col) {
      const be = owner(x, y);
      if (!be) { fallback.copyColumnsFrom++; return js.copyColumnsFrom(y, x, rows, c, width, col); }
      inWasm.copyColumnsFrom++;
      copyOn(be, x, y, rows, c, width, col, false);
    },
    im2col(x, xOff, g, c, cols, colsOff = 0, batch = 1, groups = 1) {
      const be = owner(x, cols);
      if (!be) { fallback.im2col++; return js.im2col(x, xOff, g, c, cols, colsOff, batch, groups); }
      if (x.length - xOff < batch * g.inH * g.inW * c) tooShort('im2col input', x.length - xOff, batch * g.inH * g.inW * c);
      const need = batch * g.outH * g.outW * g.kh * g.kw * c;
      if (cols.length - colsOff < need) tooShort('im2col patches', cols.length - colsOff, need);
      inWasm.im2col++;
      if (groups > 1) return be.exports.groupedPatches(at(x, xOff), at(cols, colsOff), 0, batch, c, groups, g.inH, g.inW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW);
      // By samples: split over the pool's threads when large enough (copies: bit-identical either way).
      be.samples({ kernel: 'im2colSamples', a: at(x, xOff), b: at(cols, colsOff), c: 0, extra: 0, batch, geometry: window(c, g) }, need);
    },
    col2im(cols, g, c, dx, dxOff, colsOff = 0, batch = 1, groups = 1) {
      const be = owner(cols, dx);
      if (!be) { fallback.col2im++; return js.col2im(cols, g, c, dx, dxOff, colsOff, batch, groups); }
      const need = batch * g.outH * g.outW * g.kh * g.kw * c;
      if (cols.length - colsOff < need) tooShort('col2im patches', cols.length - colsOff, need);
      if (dx.length - dxOff < batch * g.inH * g.inW * c) tooShort('col2im output', dx.length - dxOff, batch * g.inH * g.inW * c);
      inWasm.col2im++;
      if (groups > 1) return be.exports.groupedPatches(at(dx, dxOff), at(cols, colsOff), 1, batch, c, groups, g.inH, g.inW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW);
      // By samples, each its own part of dx: split over the pool's threads when large enough (bit-identical).
      be.samples({ kernel: 'col2im', a: at(cols, colsOff), b: at(dx, dxOff), c: 0, extra: 0, batch, geometry: window(c, g) }, need);
    },
    dropoutMask(mask, size, keep, scale, rng) {
      const be = backendOfBuffer(mask.buffer);
      // A generator other than createRng's (a test's scripted one) draws in JavaScript.
      if (!be || !rng.jump) { fallback.dropoutMask++; return js.dropoutMask(mask, size, keep, scale, rng); }
      if (mask.length < size) tooShort('dropoutMask', mask.length, size);
      inWasm.dropoutMask++;
      be.exports.dropoutMask(at(mask), size, rng.jump(size), keep, scale);
    },
    packWeights(b, k, n, packed) {
      const be = owner(b, packed);
      if (!be) { fallback.packWeights++; return js.packWeights(b, k, n, packed); }
      if (b.length < k * n) tooShort('packWeights weights', b.length, k * n);
      if (packed.length < packedWeightFloats(k, n)) tooShort('packWeights packed', packed.length, packedWeightFloats(k, n));
      inWasm.packWeights++;
      be.packB(at(b), n, n, k, at(packed));
    },
    gemmPacked(m, n, k, a, packed, z, epilogue) {
      const y = epilogue?.y ?? z;
      const bias = epilogue?.bias;
      const be = owner(a, packed, z, y, bias ?? a);
      if (!be || m <= 0 || n <= 0 || k <= 0 || epilogue?.act === 'softmax') { fallback.gemmPacked++; return js.gemmPacked(m, n, k, a, packed, z, epilogue); }
      if (a.length < m * k) tooShort('gemmPacked input', a.length, m * k);
      if (packed.length < packedWeightFloats(k, n)) tooShort('gemmPacked packed weights', packed.length, packedWeightFloats(k, n));
      checkRows('gemmPacked', m, n, bias, z, y);
      inWasm.gemmPacked++;
      const act = epilogue ? ACTIVATION_CODES[epilogue.act] : NO_ACTIVATION;
      be.gemmPacked({ m, n, k, a: at(a), lda: k, packed: at(packed), c: at(z), ldc: n, y: at(y), bias: bias ? at(bias) : 0, act, alpha: epilogue?.alpha ?? 0 });
    },
    biasActivationForward(act, z, bias, y, rows, cols, alpha) {
      const be = owner(z, y, bias ?? z);
      if (!be) { fallback.biasActivationForward++; return js.biasActivationForward(act, z, bias, y, rows, cols, alpha); }
      checkRows('biasActivationForward', rows, cols, bias, z, y);
      inWasm.biasActivationForward++;
      be.exports.biasActivation(ACTIVATION_CODES[act], at(z), bias ? at(bias) : 0, at(y), rows, cols, alpha);
    },
    biasActivationBackward(act, z, y, dy, dz, rows, cols, alpha, biasGrad) {
      const be = owner(z, y, dy, dz, biasGrad ?? z);
      if (!be) { fallback.biasActivationBackward++; return js.biasActivationBackward(act, z, y, dy, dz, rows, cols, alpha, biasGrad); }
      checkRows('biasActivationBackward', rows, cols, biasGrad, z, y, dy, dz);
      inWasm.biasActivationBackward++;
      be.exports.activationBackward(ACTIVATION_CODES[act], at(z), at(y), at(dy), at(dz), rows, cols, alpha, biasGrad ? at(biasGrad) : 0);
    },
    activationForward(act, z, y, size, rowLen, alpha) {
      // Softmax over rows of rowLen (whole rows only); the others over the size at once.
      const rows = act === 'softmax' ? size / rowLen : 1;
      const be = Number.isInteger(rows) ? owner(z, y) : undefined;
      if (!be) { fallback.activationForward++; return js.activationForward(act, z, y, size, rowLen, alpha); }
      checkRows('activationForward', 1, size, undefined, z, y);
      inWasm.activationForward++;
      be.exports.biasActivation(ACTIVATION_CODES[act], at(z), 0, at(y), rows, size / rows, alpha);
    },
    activationBackward(act, z, y, dy, dz, size, rowLen, alpha) {
      const rows = act === 'softmax' ? size / rowLen : 1;
      const be = Number.isInteger(rows) ? owner(z, y, dy, dz) : undefined;
      if (!be) { fallback.activationBackward++; return js.activationBackward(act, z, y, dy, dz, size, rowLen, alpha); }
      checkRows('activationBackward', 1, size, undefined, z, y, dy, dz);
      inWasm.activationBackward++;
      be.exports.activationBackward(ACTIVATION_CODES[act], at(z), at(y), at(dy), at(dz), rows, size / rows, alpha, 0);
    },
    multiply(a, b, out, size) {
      const be = owner(a, b, out);
      if (!be) { fallback.multiply++; return js.multiply(a, b, out, size); }
      checkRows('multiply', 1, size, undefined, a, b, out);
      inWasm.multiply++;
      be.exports.multiply(at(a), at(b), at(out), size);
    },
    softmaxCrossEntropy(z, p, labels, n, c, d) {
      const be = owner(z, p, d ?? z);
      if (!be) { fallback.softmaxCrossEntropy++; return js.softmaxCrossEntropy(z, p, labels, n, c, d); }
      checkRows('softmaxCrossEntropy', n, c, undefined, z, p, d ?? z);
      if (labels.length < n) tooShort('softmaxCrossEntropy labels', labels.length, n);
      inWasm.softmaxCrossEntropy++;
      // The labels (a caller's array) go for the call to the top of the arena, released after: nothing stays
      // allocated, no view is made (a step makes no typed arrays).
      const mark = be.mark();
      const lp = be.alloc(n);
      const i32 = be.i32();
      for (let i = 0, o = lp >>> 2; i < n; i++) i32[o + i] = labels[i]!;
      try {
        const sum = be.exports.softmaxCrossEntropy(at(z), at(p), lp, n, c, d ? at(d) : 0);
        return n ? sum / n : 0;
      } finally {
        be.release(mark);
      }
    },
    winogradInput(x, v, vOff, batch, s) {
      const be = owner(x, v);
      if (!be) { fallback.winogradInput++; return js.winogradInput(x, v, vOff, batch, s); }
      // The kernels take the planes' rows (their stride over the channels), not the tiles.
      const rows = winogradPlaneRows(batch * tilesOf(s), s.c);
      if (x.length < batch * s.inH * s.inW * s.c) tooShort('winogradInput input', x.length, batch * s.inH * s.inW * s.c);
      if (v.length - vOff < WINOGRAD_TILE * rows * s.c) tooShort('winogradInput tiles', v.length - vOff, WINOGRAD_TILE * rows * s.c);
      inWasm.winogradInput++;
      be.samples({ kernel: 'winogradInput', a: at(x), b: at(v, vOff), c: 0, extra: rows, batch, geometry: winogradWindow(s.c, s) }, WINOGRAD_TILE * rows * s.c);
    },
    winogradOutputGrad(dz, dm, dmOff, batch, s) {
      const be = owner(dz, dm);
      if (!be) { fallback.winogradOutputGrad++; return js.winogradOutputGrad(dz, dm, dmOff, batch, s); }
      const rows = winogradPlaneRows(batch * tilesOf(s), s.k);
      if (dm.length - dmOff < WINOGRAD_TILE * rows * s.k) tooShort('winogradOutputGrad tiles', dm.length - dmOff, WINOGRAD_TILE * rows * s.k);
      if (dz.length < batch * s.outH * s.outW * s.k) tooShort('winogradOutputGrad output gradient', dz.length, batch * s.outH * s.outW * s.k);
      inWasm.winogradOutputGrad++;
      be.samples({ kernel: 'winogradOutputGrad', a: at(dz), b: at(dm, dmOff), c: 0, extra: rows, batch, geometry: winogradWindow(s.k, s) }, WINOGRAD_TILE * rows * s.k);
    },
    winogradOutput(m, mOff, z, batch, s) {
      const be = owner(m, z);
      if (!be) { fallback.winogradOutput++; return js.winogradOutput(m, mOff, z, batch, s); }
      const rows = winogradPlaneRows(batch * tilesOf(s), s.k);
      if (m.length - mOff < WINOGRAD_TILE * rows * s.k) tooShort('winogradOutput tiles', m.length - mOff, WINOGRAD_TILE * rows * s.k);
      if (z.length < batch * s.outH * s.outW * s.k) tooShort('winogradOutput output', z.length, batch * s.outH * s.outW * s.k);
      inWasm.winogradOutput++;
      be.samples({ kernel: 'winogradOutput', a: at(m, mOff), b: at(z), c: 0, extra: rows, batch, geometry: winogradWindow(s.k, s) }, WINOGRAD_TILE * rows * s.k);
    },
    winogradFilter(w, u, uOff, c, k, flipped) {
      const be = owner(w, u);
      if (!be) { fallback.winogradFilter++; return js.winogradFilter(w, u, uOff, c, k, flipped); }
      if (w.length < 9 * c * k) tooShort('winogradFilter kernel', w.length, 9 * c * k);
      if (u.length - uOff < WINOGRAD_TILE * c * k) tooShort('winogradFilter transform', u.length - uOff, WINOGRAD_TILE * c * k);
      inWasm.winogradFilter++;
      be.exports.winogradFilter(at(w), at(u, uOff), c, k, +flipped);
    },
    winogradFilterGrad(du, duOff, dw, c, k) {
      const be = owner(du, dw);
      if (!be) { fallback.winogradFilterGrad++; return js.winogradFilterGrad(du, duOff, dw, c, k); }
      if (du.length - duOff < WINOGRAD_TILE * c * k) tooShort('winogradFilterGrad transform', du.length - duOff, WINOGRAD_TILE * c * k);
      if (dw.length < 9 * c * k) tooShort('winogradFilterGrad kernel gradient', dw.length, 9 * c * k);
      inWasm.winogradFilterGrad++;
      // By input channels over the threads (each its own rows of dw: bit-identical either way).
      be.samples({ kernel: 'winogradFilterGrad', a: at(du, duOff), b: at(dw), c: 0, extra: k, batch: c, geometry: planeWindow(c, 0, 0, 0, 0, 0, 0) }, WINOGRAD_TILE * c * k);
    },
    depthwiseForward(x, w, y, batch, g, c, mult, epilogue) {
      const bias = epilogue?.bias;
      const be = owner(x, w, y, bias ?? x);
      if (!be || epilogue?.act === 'softmax') { fallback.depthwiseForward++; return js.depthwiseForward(x, w, y, batch, g, c, mult, epilogue); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c * mult, wSize = g.kh * g.kw * c * mult;
      if (x.length < inSize) tooShort('depthwiseForward input', x.length, inSize);
      if (w.length < wSize) tooShort('depthwiseForward kernel', w.length, wSize);
      if (y.length < outSize) tooShort('depthwiseForward output', y.length, outSize);
      inWasm.depthwiseForward++;
      // By output rows (batch · outH of them, so that a batch of one splits too): over the pool's threads when large
      // enough (bit-identical on any count).
      if (bias && bias.length < c * mult) tooShort('depthwiseForward bias', bias.length, c * mult);
      const post = epilogue && { bias: bias ? at(bias) : 0, act: ACTIVATION_CODES[epilogue.act], alpha: epilogue.alpha };
      be.samples({ kernel: 'depthwiseForward', a: at(x), b: at(w), c: at(y), extra: mult, batch: batch * g.outH, geometry: window(c, g), epilogue: post }, outSize * g.kh * g.kw);
    },
    depthwiseBackward(x, w, dy, dx, dw, batch, g, c, mult) {
      const be = owner(x, w, dy, dx, dw);
      if (!be) { fallback.depthwiseBackward++; return js.depthwiseBackward(x, w, dy, dx, dw, batch, g, c, mult); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c * mult, wSize = g.kh * g.kw * c * mult;
      if (x.length < inSize || dx.length < inSize) tooShort('depthwiseBackward input', Math.min(x.length, dx.length), inSize);
      if (w.length < wSize || dw.length < wSize) tooShort('depthwiseBackward kernel', Math.min(w.length, dw.length), wSize);
      if (dy.length < outSize) tooShort('depthwiseBackward output gradient', dy.length, outSize);
      inWasm.depthwiseBackward++;
      be.exports.depthwiseBackward(at(x), at(w), at(dy), at(dx), at(dw), batch, c, mult, g.inH, g.inW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padLeft, g.outH, g.outW);
    },
    addBias(y, bias, rows, cols) {
      const be = owner(y, bias);
      if (!be) { fallback.addBias++; return js.addBias(y, bias, rows, cols); }
      checkRows('addBias', rows, cols, bias, y);
      inWasm.addBias++;
      // Linear activation in place: the bias add alone.
      be.exports.biasActivation(ACTIVATION_CODES.linear, at(y), at(bias), at(y), rows, cols, 0);
    },
    sumRows(x, rows, cols, out) {
      const be = owner(x, out);
      if (!be) { fallback.sumRows++; return js.sumRows(x, rows, cols, out); }
      checkRows('sumRows', rows, cols, out, x);
      inWasm.sumRows++;
      be.exports.sumRows(at(x), rows, cols, at(out));
    },
    maxPoolForward(x, y, argmax, batch, g, c) {
      const be = owner(x, y, argmax ?? x);
      if (!be) { fallback.maxPoolForward++; return js.maxPoolForward(x, y, argmax, batch, g, c); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c;
      if (x.length < inSize) tooShort('maxPoolForward input', x.length, inSize);
      const outLength = Math.min(y.length, argmax?.length ?? y.length);
      if (outLength < outSize) tooShort('maxPoolForward output', outLength, outSize);
      inWasm.maxPoolForward++;
      // argmax 0: the maxima alone (no byte offset of an arena buffer is 0: the module's data comes first).
      be.samples({ kernel: 'maxPoolForward', a: at(x), b: at(y), c: argmax ? at(argmax) : 0, extra: 0, batch, geometry: window(c, g) }, outSize * g.kh * g.kw);
    },
    maxPoolBackward(dy, argmax, dx, batch, g, c) {
      const be = owner(dy, argmax, dx);
      if (!be) { fallback.maxPoolBackward++; return js.maxPoolBackward(dy, argmax, dx, batch, g, c); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c;
      if (dy.length < outSize || argmax.length < outSize) tooShort('maxPoolBackward input', Math.min(dy.length, argmax.length), outSize);
      if (dx.length < inSize) tooShort('maxPoolBackward output', dx.length, inSize);
      inWasm.maxPoolBackward++;
      be.samples({ kernel: 'maxPoolBackward', a: at(dy), b: at(argmax), c: at(dx), extra: 0, batch, geometry: window(c, g) }, inSize);
    },
    avgPoolForward(x, y, batch, g, c, countPad = false) {
      const be = owner(x, y);
      if (!be) { fallback.avgPoolForward++; return js.avgPoolForward(x, y, batch, g, c, countPad); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c;
      if (x.length < inSize) tooShort('avgPoolForward input', x.length, inSize);
      if (y.length < outSize) tooShort('avgPoolForward output', y.length, outSize);
      inWasm.avgPoolForward++;
      be.samples({ kernel: 'avgPool', a: at(x), b: at(y), c: 0, extra: countPad ? 2 : 0, batch, geometry: window(c, g) }, outSize * g.kh * g.kw);
    },
    avgPoolBackward(dy, dx, batch, g, c, countPad = false) {
      const be = owner(dy, dx);
      if (!be) { fallback.avgPoolBackward++; return js.avgPoolBackward(dy, dx, batch, g, c, countPad); }
      const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c;
      if (dy.length < outSize) tooShort('avgPoolBackward input', dy.length, outSize);
      if (dx.length < inSize) tooShort('avgPoolBackward output', dx.length, inSize);
      inWasm.avgPoolBackward++;
      be.samples({ kernel: 'avgPool', a: at(dy), b: at(dx), c: 0, extra: countPad ? 3 : 1, batch, geometry: window(c, g) }, outSize * g.kh * g.kw);
    },
    sumSquares(x, acc) {
      const be = backendOfBuffer(x.buffer);
      if (!be) { fallback.sumSquares++; return js.sumSquares(x, acc); }
      inWasm.sumSquares++;
      return acc + be.exports.sumSquares(at(x), x.length);
    },
    applyUpdate(rule, value, grad, scratch, slots, scale, l2, step, lr) {
      const spec = rule.spec;
      const s0 = slots[0] ?? value;
      const s1 = slots[1] ?? value;
      const be = owner(value, grad, s0, s1);
      const n = value.length;
      if (!be || grad.length < n || s0.length < n || s1.length < n) {
        fallback.applyUpdate++;
        return js.applyUpdate(rule, value, grad, scratch, slots, scale, l2, step, lr);
      }
      inWasm.applyUpdate++;
      const k = be.exports;
      switch (spec.type) {
        case 'sgd':
          if (spec.momentum === 0) k.sgdUpdate(at(value), at(grad), n, scale, l2, lr);
          else k.momentumUpdate(at(value), at(grad), at(s0), n, scale, l2, lr, spec.momentum, +spec.nesterov);
          return;
        case 'adam':
          k.adamUpdate(
            at(value), at(grad), at(s0), at(s1), n, scale, l2, adamStepSize(spec.beta1, spec.beta2, lr, step),
            1 - lr * spec.decoupledWeightDecay, spec.beta1, 1 - spec.beta1, spec.beta2, 1 - spec.beta2, spec.epsilon,
          );
          return;
        case 'rmsprop':
          k.rmspropUpdate(at(value), at(grad), at(s0), at(s1), n, scale, l2, lr, spec.rho, 1 - spec.rho, spec.momentum, spec.epsilon, spec.momentum > 0 ? 1 : 0);
          return;
      }
    },
    batchNormForward(x, y, stats, gamma, beta, movingMean, movingVariance, size, c, training, momentum, epsilon) {
      const be = owner(x, y, stats, gamma, beta) && owner(x, movingMean, movingVariance);
      if (!be) {
        fallback.batchNormForward++;
        return js.batchNormForward(x, y, stats, gamma, beta, movingMean, movingVariance, size, c, training, momentum, epsilon);
      }
      checkChannels('batchNormForward', size, c, stats, x, y, y, gamma, beta, movingMean, movingVariance);
      inWasm.batchNormForward++;
      be.exports.batchNormForward(at(x), at(y), stats.byteOffset, at(gamma), at(beta), at(movingMean), at(movingVariance), size, c, +training, momentum, epsilon);
    },
    batchNormBackward(x, dy, dx, stats, sums, gamma, gammaGrad, betaGrad, size, c, training) {
      const be = owner(x, dy, dx, stats, sums) && owner(x, gamma, gammaGrad, betaGrad);
      if (!be || sums.length < 2 * c) {
        fallback.batchNormBackward++;
        return js.batchNormBackward(x, dy, dx, stats, sums, gamma, gammaGrad, betaGrad, size, c, training);
      }
      checkChannels('batchNormBackward', size, c, stats, x, dy, dx, gamma, gammaGrad, betaGrad);
      inWasm.batchNormBackward++;
      be.exports.batchNormBackward(at(x), at(dy), at(dx), stats.byteOffset, sums.byteOffset, at(gamma), at(gammaGrad), at(betaGrad), size, c, +training);
    },
  };
  return { kernels, counts };
}

/** Every operand holds rows × cols floats (a bias or bias gradient: cols); unused ones repeat `a`. Checked
 *  because the module writes wherever an offset says: a short view would overwrite a neighbouring buffer. */
function checkRows(
  what: string, rows: number, cols: number, bias: Float32Array | undefined,
  a: Float32Array, b: Float32Array = a, c: Float32Array = a, d: Float32Array = a,
): void {
  const need = rows * cols;
  const have = Math.min(a.length, b.length, c.length, d.length);
  if (have < need) tooShort(what, have, need);
  if (bias && bias.length < cols) tooShort(`${what} bias`, bias.length, cols);
}

/** Batch norm's operands: (up to) three of `size` floats, three or four per-channel ones, float64 stats of 2c. */
function checkChannels(
  what: string, size: number, c: number, stats: Float64Array,
  a: Float32Array, b: Float32Array, d: Float32Array, p: Float32Array, q: Float32Array, r: Float32Array, t: Float32Array = p,
): void {
  if (size % c !== 0) throw new RangeError(`${what}: ${size} values are not rows of ${c} channels`);
  const have = Math.min(a.length, b.length, d.length);
  if (have < size) tooShort(what, have, size);
  const perChannel = Math.min(p.length, q.length, r.length, t.length);
  if (perChannel < c) tooShort(`${what} channels`, perChannel, c);
  if (stats.length < 2 * c) tooShort(`${what} statistics (float64)`, stats.length, 2 * c);
}
