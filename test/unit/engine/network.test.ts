// The Network: LeNet-5 end to end, seeded determinism, clear build errors, the fused training step by central
// differences, feature maps, and buffer reuse across batch sizes.
import assert from 'node:assert/strict';
import { buildNetwork } from '../../../src/engine/network';
import { createRng } from '../../../src/engine/rng';
import { sizeOf } from '../../../src/engine/tensor';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { checkCoords, randomTensor } from './helpers';

export function modelOf(input: readonly [number, number, number], layers: Layer[]): Model {
  return { format: MODEL_FORMAT, name: 'test', input: { shape: input }, layers };
}

const LENET: Model = modelOf([28, 28, 1], [
  { type: 'conv2d', filters: 6, kernelSize: 5, padding: 'same', activation: 'tanh' },
  { type: 'avgPool2d', poolSize: 2 },
  { type: 'conv2d', filters: 16, kernelSize: 5, activation: 'tanh' },
  { type: 'avgPool2d', poolSize: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 120, activation: 'tanh' },
  { type: 'dense', units: 84, activation: 'tanh' },
  { type: 'dense', units: 10, activation: 'softmax' },
]);

const build = (model: Model, seed: number) => buildNetwork(model, inferShapes(model), seed);

describe('engine network', () => {
  it('builds LeNet-5: [N, 10] probabilities, Keras parameter count, finite training step', () => {
    const net = build(LENET, 1);
    const x = randomTensor([4, 28, 28, 1], createRng(2));
    const y = net.forward(x, false);
    assert.deepEqual(y.shape, [4, 10]);
    for (let i = 0; i < 4; i++) {
      const row = y.data.subarray(i * 10, i * 10 + 10);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
    assert.equal(net.params.reduce((s, p) => s + sizeOf(p.shape), 0), 61_706);
    net.zeroGrads();
    const { loss, outputs } = net.trainBatch(x, Int32Array.from([0, 1, 2, 3]), 'sparseCategoricalCrossentropy');
    assert.ok(loss > 0 && Number.isFinite(loss));
    assert.deepEqual(outputs.shape, [4, 10]);
    assert.ok(net.params.every((p) => p.grad.every(Number.isFinite)));
  });

  it('same seed → identical weights; another seed → different weights; Keras initial values', () => {
    const a = build(LENET, 42);
    const b = build(LENET, 42);
    const c = build(LENET, 43);
    assert.deepEqual(a.params.map((p) => p.name), ['conv2d_0', 'conv2d_2', 'dense_5', 'dense_6', 'dense_7'].flatMap((n) => [`${n}.kernel`, `${n}.bias`]));
    a.params.forEach((p, i) => assert.deepEqual(p.value, b.params[i]!.value, p.name));
    assert.notDeepEqual(a.params[0]!.value, c.params[0]!.value);
    const k = a.params[0]!.value;
    const limit = Math.sqrt(6 / (25 * 1 + 25 * 6));
    assert.ok(k.every((v) => Math.abs(v) <= limit) && k.some((v) => Math.abs(v) > limit / 2), 'glorot uniform');
    assert.ok(a.params[1]!.value.every((v) => v === 0), 'zero bias');
  });

  it('refuses a model whose analysis has errors, naming the layer', () => {
    const bad = modelOf([8, 8, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'dense', units: 3 }]);
    assert.throws(() => build(bad, 0), /layer 1 \(dense_1\).*flatten/);
  });

  it('trainBatch (fused softmax CE, batchNorm in training mode) matches central differences of the loss', () => {
    const model = modelOf([6, 5, 2], [
      { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
      { type: 'batchNorm' },
      { type: 'depthwiseConv2d', kernelSize: 2, activation: 'sigmoid' },
      { type: 'flatten' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ]);
    const net = build(model, 3);
    const rng = createRng(4);
    const x = randomTensor([5, 6, 5, 2], rng);
    const labels = Int32Array.from([0, 3, 1, 2, 3]);
    net.zeroGrads();
    net.trainBatch(x, labels, 'categoricalCrossentropy');
    const grads = net.params.map((p) => p.grad.slice());
    const loss = (): number => net.trainBatch(x, labels, 'categoricalCrossentropy').loss;
    net.params.forEach((p, i) => p.trainable && checkCoords(p.name, p.value, grads[i]!, loss, 1e-2, { rng, maxCoords: 12 }));
  });

  it('trainBatch accumulates until zeroGrads; evaluateBatch leaves gradients alone', () => {
    const net = build(modelOf([4, 4, 1], [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'sigmoid' }]), 5);
    const x = randomTensor([3, 4, 4, 1], createRng(6));
    const labels = Int32Array.from([0, 1, 1]);
    net.zeroGrads();
    net.trainBatch(x, labels, 'binaryCrossentropy');
    const once = net.params[0]!.grad.slice();
    net.trainBatch(x, labels, 'binaryCrossentropy');
    net.evaluateBatch(x, labels, 'binaryCrossentropy');
    net.params[0]!.grad.forEach((g, i) => assert.ok(Math.abs(g - 2 * once[i]!) < 1e-6));
    net.zeroGrads();
    assert.ok(net.params.every((p) => p.grad.every((g) => g === 0)));
  });

  it('featureMaps returns a copy of every layer output for one sample', () => {
    const net = build(LENET, 1);
    const x = randomTensor([28, 28, 1], createRng(8));
    const maps = net.featureMaps(x);
    const analysis = inferShapes(LENET);
    assert.deepEqual(maps.map((m) => m.shape), analysis.layers.map((l) => l.outputShape));
    const y = net.forward({ shape: [1, 28, 28, 1], data: x.data }, false);
    assert.deepEqual(maps[maps.length - 1]!.data, y.data);
    assert.notEqual(maps[maps.length - 1]!.data, y.data);
    assert.throws(() => net.featureMaps(randomTensor([2, 28, 28, 1], createRng(1))), /one sample/);
  });

  it('inference through a dropout (the identity) reads its input where the plan keeps it alive', () => {
    // In inference a dropout hands on its input: a plan that freed the input after the dropout's forward let the
    // 1×1 conv's output overwrite the very input it was reading.
    const layers = (drop: boolean): Layer[] => [
      { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
      ...(drop ? [{ type: 'dropout', rate: 0.5 } as const] : []),
      { type: 'conv2d', filters: 2, kernelSize: 1, activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 3 },
    ];
    const withDropout = build(modelOf([8, 8, 2], layers(true)), 1);
    const without = build(modelOf([8, 8, 2], layers(false)), 1);
    without.params.forEach((p, i) => p.value.set(withDropout.params[i]!.value));
    const x = randomTensor([4, 8, 8, 2], createRng(3));
    assert.deepEqual(withDropout.forward(x, false).data, without.forward(x, false).data);
  });

  it('reuses buffers for the same batch size and adapts to a new one; rejects a wrong input shape', () => {
    const net = build(LENET, 1);
    const rng = createRng(9);
    const a = net.forward(randomTensor([2, 28, 28, 1], rng), false);
    const b = net.forward(randomTensor([2, 28, 28, 1], rng), false);
    assert.equal(a.data, b.data);
    assert.deepEqual(net.forward(randomTensor([3, 28, 28, 1], rng), false).shape, [3, 10]);
    assert.throws(() => net.forward(randomTensor([2, 28, 27, 1], rng), false), /\[N, 28, 28, 1\]/);
  });
});
