// Graph models in the engine: the merge layers' gradients by central differences, a network whose values feed
// several layers (summed gradients, the same layer twice, the model input read twice) against central differences
// of its output and of the fused training loss, dead branches, feature maps in file order, training and its
// determinism, and a steady-state training step that allocates nothing.
import assert from 'node:assert/strict';
import type { EngineLayer } from '../../../src/engine/layer';
import { createLayer } from '../../../src/engine/layers';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng, type Rng } from '../../../src/engine/rng';
import { sizeOf, type Tensor } from '../../../src/engine/tensor';
import { analyze, inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { checkCoords, randomTensor } from './helpers';

function graph(input: readonly [number, number, number], layers: Layer[]): Model {
  return { format: MODEL_FORMAT, name: 'graph', input: { shape: input }, layers };
}

/** A residual block and a concatenation: "stem" feeds c1 and the add, "sum" feeds one add twice, the model input
 *  feeds stem and the concatenation. */
const RESIDUAL: Model = graph([6, 6, 2], [
  { type: 'conv2d', name: 'stem', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
  { type: 'conv2d', name: 'c1', filters: 3, kernelSize: 3, padding: 'same', activation: 'swish' },
  { type: 'batchNorm', name: 'bn' },
  { type: 'add', name: 'sum', inputs: ['stem', 'bn'] },
  { type: 'add', name: 'twice', inputs: ['sum', 'sum'] },
  { type: 'separableConv2d', name: 'sep', filters: 2, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'tanh' },
  { type: 'concatenate', name: 'cat', inputs: ['sep', 'input', 'stem'] },
  { type: 'zeroPadding2D', name: 'pad', padding: [[1, 0], [0, 2]] },
  { type: 'avgPool2d', name: 'pool', poolSize: 2 },
  { type: 'flatten', name: 'flat' },
  { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
]);

const build = (model: Model, seed: number): Network => buildNetwork(model, inferShapes(model), seed);

/** Gives every bias, beta and gamma non-trivial values, so their gradients are exercised too. */
function perturbParams(net: Network, rng: Rng): void {
  for (const p of net.params) {
    if (p.name.endsWith('.bias') || p.name.endsWith('.beta')) p.value.forEach((_, i) => (p.value[i] = rng.next() - 0.5));
    if (p.name.endsWith('.gamma')) p.value.forEach((_, i) => (p.value[i] = 0.5 + rng.next()));
  }
}

/** The merge layer at the end of `layers`, alone, with its inputs' shapes from the shape function. */
function mergeLayer(input: readonly number[], layers: Layer[], rng: Rng): EngineLayer {
  const analysis = analyze(input, layers);
  const info = analysis.layers[layers.length - 1]!;
  assert.deepEqual(info.errors, []);
  return createLayer(info, rng.fork());
}

/** Central differences of Σ forwardInputs(xs)·r against backwardInputs(r), on every input. */
function gradCheckInputs(layer: EngineLayer, xs: Tensor[], rng: Rng): void {
  const y0 = layer.forwardInputs!(xs, false);
  const r = randomTensor(y0.shape, rng);
  const loss = (): number => {
    const y = layer.forwardInputs!(xs, false).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * r.data[i]!;
    return s;
  };
  layer.forwardInputs!(xs, false);
  const dxs = layer.backwardInputs!(r).map((t) => t.data.slice());
  assert.equal(dxs.length, xs.length);
  xs.forEach((x, k) => checkCoords(`input ${k}`, x.data, dxs[k]!, loss, 1e-2, { rng }));
}

describe('engine graph models', () => {
  describe('merge layers by central differences', () => {
    it('add of two inputs: each gradient is dy', () => {
      const rng = createRng(1);
      const layer = mergeLayer([4, 4, 2], [{ type: 'conv2d', name: 'a', filters: 2, kernelSize: 3, padding: 'same' }, { type: 'add', inputs: ['input', 'a'] }], rng);
      const xs = [randomTensor([3, 4, 4, 2], rng), randomTensor([3, 4, 4, 2], rng)];
      const y = layer.forwardInputs!(xs, false);
      assert.deepEqual(y.shape, [3, 4, 4, 2]);
      y.data.forEach((v, i) => assert.equal(v, Math.fround(xs[0]!.data[i]! + xs[1]!.data[i]!)));
      gradCheckInputs(layer, xs, rng);
    });

    it('add of three flat inputs', () => {
      const rng = createRng(2);
      const layer = mergeLayer([6], [
        { type: 'dense', name: 'a', units: 6 },
        { type: 'dense', name: 'b', units: 6 },
        { type: 'add', inputs: ['a', 'input', 'b'] },
      ], rng);
      gradCheckInputs(layer, [randomTensor([2, 6], rng), randomTensor([2, 6], rng), randomTensor([2, 6], rng)], rng);
    });

    it('concatenate of three inputs of 2, 3 and 1 channels: channel slices', () => {
      const rng = createRng(3);
      const layer = mergeLayer([3, 4, 2], [
        { type: 'conv2d', name: 'a', filters: 3, kernelSize: 1 },
        { type: 'conv2d', name: 'b', filters: 1, kernelSize: 1 },
        { type: 'concatenate', inputs: ['input', 'a', 'b'] },
      ], rng);
      const xs = [randomTensor([2, 3, 4, 2], rng), randomTensor([2, 3, 4, 3], rng), randomTensor([2, 3, 4, 1], rng)];
      const y = layer.forwardInputs!(xs, false);
      assert.deepEqual(y.shape, [2, 3, 4, 6]);
      // Pixel 5 of sample 1: channels 0-1 from input 0, 2-4 from input 1, 5 from input 2.
      const p = 1 * 12 + 5;
      assert.deepEqual([...y.data.subarray(p * 6, p * 6 + 6)], [
        ...xs[0]!.data.subarray(p * 2, p * 2 + 2), ...xs[1]!.data.subarray(p * 3, p * 3 + 3), xs[2]!.data[p]!,
      ]);
      gradCheckInputs(layer, xs, rng);
    });

    it('concatenate of flat inputs', () => {
      const rng = createRng(4);
      const layer = mergeLayer([5], [{ type: 'dense', name: 'a', units: 2 }, { type: 'concatenate', inputs: ['a', 'input'] }], rng);
      gradCheckInputs(layer, [randomTensor([3, 2], rng), randomTensor([3, 5], rng)], rng);
    });

    it('refuses single-input calls and a wrong number of inputs', () => {
      const rng = createRng(5);
      const layer = mergeLayer([4], [{ type: 'dense', name: 'a', units: 4 }, { type: 'add', name: 'plus', inputs: ['a', 'input'] }], rng);
      assert.throws(() => layer.forward(randomTensor([1, 4], rng), false), /plus: add takes 2 inputs: call forwardInputs/);
      assert.throws(() => layer.forwardInputs!([randomTensor([1, 4], rng)], false), /plus: takes 2 inputs, got 1/);
      assert.throws(() => layer.forwardInputs!([randomTensor([1, 4], rng), randomTensor([1, 3], rng)], false), /input must be \[N, 4\], got \[1, 3\]/);
    });
  });

  describe('a network over a graph', () => {
    it('backward sums the gradients of values read several times (central differences on input and weights)', () => {
      const net = build(RESIDUAL, 11);
      const rng = createRng(12);
      perturbParams(net, rng);
      const x = randomTensor([3, 6, 6, 2], rng);
      const y0 = net.forward(x, true);
      assert.deepEqual(y0.shape, [3, 3]);
      const r = randomTensor(y0.shape, rng);
      const loss = (): number => {
        const y = net.forward(x, true).data;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i]! * r.data[i]!;
        return s;
      };
      net.zeroGrads();
      net.forward(x, true);
      const dx = net.backward(r).data.slice();
      assert.equal(dx.length, sizeOf(x.shape));
      checkCoords('input', x.data, dx, loss, 1e-2, { rng, maxCoords: 30 });
      const grads = net.params.map((p) => p.grad.slice());
      net.params.forEach((p, i) => p.trainable && checkCoords(p.name, p.value, grads[i]!, loss, 1e-2, { rng, maxCoords: 12 }));
    });

    it('trainBatch (fused softmax cross-entropy) matches central differences of the loss, and restores input gradients', () => {
      const net = build(RESIDUAL, 13);
      const rng = createRng(14);
      perturbParams(net, rng);
      const x = randomTensor([4, 6, 6, 2], rng);
      const labels = Int32Array.from([0, 2, 1, 2]);
      net.zeroGrads();
      net.trainBatch(x, labels, 'sparseCategoricalCrossentropy');
      const grads = net.params.map((p) => p.grad.slice());
      const loss = (): number => net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss;
      net.params.forEach((p, i) => p.trainable && checkCoords(p.name, p.value, grads[i]!, loss, 1e-2, { rng, maxCoords: 12 }));
      // Training skipped the stem's input gradient (it reads only the image); backward() computes it again.
      assert.equal(net.layers[0]!.inputGradient, true);
    });

    it('a model input read by two layers: dLoss/dInput is the sum of both', () => {
      const model = graph([3, 3, 1], [
        { type: 'conv2d', name: 'a', filters: 1, kernelSize: 1, useBias: false },
        { type: 'add', inputs: ['a', 'input'] },
        { type: 'flatten' },
      ]);
      const net = build(model, 1);
      const w = net.params[0]!.value[0]!;
      const x = randomTensor([1, 3, 3, 1], createRng(2));
      const y = net.forward(x, true);
      y.data.forEach((v, i) => assert.ok(Math.abs(v - (w + 1) * x.data[i]!) < 1e-6));
      const dy = randomTensor([1, 9], createRng(3));
      const dx = net.backward(dy);
      dx.data.forEach((v, i) => assert.ok(Math.abs(v - (w + 1) * dy.data[i]!) < 1e-6, `dx[${i}]`));
    });

    it('runs a dead branch forward (feature maps) but gives it no gradient', () => {
      const model = graph([5, 5, 1], [
        { type: 'conv2d', name: 'stem', filters: 2, kernelSize: 3, activation: 'tanh' },
        { type: 'conv2d', name: 'side', filters: 2, kernelSize: 1 },
        { type: 'relu', name: 'sideAct' },
        { type: 'flatten', inputs: ['stem'] },
        { type: 'dense', units: 2, activation: 'softmax' },
      ]);
      const analysis = inferShapes(model);
      assert.ok(analysis.ok);
      assert.deepEqual(analysis.layers.flatMap((l) => l.errors.map((e) => `${l.name}: ${e.code}`)), ['side: dead-branch', 'sideAct: dead-branch']);
      const net = buildNetwork(model, analysis, 3);
      const rng = createRng(4);
      const x = randomTensor([2, 5, 5, 1], rng);
      net.zeroGrads();
      const { loss } = net.trainBatch(x, Int32Array.from([0, 1]), 'sparseCategoricalCrossentropy');
      assert.ok(Number.isFinite(loss));
      const side = net.params.filter((p) => p.name.startsWith('side.'));
      assert.equal(side.length, 2);
      assert.ok(side.every((p) => p.grad.every((g) => g === 0)), 'no gradient for the dead branch');
      assert.ok(net.params.filter((p) => p.name.startsWith('stem.')).every((p) => p.grad.some((g) => g !== 0)));
      const maps = net.featureMaps({ shape: [5, 5, 1], data: x.data.subarray(0, 25) });
      assert.deepEqual(maps.map((m) => m.shape), analysis.layers.map((l) => l.outputShape));
      // The dead branch's maps are real outputs: relu of side's conv of stem's.
      assert.ok(maps[2]!.data.every((v) => v >= 0) && maps[2]!.data.some((v) => v > 0));
    });

    it('featureMaps returns every layer output in file order, copied', () => {
      const net = build(RESIDUAL, 1);
      const x = randomTensor([6, 6, 2], createRng(8));
      const maps = net.featureMaps(x);
      const analysis = inferShapes(RESIDUAL);
      assert.deepEqual(maps.map((m) => m.shape), analysis.layers.map((l) => l.outputShape));
      const y = net.forward({ shape: [1, 6, 6, 2], data: x.data }, false);
      assert.deepEqual(maps[maps.length - 1]!.data, y.data);
      // "twice" is sum + sum, "cat" starts with sep's channels.
      maps[4]!.data.forEach((v, i) => assert.equal(v, Math.fround(2 * maps[3]!.data[i]!)));
      assert.equal(maps[6]!.data[0], maps[5]!.data[0]);
      assert.equal(maps[6]!.data[2], x.data[0]);
    });
  });

  describe('training a residual model', () => {
    const MODEL: Model = graph([8, 8, 1], [
      { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', name: 'b1', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6' },
      { type: 'batchNorm', name: 'b1bn' },
      { type: 'add', name: 'res', inputs: ['stem', 'b1bn'] },
      { type: 'separableConv2d', name: 'sep', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'swish' },
      { type: 'conv2d', name: 'proj', filters: 4, kernelSize: 1, strides: 2, inputs: ['res'] },
      { type: 'concatenate', name: 'cat', inputs: ['sep', 'proj'] },
      { type: 'globalAvgPool2d' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ]);

    /** Bright bars, horizontal (class 0) or vertical (class 1), at random positions over noise. */
    function bars(n: number, rng: Rng): { x: Tensor; labels: Int32Array } {
      const x = randomTensor([n, 8, 8, 1], rng, 0.2);
      const labels = new Int32Array(n);
      for (let s = 0; s < n; s++) {
        labels[s] = rng.int(2);
        const at = rng.int(8);
        for (let j = 0; j < 8; j++) x.data[s * 64 + (labels[s] === 0 ? at * 8 + j : j * 8 + at)] += 1;
      }
      return { x, labels };
    }

    function curve(seed: number, steps: number): number[] {
      const net = build(MODEL, seed);
      const opt = createOptimizer({ type: 'adam', learningRate: 0.02 }, net.params);
      const { x, labels } = bars(32, createRng(seed + 1));
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) {
        net.zeroGrads();
        losses.push(net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss);
        opt.step();
      }
      return losses;
    }

    it('the loss decreases, and the same seed gives bit-identical losses', () => {
      const a = curve(21, 40);
      const b = curve(21, 40);
      assert.deepEqual(a, b);
      const first = a.slice(0, 3).reduce((s, v) => s + v, 0) / 3;
      const last = a.slice(-3).reduce((s, v) => s + v, 0) / 3;
      assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
      assert.notDeepEqual(curve(22, 3), a.slice(0, 3));
    });

    it('a steady-state training step allocates nothing: no arena growth, no typed arrays or views', () => {
      const net = build(MODEL, 5);
      const opt = createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params);
      const { x, labels } = bars(8, createRng(6));
      const step = (): number => {
        net.zeroGrads();
        const loss = net.trainBatch(x, labels, 'sparseCategoricalCrossentropy').loss;
        opt.step();
        return loss;
      };
      step();
      const used = net.arena.usedBytes;
      const memory = net.arena.memoryBytes;
      const generation = net.arena.generation;
      let last = 0;
      const made = typedArraysMadeBy(() => {
        for (let s = 0; s < 20; s++) last = step();
      });
      assert.equal(made, 0, 'typed arrays or views made in the steady-state training step');
      assert.ok(Number.isFinite(last));
      assert.equal(net.arena.usedBytes, used, 'the arena did not grow');
      assert.equal(net.arena.memoryBytes, memory);
      assert.equal(net.arena.generation, generation);
    });
  });
});

/** Counts typed-array constructions and subarray views while `work` runs (as wasmKernels.test.ts does). */
function typedArraysMadeBy(work: () => void): number {
  let made = 0;
  const originals = { Float32Array, Float64Array, Int32Array };
  const protos = [Float32Array.prototype, Float64Array.prototype, Int32Array.prototype] as const;
  const subarrays = protos.map((p) => p.subarray);
  const counting = <T extends Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor>(Base: T): T =>
    class extends (Base as Float32ArrayConstructor) {
      constructor(...args: unknown[]) {
        super(...(args as []));
        made++;
      }
    } as unknown as T;
  Object.assign(globalThis, { Float32Array: counting(Float32Array), Float64Array: counting(Float64Array), Int32Array: counting(Int32Array) });
  protos.forEach((proto, i) => {
    const original = subarrays[i]! as (this: unknown, ...a: [number?, number?]) => unknown;
    (proto as { subarray: unknown }).subarray = function (this: unknown, ...args: [number?, number?]) {
      made++;
      return original.apply(this, args);
    };
  });
  try {
    work();
  } finally {
    Object.assign(globalThis, originals);
    protos.forEach((proto, i) => ((proto as { subarray: unknown }).subarray = subarrays[i]));
  }
  return made;
}
