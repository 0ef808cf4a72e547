// Inference passes fold batch norms into the convolution before them (engine/fold.ts). The stated tolerance: every
// inference output equals the unoptimised graph's (the same pass with an observer, which turns folding off) within
// 1e-5 relative to the output's largest magnitude, with random batch-norm statistics and biases; the folded weights
// follow every change of the params (writes, an optimizer step, a training pass's moving statistics).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BatchNorm } from '../../../src/engine/layers/batchNorm';
import type { EngineLayer } from '../../../src/engine/layer';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import type { Tensor } from '../../../src/engine/tensor';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { assertClose, randomTensor } from './helpers';

const ROOT = resolve(__dirname, '../../..');
const TOL = 1e-5;

function example(name: string): Model {
  return JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.cnn.json`), 'utf8')) as Model;
}

/** Batch norms with statistics far from their initial (identity) values, and non-zero biases everywhere. */
function randomise(net: Network, rng: Rng): void {
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.next();
  for (const p of net.params) {
    const v = p.value;
    const kind = p.name.slice(p.name.lastIndexOf('.') + 1);
    for (let i = 0; i < v.length; i++) {
      if (kind === 'gamma') v[i] = u(0.5, 1.5);
      else if (kind === 'beta' || kind === 'movingMean' || kind === 'bias') v[i] = u(-0.5, 0.5);
      else if (kind === 'movingVariance') v[i] = u(0.3, 2);
    }
  }
}

/** The unoptimised pass: an observer sees every layer's own output, so nothing is folded. */
function unoptimised(net: Network, x: Tensor): Float32Array {
  net.observer = () => {};
  try {
    return net.forward(x, false).data.slice();
  } finally {
    net.observer = undefined;
  }
}

/** Counts the batch norms' forward passes. */
function countBatchNorms(net: Network): { readonly calls: () => number; readonly total: number } {
  let calls = 0;
  const bns = net.layers.filter((l): l is BatchNorm => l instanceof BatchNorm);
  for (const bn of bns) {
    const own = bn.forward.bind(bn);
    (bn as EngineLayer).forward = (x, t) => {
      calls++;
      return own(x, t);
    };
  }
  return { calls: () => calls, total: bns.length };
}

describe('inference folds batch norm into the convolution before it', () => {
  for (const [name, folded] of [['mobilenetv2', true], ['resnet20', true], ['vgg-cifar', false]] as const) {
    it(`${name}: forward / evaluateBatch equal the unoptimised graph within ${TOL} relative${folded ? ', and no folded batch norm runs' : ' (its batch norms follow a relu: nothing folds)'}`, () => {
      const model = example(name);
      const net = buildNetwork(model, inferShapes(model), 3);
      net.foldBatchNorms = true;
      const rng = createRng(11);
      randomise(net, rng);
      const x = randomTensor([2, ...net.inputShape], rng);
      const want = unoptimised(net, x);
      const bns = countBatchNorms(net);
      assertClose(net.forward(x, false).data, want, TOL, `${name} forward`);
      if (folded) assert.ok(bns.calls() < bns.total, `${bns.calls()} of ${bns.total} batch norms ran`);
      else assert.equal(bns.calls(), bns.total);
      // Off (the default), every batch norm runs.
      const ran = bns.calls();
      net.foldBatchNorms = false;
      assert.deepEqual(net.forward(x, false).data, want);
      assert.equal(bns.calls() - ran, bns.total);
      net.foldBatchNorms = true;
      const labels = new Int32Array([1, 4]);
      const evaluated = net.evaluateBatch(x, labels, 'categoricalCrossentropy');
      assertClose(evaluated.outputs.data, want, TOL, `${name} evaluateBatch`);
      // Feature maps stay every layer's own output: the batch norm runs.
      const before = bns.calls();
      net.featureMaps({ shape: net.inputShape, data: x.data.subarray(0, x.data.length / 2) });
      assert.equal(bns.calls() - before, bns.total);
    });
  }

  it('the folded weights follow every change: a written param, an optimizer step, a training pass', () => {
    const model = example('resnet20');
    const net = buildNetwork(model, inferShapes(model), 5);
    net.foldBatchNorms = true;
    const rng = createRng(2);
    randomise(net, rng);
    const x = randomTensor([2, ...net.inputShape], rng);
    const first = net.forward(x, false).data.slice();
    // A batch norm's moving mean written through `value`.
    const bn = net.layers.find((l): l is BatchNorm => l instanceof BatchNorm)!;
    bn.movingMean.value.fill(0.7);
    const afterWrite = net.forward(x, false).data.slice();
    assert.ok(afterWrite.some((v, i) => Math.abs(v - first[i]!) > 1e-4), 'the write changed nothing: the test cannot tell stale weights');
    assertClose(afterWrite, unoptimised(net, x), TOL, 'after a write');
    // A training step (moving statistics) and an SGD update of every param.
    const optimizer = createOptimizer({ type: 'sgd', learningRate: 0.05 }, net.params);
    net.zeroGrads();
    net.trainBatch(x, new Int32Array([0, 3]), 'categoricalCrossentropy');
    optimizer.step();
    assertClose(net.forward(x, false).data, unoptimised(net, x), TOL, 'after a training step');
  });

  it('forwardTo folds only groups that end at or before the last layer asked for', () => {
    const model = example('mobilenetv2');
    const net = buildNetwork(model, inferShapes(model), 7);
    net.foldBatchNorms = true;
    const rng = createRng(4);
    randomise(net, rng);
    const x = randomTensor([1, ...net.inputShape], rng);
    const maps = net.featureMaps({ shape: net.inputShape, data: x.data });
    // Layer 0 is a conv, 1 its batch norm, 2 a relu6, 3 a depthwise conv, 4 its batch norm.
    for (const last of [0, 1, 2, 3, 4, 5, 20]) assertClose(net.forwardTo(x, last).data, maps[last]!.data, TOL, `forwardTo(${last})`);
  });

  it('a network seen from a layer folds the groups after it', () => {
    const model = example('resnet20');
    const net = buildNetwork(model, inferShapes(model), 9);
    net.foldBatchNorms = true;
    const rng = createRng(6);
    randomise(net, rng);
    const x = randomTensor([2, ...net.inputShape], rng);
    const want = unoptimised(net, x);
    const features = net.forwardTo(x, 2).data.slice();
    const later = net.from(2);
    assertClose(later.forward({ shape: [2, features.length / 2], data: features }, false).data, want, TOL, 'from(2).forward');
  });

  it('an activation layer right after a linear conv or dense fuses into its epilogue without a batch norm (an imported network)', () => {
    const layers: Layer[] = [
      { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' },
      { type: 'relu6' },
      { type: 'depthwiseConv2d', kernelSize: 3, padding: 'same' },
      { type: 'relu6' },
      { type: 'conv2d', filters: 12, kernelSize: 1, useBias: false },
      { type: 'swish' },
      // Read twice (by the relu and the add): stays unfused.
      { type: 'conv2d', name: 'shared', filters: 12, kernelSize: 1 },
      { type: 'relu', name: 'after_shared' },
      { type: 'add', inputs: ['after_shared', 'shared'] },
      { type: 'flatten' },
      { type: 'dense', units: 7 },
      { type: 'leakyRelu' },
      { type: 'dense', units: 3 },
      { type: 'sigmoid' },
    ] as Layer[];
    const model: Model = { format: MODEL_FORMAT, name: 'fold-activations', input: { shape: [6, 6, 3] }, layers };
    const net = buildNetwork(model, inferShapes(model), 1);
    net.foldBatchNorms = true;
    const rng = createRng(12);
    randomise(net, rng);
    const x = randomTensor([3, ...net.inputShape], rng);
    const want = unoptimised(net, x);
    const ran: string[] = [];
    for (const l of net.layers) {
      const own = l.forward.bind(l);
      (l as EngineLayer).forward = (t, training) => {
        ran.push(l.name);
        return own(t, training);
      };
    }
    assertClose(net.forward(x, false).data, want, TOL, 'output');
    // The relu6, relu6, swish and leakyRelu layers ran inside their convs; the shared conv's relu and the last
    // layer's sigmoid (the loss reads the pre-activation) ran as layers.
    const activations = ran.filter((n) => n === 'after_shared' || /relu|swish|sigmoid/i.test(n));
    assert.deepEqual(activations, ['after_shared', net.layers[13]!.name], ran.join(', '));
    // The weights followed: a write to the first conv's kernel changes the fused pass as the unfused one.
    net.params[0]!.value.fill(0.01);
    assertClose(net.forward(x, false).data, unoptimised(net, x), TOL, 'after a write');
  });

  it('every element-wise activation layer fuses into the epilogue (in place), after conv2d, depthwise, pointwise and dense', () => {
    for (const act of ['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'hardSwish', 'hardSigmoid', 'gelu'] as const) {
      const layers: Layer[] = [
        { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
        { type: 'batchNorm' },
        { type: act },
        { type: 'depthwiseConv2d', kernelSize: 3, padding: 'same', useBias: false },
        { type: 'batchNorm' },
        { type: act },
        { type: 'conv2d', filters: 6, kernelSize: 1, useBias: false },
        { type: 'batchNorm' },
        { type: 'flatten' },
        { type: 'dense', units: 5 },
        { type: 'batchNorm' },
        { type: act },
        { type: 'dense', units: 3, activation: 'softmax' },
      ] as Layer[];
      const model: Model = { format: MODEL_FORMAT, name: `fold-${act}`, input: { shape: [6, 6, 3] }, layers };
      const net = buildNetwork(model, inferShapes(model), 1);
      net.foldBatchNorms = true;
      const rng = createRng(8);
      randomise(net, rng);
      const x = randomTensor([3, ...net.inputShape], rng);
      const want = unoptimised(net, x);
      const bns = countBatchNorms(net);
      assertClose(net.forward(x, false).data, want, TOL, act);
      assert.equal(bns.calls(), 0, `${act}: ${bns.calls()} batch norms ran`);
    }
  });
});
