// Layer behaviour the gradient checks cannot see: for every layer type of the registry, params as its definition
// lists them and the shape function's shapes; dropout masks, batch-norm running statistics, initialisers, and the
// kernels (GEMM variants against a naive product, im2col/col2im adjointness, swapping implementations).
import assert from 'node:assert/strict';
import { fans, glorotNormal, heUniform } from '../../../src/engine/init';
import type { EngineLayer } from '../../../src/engine/layer';
import { getKernels, jsKernels, setKernels, type Kernels } from '../../../src/engine/kernels';
import { createLayer } from '../../../src/engine/layers';
import { buildNetwork } from '../../../src/engine/network';
import type { BatchNorm } from '../../../src/engine/layers/batchNorm';
import type { Dropout } from '../../../src/engine/layers/dropout';
import { createRng } from '../../../src/engine/rng';
import { tensor, type Tensor } from '../../../src/engine/tensor';
import { defOf } from '../../../src/model/layers';
import { window2d, type Window2d } from '../../../src/model/geometry';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { infoFor, randomTensor } from './helpers';
import { assertEveryType, TEMPLATE_CASES } from './registryCases';

const forwardOf = (layer: EngineLayer, xs: readonly Tensor[], training: boolean): Tensor =>
  layer.forwardInputs ? layer.forwardInputs(xs, training) : layer.forward(xs[0]!, training);

describe('every layer type (its template from the registry)', () => {
  it('covers every layer type', () => assertEveryType(TEMPLATE_CASES.map((c) => c.layer), 'the template cases'));

  for (const c of TEMPLATE_CASES) {
    it(`${c.type}: params as its definition lists them, seeded; the shape function's shapes; trainingDiffers iff training changes the output`, () => {
      const info = infoFor(c.input, c.layer);
      const layer = createLayer(info, createRng(1));
      const defs = defOf(info.layer).params?.(info) ?? [];
      assert.deepEqual(layer.params.map((p) => [p.name, p.shape, p.trainable]), defs.map((d) => [`${info.name}.${d.name}`, d.shape, d.trainable]));
      layer.params.forEach((p, i) => {
        const init = defs[i]!.init;
        const limit = Math.sqrt(6 / (fans(p.shape).fanIn + fans(p.shape).fanOut));
        if (init === 'glorotUniform') assert.ok(p.value.every((v) => Math.abs(v) <= limit) && p.value.some((v) => v !== 0), `${p.name}: Glorot uniform`);
        else assert.ok(p.value.every((v) => v === (init === 'ones' ? 1 : 0)), `${p.name}: ${init}`);
      });
      assert.deepEqual(createLayer(info, createRng(1)).params.map((p) => Array.from(p.value)), layer.params.map((p) => Array.from(p.value)), 'the same seed, the same weights');
      const rng = createRng(2);
      const xs = info.inputs.map((inp) => randomTensor([2, ...inp.shape!], rng));
      const inference = forwardOf(layer, xs, false);
      assert.deepEqual(inference.shape, [2, ...info.outputShape!]);
      const y = inference.data.slice();
      const trained = forwardOf(layer, xs, true);
      assert.deepEqual(trained.shape, [2, ...info.outputShape!]);
      assert.equal(trained.data.some((v, i) => v !== y[i]), layer.trainingDiffers === true, 'trainingDiffers');
      const dy = randomTensor(trained.shape, rng);
      const dxs = layer.backwardInputs ? layer.backwardInputs(dy) : [layer.backward(dy)];
      assert.deepEqual(dxs.map((dx) => dx.shape), info.inputs.map((inp) => [2, ...inp.shape!]));
    });
  }
});

describe('engine layers and kernels', () => {
  it('dropout: seeded inverted mask in training, identity at inference, backward through the same mask', () => {
    const info = infoFor([10, 10, 10], { type: 'dropout', rate: 0.4 });
    const a = createLayer(info, createRng(1));
    const b = createLayer(info, createRng(1));
    const x = tensor([2, 10, 10, 10], new Float32Array(2000).fill(1));
    assert.equal(a.forward(x, false), x);
    const y = a.forward(x, true).data.slice();
    assert.deepEqual(b.forward(x, true).data, y);
    const kept = y.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.6) < 1e-6));
    assert.ok(Math.abs(kept.length / 2000 - 0.6) < 0.05, `kept ${kept.length}`);
    const dx = a.backward(tensor(x.shape, new Float32Array(2000).fill(2))).data;
    dx.forEach((v, i) => assert.equal(v, 2 * y[i]!));
    assert.notDeepEqual(a.forward(x, true).data, y, 'a new mask each step');
  });

  it('dropout: keptMask() is the last training mask, freezeMask() keeps it for the next training forwards', () => {
    const layer = createLayer(infoFor([4, 4, 2], { type: 'dropout', rate: 0.5 }), createRng(3)) as Dropout;
    const x = tensor([2, 4, 4, 2], new Float32Array(64).fill(1));
    const y = layer.forward(x, true).data.slice();
    assert.deepEqual([...layer.keptMask()!], Array.from(y, (v) => (v !== 0 ? 1 : 0)));
    layer.freezeMask(true);
    assert.deepEqual(layer.forward(x, true).data, y);
    layer.freezeMask(false);
    assert.notDeepEqual(layer.forward(x, true).data, y);
    layer.forward(x, false);
    assert.equal(layer.keptMask(), undefined, 'no mask at inference');
  });

  it('conv2d and maxPool2d: an inference forward (no patches kept, no winners) gives the training outputs; backward after it: the same gradients (a layer), refused (a network)', () => {
    for (const layer of [
      { type: 'conv2d', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 9, kernelSize: 5, strides: 2, activation: 'leakyRelu' },
      { type: 'maxPool2d', poolSize: 2 },
    ] as const) {
      const info = infoFor([9, 9, 4], layer);
      const a = createLayer(info, createRng(1));
      const b = createLayer(info, createRng(1));
      const x = randomTensor([3, 9, 9, 4], createRng(2), 1);
      const ya = a.forward(x, true).data.slice();
      assert.deepEqual(b.forward(x, false).data.slice(), ya, `${layer.type} inference output`);
      const dy = randomTensor(a.forward(x, true).shape, createRng(3), 1);
      assert.deepEqual(b.backward(dy).data.slice(), a.backward(dy).data.slice(), `${layer.type} input gradient after an inference forward`);
      assert.deepEqual(b.params.map((p) => Array.from(p.grad)), a.params.map((p) => Array.from(p.grad)), `${layer.type} weight gradients`);
    }
    const model: Model = {
      format: MODEL_FORMAT,
      name: 'eval-then-backward',
      input: { shape: [9, 9, 4] },
      layers: [{ type: 'maxPool2d', poolSize: 2 }, { type: 'conv2d', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }],
    };
    const net = buildNetwork(model, inferShapes(model), 1);
    const x = randomTensor([3, 9, 9, 4], createRng(2), 1);
    const y = net.forward(x, false).data.slice();
    assert.deepEqual(net.forward(x, true).data, y, 'a network: the same outputs');
    net.forward(x, false);
    assert.throws(() => net.backward(randomTensor([3, ...net.outputShape], createRng(3), 1)), /training forward pass/);
  });

  it('batchNorm: Keras momentum update of the moving statistics, which inference then uses', () => {
    const layer = createLayer(infoFor([2, 2, 3], { type: 'batchNorm', momentum: 0.9 }), createRng(1)) as BatchNorm;
    const x = randomTensor([4, 2, 2, 3], createRng(2), 3);
    layer.forward(x, true);
    for (let j = 0; j < 3; j++) {
      const v = Array.from({ length: 16 }, (_, i) => x.data[i * 3 + j]!);
      const mean = v.reduce((s, a) => s + a, 0) / 16;
      const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / 16;
      assert.ok(Math.abs(layer.movingMean.value[j]! - 0.1 * mean) < 1e-6);
      assert.ok(Math.abs(layer.movingVariance.value[j]! - (0.9 + 0.1 * variance)) < 1e-5);
    }
    assert.deepEqual(layer.params.map((p) => [p.name.split('.')[1], p.trainable]), [['gamma', true], ['beta', true], ['movingMean', false], ['movingVariance', false]]);
    const y = layer.forward(x, false).data;
    const mm = layer.movingMean.value[0]!;
    const mv = layer.movingVariance.value[0]!;
    assert.ok(Math.abs(y[0]! - (x.data[0]! - mm) / Math.sqrt(mv + 0.001)) < 1e-5);
  });

  it('initialisers: Keras fans, seeded, within their limits', () => {
    assert.deepEqual(fans([3, 3, 4, 8]), { fanIn: 36, fanOut: 72 });
    assert.deepEqual(fans([10, 5]), { fanIn: 10, fanOut: 5 });
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    heUniform(a, [10, 100], createRng(3));
    heUniform(b, [10, 100], createRng(3));
    assert.deepEqual(a, b);
    assert.ok(a.every((v) => Math.abs(v) <= Math.sqrt(0.6)));
    glorotNormal(a, [10, 100], createRng(3));
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    assert.ok(Math.abs(std - Math.sqrt(2 / 110)) < 0.015, `std ${std}`);
  });

  it('gemm: all transpose variants, accumulate, edge sizes, offsets', () => {
    const rng = createRng(4);
    for (const [m, n, k] of [[1, 1, 1], [4, 4, 4], [5, 7, 3], [9, 2, 13], [8, 12, 1]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomTensor([m * k + 3], rng).data;
          const b = randomTensor([k * n + 2], rng).data;
          const c = randomTensor([m * n + 1], rng).data;
          const before = c.slice();
          jsKernels.gemm(transA, transB, m, n, k, a, 3, b, 2, c, 1, true);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = before[1 + i * n + j]!;
              for (let p = 0; p < k; p++) s += a[3 + (transA ? p * m + i : i * k + p)]! * b[2 + (transB ? j * k + p : p * n + j)]!;
              assert.ok(Math.abs(c[1 + i * n + j]! - s) < 1e-5, `${m}×${n}×${k} ${transA} ${transB}`);
            }
          }
          assert.equal(c[0], before[0], 'writes nothing before cOff');
        }
      }
    }
  });

  it('col2im is the adjoint of im2col (⟨im2col x, c⟩ = ⟨x, col2im c⟩), with dilation and asymmetric padding', () => {
    const rng = createRng(5);
    const g = window2d(7, 6, [3, 2], [2, 1], [2, 3], 'same') as Window2d;
    const c = 3;
    const x = randomTensor([7 * 6 * c], rng).data;
    const cols = new Float32Array(g.outH * g.outW * g.kh * g.kw * c);
    jsKernels.im2col(x, 0, g, c, cols);
    const r = randomTensor([cols.length], rng).data;
    const back = new Float32Array(x.length);
    jsKernels.col2im(r, g, c, back, 0);
    const lhs = cols.reduce((s, v, i) => s + v * r[i]!, 0);
    const rhs = x.reduce((s, v, i) => s + v * back[i]!, 0);
    assert.ok(Math.abs(lhs - rhs) < 1e-4 * Math.max(1, Math.abs(lhs)));
  });

  it('setKernels swaps the implementation every layer uses', () => {
    let calls = 0;
    const previous = getKernels();
    const counting: Kernels = { ...jsKernels, name: 'counting', gemm: (...args) => { calls++; jsKernels.gemm(...args); } };
    setKernels(counting);
    try {
      const layer = createLayer(infoFor([4], { type: 'dense', units: 2 }), createRng(1));
      layer.forward(randomTensor([3, 4], createRng(2)), false);
      assert.equal(getKernels().name, 'counting');
      assert.equal(calls, 1);
    } finally {
      // Back to whichever kernels this run tests (the wasm run installs its own).
      setKernels(previous);
    }
  });
});
