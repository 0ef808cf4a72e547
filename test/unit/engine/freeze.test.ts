// Frozen layers ("trainable": false): no gradient and no update for their parameters, the input gradient still
// flows through them to earlier trainable layers (exactly as without the freeze), a frozen batch norm runs on its
// moving statistics in training and keeps them, and a frozen backbone gets no backward pass at all.
import assert from 'node:assert/strict';
import type { EngineLayer, Param } from '../../../src/engine/layer';
import { getKernels } from '../../../src/engine/kernels';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { randomTensor } from './helpers';

const LABELS = Int32Array.from([0, 1, 2, 1]);
const LOSS = 'sparseCategoricalCrossentropy';

/** Every layer type with parameters but batch norm (whose frozen forward differs), between two trainable layers. */
function chain(frozen: boolean): Model {
  const f = frozen ? { trainable: false } : {};
  const layers: Layer[] = [
    { type: 'conv2d', name: 'first', filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' },
    { type: 'conv2d', name: 'conv', filters: 4, kernelSize: 3, activation: 'swish', ...f },
    { type: 'conv2d', name: 'grouped', filters: 4, kernelSize: 1, groups: 2, activation: 'tanh', ...f },
    { type: 'depthwiseConv2d', name: 'dw', kernelSize: 2, depthMultiplier: 2, activation: 'tanh', ...f },
    { type: 'separableConv2d', name: 'sep', filters: 3, kernelSize: 2, activation: 'tanh', ...f },
    { type: 'layerNormalization', name: 'ln', ...f },
    { type: 'flatten' },
    { type: 'dense', name: 'hidden', units: 5, activation: 'tanh', ...f },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ];
  return modelOf([7, 7, 2], layers);
}

const modelOf = (input: readonly [number, number, number], layers: Layer[]): Model => ({ format: MODEL_FORMAT, name: 'frozen', input: { shape: input }, layers });
const build = (model: Model): Network => buildNetwork(model, inferShapes(model), 5);
const param = (net: Network, name: string): Param => {
  const p = net.params.find((q) => q.name === name);
  assert.ok(p, `no param ${name}`);
  return p;
};

/** Bitwise with the JavaScript kernels; the WebAssembly ones run the unfrozen depthwise backward in SIMD. */
function assertSameGradient(a: Float32Array, b: Float32Array, what: string): void {
  if (getKernels().name === 'js') {
    assert.deepEqual(a, b, what);
    return;
  }
  const scale = Math.max(...b.map(Math.abs));
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5 * scale, `${what}[${i}]: ${v} vs ${b[i]}`));
}

describe('frozen layers (trainable: false)', () => {
  it('frozen parameters get no gradient; the trainable layers before and after get exactly the unfrozen gradient', () => {
    const x = randomTensor([4, 7, 7, 2], createRng(3));
    const frozen = build(chain(true));
    const open = build(chain(false));
    frozen.zeroGrads();
    open.zeroGrads();
    frozen.trainBatch(x, LABELS, LOSS);
    open.trainBatch(x, LABELS, LOSS);
    const names = frozen.params.filter((p) => !p.trainable).map((p) => p.name);
    assert.deepEqual(names, [
      'conv.kernel', 'conv.bias', 'grouped.kernel', 'grouped.bias', 'dw.kernel', 'dw.bias', 'sep.depthwiseKernel', 'sep.pointwiseKernel', 'sep.bias',
      'ln.gamma', 'ln.beta', 'hidden.kernel', 'hidden.bias',
    ]);
    for (const n of names) assert.equal(param(frozen, n).grad.length, 0, `${n} has no gradient buffer`);
    for (const n of ['first.kernel', 'first.bias', 'out.kernel', 'out.bias']) {
      const g = param(frozen, n).grad;
      assert.ok(g.some((v) => v !== 0), `${n} is trained`);
      assertSameGradient(g, param(open, n).grad, n);
    }
  });

  it('an optimizer leaves frozen parameters unchanged and keeps no slots for them, while the rest trains', () => {
    const net = build(chain(true));
    const before = new Map(net.params.map((p) => [p.name, p.value.slice()]));
    const opt = createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params);
    const x = randomTensor([4, 7, 7, 2], createRng(4));
    for (let s = 0; s < 3; s++) {
      net.zeroGrads();
      net.trainBatch(x, LABELS, LOSS);
      opt.step();
    }
    for (const p of net.params) {
      if (p.trainable) assert.notDeepEqual(p.value, before.get(p.name), `${p.name} trains`);
      else assert.deepEqual(p.value, before.get(p.name), `${p.name} stays`);
    }
    // Adam's two slots per trainable parameter, named `<param>.<slot>`, and none for a frozen one.
    const slotted = new Set(Object.keys(opt.exportState().slots).map((k) => k.slice(0, k.lastIndexOf('.'))));
    assert.deepEqual([...slotted], net.params.filter((p) => p.trainable).map((p) => p.name));
  });

  it('a frozen batch norm normalises with its moving statistics in training and keeps them', () => {
    const bn = (frozen: boolean): Model => modelOf([4, 4, 3], [
      { type: 'conv2d', name: 'first', filters: 3, kernelSize: 3, padding: 'same' },
      { type: 'batchNorm', name: 'bn', ...(frozen ? { trainable: false } : {}) },
      { type: 'flatten' },
      { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
    ]);
    const frozen = build(bn(true));
    const open = build(bn(false));
    // Moving statistics far from the batch's, so the two modes differ.
    const setStats = (net: Network): void => {
      param(net, 'bn.movingMean').value.set([0.5, -0.3, 0.2]);
      param(net, 'bn.movingVariance').value.set([2, 0.5, 3]);
      param(net, 'bn.gamma').value.set([1.5, 0.7, -1]);
      param(net, 'bn.beta').value.set([0.1, 0.2, -0.3]);
    };
    setStats(frozen);
    setStats(open);
    const x = randomTensor([4, 4, 4, 3], createRng(6));
    const bnOut = (net: Network, training: boolean): Float32Array => {
      let out = new Float32Array(0);
      net.observer = (i, t) => {
        if (i === 1) out = t.data.slice();
      };
      net.forward(x, training);
      delete net.observer;
      return out;
    };
    assert.deepEqual(bnOut(frozen, true), bnOut(frozen, false), 'frozen: training output = inference output');
    assert.notDeepEqual(bnOut(open, true), bnOut(open, false), 'the test can fail: batch statistics differ');
    const moving = () => [...param(frozen, 'bn.movingMean').value, ...param(frozen, 'bn.movingVariance').value];
    const stats = moving();
    frozen.zeroGrads();
    const { outputs } = frozen.trainBatch(x, LABELS, LOSS);
    assert.deepEqual(moving(), stats, 'moving statistics unchanged');
    assert.equal(param(frozen, 'bn.gamma').grad.length + param(frozen, 'bn.beta').grad.length, 0);
    // The gradient through the frozen batch norm is inference's: the explanation pass of the unfrozen network (which
    // runs batch norm as inference, and backward through it) gives the same gradient for the first layer.
    const dLogits: Tensor = { shape: outputs.shape, data: outputs.data.map((p, k) => (p - (LABELS[Math.floor(k / 3)] === k % 3 ? 1 : 0)) / 4) };
    setStats(open); // its training forward above moved them
    open.zeroGrads();
    open.gradients(x, dLogits, { preActivation: true });
    for (const n of ['first.kernel', 'first.bias']) {
      const a = param(frozen, n).grad, b = param(open, n).grad;
      const scale = Math.max(...b.map(Math.abs));
      assert.ok(scale > 0);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5 * scale, `${n}[${i}]: ${v} vs ${b[i]}`));
    }
  });

  it('a frozen backbone gets no backward pass, and the first trainable layer computes no input gradient', () => {
    const net = build(modelOf([6, 6, 1], [
      { type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', trainable: false },
      { type: 'batchNorm', trainable: false },
      { type: 'maxPool2d' },
      { type: 'flatten' },
      { type: 'dense', units: 4, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ]));
    const calls: string[] = [];
    const spy = (l: EngineLayer): void => {
      const own = l.backward.bind(l);
      l.backward = (dy) => {
        calls.push(`${l.name}${l.inputGradient === false ? ' (no dx)' : ''}`);
        return own(dy);
      };
    };
    net.layers.forEach(spy);
    net.layers[5]!.backwardPreActivation = ((own) => (dz: Tensor) => {
      calls.push(net.layers[5]!.name);
      return own(dz);
    })(net.layers[5]!.backwardPreActivation!.bind(net.layers[5]));
    net.zeroGrads();
    net.trainBatch(randomTensor([2, 6, 6, 1], createRng(7)), Int32Array.from([0, 2]), LOSS);
    assert.deepEqual(calls, ['dense_5', 'dense_4 (no dx)']);
    // Explanations still reach the image through the frozen layers.
    calls.length = 0;
    net.gradients(randomTensor([1, 6, 6, 1], createRng(8)), { shape: [1, 3], data: Float32Array.from([1, 0, 0]) });
    assert.deepEqual(calls, ['dense_5', 'dense_4', 'flatten_3', 'maxPool2d_2', 'batchNorm_1', 'conv2d_0']);
  });

  it('"trainable": false on a layer without parameters is accepted and changes nothing', () => {
    const model = modelOf([4, 4, 1], [{ type: 'relu', trainable: false }, { type: 'flatten', trainable: true }, { type: 'dense', units: 2, activation: 'softmax' }]);
    const analysis = inferShapes(model);
    assert.ok(analysis.ok);
    assert.deepEqual(analysis.layers.flatMap((l) => l.errors), []);
    assert.deepEqual(analysis.totals.nonTrainable, 0);
  });
});
