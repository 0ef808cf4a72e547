// Winograd F(2×2, 3×3) against the direct convolution: the kernels (forward and the input gradient's geometry, with
// its negative padding) against a float64 reference, and the conv layer with its Winograd plan against the same
// layer planned without it (im2col + GEMM), forward, weight and input gradients. Also registered in
// wasm.mocharc.json: there the layer runs the WebAssembly transforms and GEMMs.
import assert from 'node:assert/strict';
import type { Conv2d } from '../../../src/engine/layers/conv2d';
import { createLayer } from '../../../src/engine/layers';
import { getKernels, jsKernels } from '../../../src/engine/kernels';
import { winogradPlaneFloats, winogradPlaneRows } from '../../../src/model/layers/winograd';
import { tilesOf, winogradConv, winogradFilter, winogradWeightGrad, winogradWeightGradWorkspace, winogradWorkspace, WINOGRAD_TILE, type WinogradShape } from '../../../src/engine/kernels/winograd';
import { createRng, type Rng } from '../../../src/engine/rng';
import { tensor } from '../../../src/engine/tensor';
import { setWinograd, usesWinograd, type WinogradMode } from '../../../src/model/layers/winograd';
import type { Conv2dLayer } from '../../../src/model/layers/conv2d';
import { MODEL_FORMAT, type Layer, type Model, type Shape } from '../../../src/model/types';
import { inferShapes } from '../../../src/model/shapes';
import { buildNetwork } from '../../../src/engine/network';
import { gradCheck, infoFor, randomTensor } from './helpers';
import { enableRelaxedSimd, freshBackend, Regions } from './wasmHelpers';

enableRelaxedSimd();

/**
 * The tolerance: |winograd − direct| ≤ TOL · Σ|x·w| over each output's taps (its magnitude scale). float32 rounding
 * in the GEMMs over transformed values (up to 4× |x| and 2.25× |w|) and in the transforms; measured about 5e-8 with
 * the JavaScript GEMM (im2col + GEMM: about 2e-8), so the bound leaves room for a float32-accumulating GEMM.
 */
const TOL = 2e-6;
/** The weight gradient's: each filter tap's gradient comes out of Gᵀ dU G, which mixes the sums of all 16 products
 *  of a tile, so its error is relative to more than its own Σ|x·dy| (measured up to 4.2e-6, on a single 1×1 tile). */
const WEIGHT_GRAD_TOL = 1e-5;

/** y[n, oy, ox, k] = Σ x[n, oy − padTop + ky, ox − padLeft + kx, c] · w[ky, kx, c, k] in float64, with Σ|x·w|. */
function direct(x: Float32Array, w: Float32Array, s: WinogradShape, batch: number): { y: Float64Array; scale: Float64Array } {
  const { inH, inW, c, outH, outW, k, padTop, padLeft } = s;
  const y = new Float64Array(batch * outH * outW * k);
  const scale = new Float64Array(y.length);
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((n * outH + oy) * outW + ox) * k;
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy - padTop + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox - padLeft + kx;
            if (ix < 0 || ix >= inW) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x[((n * inH + iy) * inW + ix) * c + ci]!;
              for (let co = 0; co < k; co++) {
                const p = xv * w[((ky * 3 + kx) * c + ci) * k + co]!;
                y[o + co] += p;
                scale[o + co] += Math.abs(p);
              }
            }
          }
        }
      }
    }
  }
  return { y, scale };
}

/** max |a − b| / scale over the outputs (scale floored at 1e-30 where every tap is 0). */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>, scale: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(scale[i]!, 1e-30));
  return worst;
}

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * scale;
  return a;
}

describe('Winograd F(2×2, 3×3) kernels (JavaScript reference)', () => {
  const rng = createRng(7);
  // inH, inW, c, k, padTop, padLeft, outH, outW: 'same', 'valid', explicit and the input gradient's negative pads;
  // odd sizes (partial edge tiles), 1×1 outputs, channel counts off multiples of 4 and 8.
  const shapes: [WinogradShape, number][] = [
    [{ inH: 5, inW: 7, c: 3, k: 5, padTop: 1, padLeft: 1, outH: 5, outW: 7 }, 2],
    [{ inH: 6, inW: 6, c: 9, k: 13, padTop: 0, padLeft: 0, outH: 4, outW: 4 }, 1],
    [{ inH: 3, inW: 3, c: 17, k: 7, padTop: 0, padLeft: 0, outH: 1, outW: 1 }, 3],
    [{ inH: 1, inW: 1, c: 4, k: 8, padTop: 1, padLeft: 1, outH: 1, outW: 1 }, 2],
    [{ inH: 7, inW: 4, c: 5, k: 3, padTop: 2, padLeft: 0, outH: 7, outW: 3 }, 1],
    // dx of a 'valid' conv (pad 2) and of one padded by 3 (pad −1: crops).
    [{ inH: 4, inW: 5, c: 6, k: 11, padTop: 2, padLeft: 2, outH: 6, outW: 7 }, 2],
    [{ inH: 9, inW: 8, c: 3, k: 4, padTop: -1, padLeft: -1, outH: 5, outW: 4 }, 1],
  ];
  for (const [s, batch] of shapes) {
    it(`matches the direct convolution: ${s.inH}×${s.inW}×${s.c} → ${s.outH}×${s.outW}×${s.k}, pads ${s.padTop}/${s.padLeft}, batch ${batch}`, () => {
      const x = randomArray(batch * s.inH * s.inW * s.c, rng, 3);
      const w = randomArray(9 * s.c * s.k, rng, 0.5);
      const u = new Float32Array(WINOGRAD_TILE * s.c * s.k + 5);
      winogradFilter(w, u, 5, s.c, s.k, false);
      const out = new Float32Array(batch * s.outH * s.outW * s.k).fill(NaN);
      const ws = new Float32Array(winogradWorkspace(s, batch) + 3).fill(NaN);
      winogradConv(jsKernels, x, s, u, 5, out, ws, 3, batch);
      const { y, scale } = direct(x, w, s, batch);
      assert.ok(out.every(Number.isFinite), 'every output written');
      const e = scaledError(out, y, scale);
      assert.ok(e <= TOL, `error ${e.toExponential(2)} of the magnitude > ${TOL}`);
    });
  }

  for (const [s, batch] of shapes.filter(([s]) => s.padTop >= 0 && s.padLeft >= 0)) {
    it(`the weight gradient matches the direct one: ${s.inH}×${s.inW}×${s.c} → ${s.outH}×${s.outW}×${s.k}, pads ${s.padTop}/${s.padLeft}, batch ${batch}`, () => {
      const x = randomArray(batch * s.inH * s.inW * s.c, rng, 3);
      const dy = randomArray(batch * s.outH * s.outW * s.k, rng);
      // dw[ky, kx, ci, co] = Σ x[n, oy − padTop + ky, ox − padLeft + kx, ci] · dy[n, oy, ox, co] in float64, with Σ|·|.
      const want = new Float64Array(9 * s.c * s.k), scale = new Float64Array(want.length);
      for (let n = 0; n < batch; n++) for (let oy = 0; oy < s.outH; oy++) for (let ox = 0; ox < s.outW; ox++) {
        for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
          const iy = oy - s.padTop + ky, ix = ox - s.padLeft + kx;
          if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) continue;
          for (let ci = 0; ci < s.c; ci++) for (let co = 0; co < s.k; co++) {
            const p = x[((n * s.inH + iy) * s.inW + ix) * s.c + ci]! * dy[((n * s.outH + oy) * s.outW + ox) * s.k + co]!;
            want[((ky * 3 + kx) * s.c + ci) * s.k + co] += p;
            scale[((ky * 3 + kx) * s.c + ci) * s.k + co] += Math.abs(p);
          }
        }
      }
      // Added to what the gradient held.
      const dw = new Float32Array(want.length).fill(0.25);
      const ws = new Float32Array(winogradWeightGradWorkspace(s, batch) + 2).fill(NaN);
      const v = new Float32Array(WINOGRAD_TILE * winogradPlaneFloats(batch * tilesOf(s), s.c) + 1).fill(NaN);
      winogradWeightGrad(jsKernels, v, 1, x, dy, s, dw, ws, 2, batch);
      const e = scaledError(dw.map((v) => v - 0.25), want, scale);
      assert.ok(e <= WEIGHT_GRAD_TOL, `error ${e.toExponential(2)} of the magnitude > ${WEIGHT_GRAD_TOL}`);
    });
  }

  it('pads the transformed planes so that the 16 starts fall on 16 lines modulo 4 KiB (at least the tiles, at most a little more)', () => {
    for (const [tiles, ch] of [[8192, 32], [2048, 64], [1, 1], [7, 13], [4096, 16], [100, 3]] as const) {
      const rows = winogradPlaneRows(tiles, ch);
      assert.ok(rows >= tiles && rows <= tiles + 64, `${tiles} tiles of ${ch}: ${rows} rows`);
      const lines = new Set(Array.from({ length: WINOGRAD_TILE }, (_, e) => Math.floor(((e * rows * ch * 4) % 4096) / 64)));
      assert.equal(lines.size, WINOGRAD_TILE, `${tiles} tiles of ${ch}: planes on ${lines.size} lines`);
    }
    assert.equal(winogradPlaneRows(8192, 32), 8193, 'VGG-CIFAR conv1 at batch 32: one row more');
    // Wider rows cannot reach 16 sets (512 channels: 2 KiB a row), but the planes still spread over some.
    const wide = winogradPlaneRows(1024, 512);
    assert.ok(wide >= 1024 && wide <= 1024 + 64);
    assert.ok(new Set(Array.from({ length: WINOGRAD_TILE }, (_, e) => Math.floor(((e * wide * 512 * 4) % 4096) / 64))).size >= 2, 'not all on one set');
  });

  it('the flipped filters transform computes the input gradient (dz by w rotated 180°, in and out swapped)', () => {
    const c = 5, k = 6;
    const w = randomArray(9 * c * k, rng);
    const rotated = new Float32Array(w.length);
    for (let t = 0; t < 9; t++) for (let ci = 0; ci < c; ci++) for (let co = 0; co < k; co++) rotated[((8 - t) * k + co) * c + ci] = w[(t * c + ci) * k + co]!;
    const a = new Float32Array(WINOGRAD_TILE * c * k), b = new Float32Array(a.length);
    winogradFilter(w, a, 0, c, k, true);
    winogradFilter(rotated, b, 0, k, c, false);
    assert.deepEqual(a, b);
  });

  it('tiles cover partial edges', () => {
    assert.equal(tilesOf({ inH: 5, inW: 5, c: 1, k: 1, padTop: 1, padLeft: 1, outH: 5, outW: 5 }), 9);
    assert.equal(tilesOf({ inH: 1, inW: 1, c: 1, k: 1, padTop: 1, padLeft: 1, outH: 1, outW: 1 }), 1);
  });
});

/** The layer's output and its gradients (input, kernel, bias), on `getKernels()`'s arena. */
function runLayer(input: Shape, layer: Layer, batch: number, seed: number, mode: WinogradMode) {
  setWinograd(mode);
  try {
    const info = infoFor(input, layer);
    const rng = createRng(seed);
    const l = createLayer(info, rng) as Conv2d;
    for (const p of l.params) p.value.set(randomTensor(p.shape, rng, 0.3).data);
    const x = randomTensor([batch, ...input], rng, 2);
    const y = l.forward(x, true).data.slice();
    const use = usesWinograd(info.window, 1, input[2]!, (layer as { filters: number }).filters);
    assert.equal(l.memory.has('wino'), use, 'runs the way the plan says');
    const dy = randomTensor([batch, ...info.outputShape!], rng);
    for (const p of l.params) p.grad.fill(0);
    const dx = l.backward(dy).data.slice();
    const infer = l.forward(x, false).data.slice();
    return { y, dx, infer, grads: l.params.map((p) => p.grad.slice()), use };
  } finally {
    setWinograd('auto');
  }
}

/** ‖a − b‖∞ ≤ tol · ‖b‖∞ (the layers' scale: a rougher bound than the per-output one above, over whole tensors). */
function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  let d = 0, m = 1e-12;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  assert.ok(d <= tol * m, `${what}: ${(d / m).toExponential(2)} of the scale > ${tol}`);
}

describe(`conv2d by Winograd vs im2col + GEMM (${getKernels().name} kernels)`, () => {
  const cases: { input: Shape; layer: Conv2dLayer; batch: number }[] = [
    { input: [8, 8, 16], layer: { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }, batch: 2 },
    { input: [7, 9, 19], layer: { type: 'conv2d', filters: 21, kernelSize: 3, padding: 'same' }, batch: 3 },
    { input: [9, 6, 24], layer: { type: 'conv2d', filters: 17, kernelSize: 3, activation: 'tanh' }, batch: 1 },
    { input: [6, 7, 16], layer: { type: 'conv2d', filters: 32, kernelSize: 3, padding: [[2, 0], [1, 3]], useBias: false }, batch: 2 },
    { input: [5, 5, 20], layer: { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'softmax' }, batch: 2 },
  ];
  for (const c of cases) {
    it(`${c.input.join('×')} → ${JSON.stringify(c.layer.padding ?? 'valid')} ${c.layer.filters} filters, batch ${c.batch}`, () => {
      const w = runLayer(c.input, c.layer, c.batch, 11, 'always');
      const d = runLayer(c.input, c.layer, c.batch, 11, 'off');
      assert.ok(w.use && !d.use);
      close(w.y, d.y, 1e-5, 'output');
      close(w.infer, d.infer, 1e-5, 'inference output');
      close(w.dx, d.dx, 1e-5, 'input gradient');
      // The weight gradient by Winograd too (the bias's is the same sum on both paths).
      w.grads.forEach((g, i) => close(g, d.grads[i]!, 1e-5, `gradient ${i}`));
    });
  }

  it('a standalone layer\'s backward after an inference pass takes that pass\'s input (its tiles made again)', () => {
    const input: Shape = [6, 6, 16];
    const layer: Conv2dLayer = { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same' };
    const grads = (mode: WinogradMode): Float32Array[] => {
      setWinograd(mode);
      try {
        const rng = createRng(5);
        const l = createLayer(infoFor(input, layer), rng) as Conv2d;
        const a = randomTensor([2, ...input], rng), b = randomTensor([2, ...input], rng);
        l.forward(a, true);
        l.forward(b, false);
        for (const p of l.params) p.grad.fill(0);
        l.backward(randomTensor([2, 6, 6, 16], rng));
        return l.params.map((p) => p.grad.slice());
      } finally {
        setWinograd('auto');
      }
    };
    const w = grads('always'), d = grads('off');
    w.forEach((g, i) => close(g, d[i]!, 1e-5, `gradient ${i}`));
  });

  it('by the rule: from 8 channels on both sides, training and inference alike; not from 3 input channels', () => {
    const narrow = runLayer([6, 6, 8], { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }, 2, 5, 'auto');
    const off = runLayer([6, 6, 8], { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }, 2, 5, 'off');
    assert.equal(narrow.use, true);
    close(narrow.y, off.y, 1e-5, 'training forward by Winograd');
    close(narrow.dx, off.dx, 1e-5, 'input gradient by Winograd');
    close(narrow.infer, off.infer, 1e-5, 'inference by Winograd');
    const first = runLayer([6, 6, 3], { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same' }, 1, 5, 'auto');
    const firstOff = runLayer([6, 6, 3], { type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same' }, 1, 5, 'off');
    assert.equal(first.use, false);
    assert.deepEqual(first.y, firstOff.y, 'im2col + GEMM: the same bits');
  });

  for (const [input, layer] of [
    [[5, 5, 16], { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', activation: 'tanh' }],
    [[6, 5, 17], { type: 'conv2d', filters: 18, kernelSize: 3, padding: [[2, 0], [0, 1]] }],
  ] as [Shape, Conv2dLayer][]) {
    it(`passes the gradient check by Winograd (${input.join('×')}, ${JSON.stringify(layer.padding)})`, () => {
      setWinograd('always');
      try {
        const rng = createRng(9);
        const l = createLayer(infoFor(input, layer), rng);
        for (const training of [false, true]) gradCheck(l, randomTensor([2, ...input], rng), { rng, training });
        assert.ok(l.memory.has('wino'));
      } finally {
        setWinograd('auto');
      }
    });
  }

  it('folded into a network\'s inference (batch norm folded in): the folded filters\' transform follows every change', () => {
    const layers: Layer[] = [
      { type: 'conv2d', filters: 24, kernelSize: 3, padding: 'same' },
      { type: 'batchNorm' },
      { type: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ];
    const model: Model = { format: MODEL_FORMAT, name: 'wino-fold', input: { shape: [6, 7, 16] }, layers };
    const net = buildNetwork(model, inferShapes(model), 1);
    net.foldBatchNorms = true;
    const rng = createRng(4);
    for (const p of net.params) p.value.set(randomTensor(p.shape, rng, 0.5).data.map((v) => (p.name.endsWith('movingVariance') ? 0.5 + Math.abs(v) : v)));
    const x = randomTensor([2, ...net.inputShape], rng);
    const unfolded = (): Float32Array => {
      net.observer = () => {};
      try {
        return net.forward(x, false).data.slice();
      } finally {
        net.observer = undefined;
      }
    };
    const first = net.forward(x, false).data.slice();
    assert.ok(net.layers[0]!.memory.has('wino'), 'the conv infers by Winograd');
    close(first, unfolded(), 1e-5, 'folded');
    assert.deepEqual(net.forward(x, false).data.slice(), first, 'a second pass reuses the transform: the same bits');
    const gamma = net.params.find((p) => p.name.endsWith('gamma'))!;
    gamma.value.fill(2);
    const second = net.forward(x, false).data.slice();
    assert.ok(second.some((v, i) => Math.abs(v - first[i]!) > 1e-4), 'the write changed nothing: the test cannot tell a stale transform');
    close(second, unfolded(), 1e-5, 'after a write');
  });

  it('reuses the transformed filters in inference until the kernel is handed out again', () => {
    const input: Shape = [6, 6, 16];
    const info = infoFor(input, { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same' });
    const rng = createRng(3);
    const l = createLayer(info, rng) as Conv2d;
    const x = randomTensor([1, ...input], rng);
    const a = l.forward(x, false).data.slice();
    assert.deepEqual(l.forward(x, false).data.slice(), a);
    // A writer fetches the values (ArenaParam.version): the next pass sees the new kernel.
    l.kernel.value.fill(0);
    assert.ok(l.forward(x, false).data.every((v) => v === 0));
  });

  it('is not chosen for strided, dilated, grouped, non-3×3 or small convolutions', () => {
    const planned = (input: Shape, layer: Layer): boolean => createLayer(infoFor(input, layer), createRng(1)).memory.has('wino');
    const probe = (input: Shape, layer: Layer): boolean => {
      const l = createLayer(infoFor(input, layer), createRng(1));
      l.forward(tensor([1, ...input]), false);
      return l.memory.has('wino');
    };
    assert.equal(planned([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 3 }), false, 'nothing planned before a pass');
    assert.equal(probe([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same' }), true);
    assert.equal(probe([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 3, strides: 2 }), false);
    assert.equal(probe([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 3, dilationRate: 2 }), false);
    assert.equal(probe([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 3, groups: 2 }), false);
    assert.equal(probe([8, 8, 16], { type: 'conv2d', filters: 16, kernelSize: 5 }), false);
    assert.equal(probe([8, 8, 4], { type: 'conv2d', filters: 16, kernelSize: 3 }), false);
    assert.equal(probe([8, 8, 7], { type: 'conv2d', filters: 16, kernelSize: 3 }), false, '7 input channels');
    assert.equal(probe([3, 3, 16], { type: 'conv2d', filters: 16, kernelSize: 3 }), false, 'a 1×1 output');
    assert.equal(probe([2, 2, 8], { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' }), true, 'a 2×2 output, 8 channels');
  });
});

describe('Winograd transforms in WebAssembly', () => {
  for (const variant of ['relaxed-simd', 'simd'] as const) {
    it(`equal the JavaScript reference bit for bit (${variant}; odd channels, partial tiles, negative pads, flipped filters)`, () => {
      const { backend, kernels } = freshBackend(variant);
      const rng = createRng(21);
      const shapes: [WinogradShape, number][] = [
        [{ inH: 7, inW: 9, c: 13, k: 6, padTop: 1, padLeft: 1, outH: 7, outW: 9 }, 3],
        [{ inH: 1, inW: 1, c: 4, k: 9, padTop: 1, padLeft: 1, outH: 1, outW: 1 }, 2],
        [{ inH: 8, inW: 5, c: 3, k: 16, padTop: -1, padLeft: 2, outH: 4, outW: 7 }, 1],
      ];
      for (const [s, batch] of shapes) {
        const tiles = batch * tilesOf(s);
        const pc = winogradPlaneFloats(tiles, s.c), pk = winogradPlaneFloats(tiles, s.k);
        const r = new Regions(backend);
        for (const floats of [batch * s.inH * s.inW * s.c, WINOGRAD_TILE * pc + 4, WINOGRAD_TILE * pk, batch * s.outH * s.outW * s.k]) r.add(floats);
        const [x, v, m, z] = r.views() as [Float32Array, Float32Array, Float32Array, Float32Array];
        x.set(randomArray(x.length, rng, 3));
        m.set(randomArray(m.length, rng, 3));
        const inWasm = kernels.ops.inWasm.winogradInput + kernels.ops.inWasm.winogradOutput + kernels.ops.inWasm.winogradOutputGrad;
        const mIn = m.slice();
        kernels.winogradInput(x, v, 4, batch, s);
        kernels.winogradOutput(m, 0, z, batch, s);
        // The output gradient's transform (z as dY), over m.
        kernels.winogradOutputGrad(z, m, 0, batch, s);
        assert.equal(kernels.ops.inWasm.winogradInput + kernels.ops.inWasm.winogradOutput + kernels.ops.inWasm.winogradOutputGrad, inWasm + 3, 'ran in WebAssembly');
        const v0 = new Float32Array(v.length), z0 = new Float32Array(z.length), m0 = new Float32Array(m.length);
        jsKernels.winogradInput(x, v0, 4, batch, s);
        jsKernels.winogradOutput(mIn, 0, z0, batch, s);
        jsKernels.winogradOutputGrad(z0, m0, 0, batch, s);
        // Each plane's rows of tiles (past them, the padding up to the next plane holds nothing).
        const planes = (a: Float32Array, off: number, stride: number, ch: number): Uint32Array =>
          Uint32Array.from({ length: WINOGRAD_TILE * tiles * ch }, (_, i) => new Uint32Array(a.buffer, a.byteOffset, a.length)[off + Math.floor(i / (tiles * ch)) * stride + (i % (tiles * ch))]!);
        assert.deepEqual(planes(v, 4, pc, s.c), planes(v0, 4, pc, s.c), `input transform ${JSON.stringify(s)}`);
        assert.deepEqual(new Uint32Array(z.slice().buffer), new Uint32Array(z0.buffer), `output transform ${JSON.stringify(s)}`);
        assert.deepEqual(planes(m, 0, pk, s.k), planes(m0, 0, pk, s.k), `output gradient transform ${JSON.stringify(s)}`);
        r.release();
      }
      for (const [c, k] of [[5, 13], [8, 4], [3, 1]] as const) {
        for (const flipped of [false, true]) {
          const r = new Regions(backend);
          r.add(9 * c * k);
          r.add(WINOGRAD_TILE * c * k + 2);
          const [w, u] = r.views() as [Float32Array, Float32Array];
          w.set(randomArray(w.length, rng));
          const before = kernels.ops.inWasm.winogradFilter;
          kernels.winogradFilter(w, u, 2, c, k, flipped);
          assert.equal(kernels.ops.inWasm.winogradFilter, before + 1, 'ran in WebAssembly');
          const u0 = new Float32Array(u.length);
          jsKernels.winogradFilter(w, u0, 2, c, k, flipped);
          assert.deepEqual(new Uint32Array(u.slice(2).buffer), new Uint32Array(u0.slice(2).buffer), `filter transform ${c}×${k}${flipped ? ' flipped' : ''}`);
          r.release();
        }
      }
      // Its adjoint, the weight gradient's last step, added to what dw held.
      for (const [c, k] of [[5, 13], [8, 4], [3, 1], [16, 24]] as const) {
        const r = new Regions(backend);
        r.add(WINOGRAD_TILE * c * k + 3);
        r.add(9 * c * k);
        const [du, dw] = r.views() as [Float32Array, Float32Array];
        du.set(randomArray(du.length, rng, 3));
        dw.set(randomArray(dw.length, rng));
        const jdw = dw.slice();
        const before = kernels.ops.inWasm.winogradFilterGrad;
        kernels.winogradFilterGrad(du, 3, dw, c, k);
        assert.equal(kernels.ops.inWasm.winogradFilterGrad, before + 1, 'ran in WebAssembly');
        jsKernels.winogradFilterGrad(du.slice(), 3, jdw, c, k);
        assert.deepEqual(new Uint32Array(dw.slice().buffer), new Uint32Array(jdw.buffer), `filter gradient ${c}×${k}`);
        r.release();
      }
    });
  }
});
