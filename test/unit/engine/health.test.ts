// Training health: exact statistics on hand-computable models, the graph's longest path, the warning rules, and
// "flags what it should and nothing else" on real training runs (a learning rate of 10 with ReLU, a 10-layer sigmoid
// stack, a residual graph listing its shortcut projection first, LeNet-5 on the bundled MNIST subset, a tiny data set
// trained for many epochs), on chain and graph models.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Dataset } from '../../../src/engine/dataset';
import { epochWarnings, HealthMonitor, isMeasuredStep, longestPath, TrainingHealth, WarningLog, type EpochHealth, type LayerGraph, type MeasuredEpoch, type WarningContext } from '../../../src/engine/health';
import { countDead, countSaturated, markFired, sumOfSquaredDifferences, sumOfSquares } from '../../../src/engine/health/stats';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { train, type TrainOptions } from '../../../src/engine/train';
import { loadDataSource, subset } from '../../../src/node/datasets/load';
import { bundledMnistDir, mnistSource } from '../../../src/node/datasets/mnist';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model, type OptimizerConfig } from '../../../src/model/types';

const ROOT = resolve(__dirname, '../../..');

function model(shape: readonly [number, number, number], layers: Layer[]): Model {
  return { format: MODEL_FORMAT, name: 'health', input: { shape }, layers };
}
const build = (m: Model, seed = 1): Network => buildNetwork(m, inferShapes(m), seed);
const param = (net: Network, name: string): Float32Array => {
  const p = net.params.find((q) => q.name === name);
  assert.ok(p, `no param ${name}`);
  return p.value;
};
const norm = (a: Float32Array): number => {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
};

/** Runs train() on a network built from m and collects every epoch's health. */
async function trainWithHealth(o: TrainOptions, m: Model): Promise<{ health: EpochHealth[]; status: string; history: readonly { trainLoss: number; valLoss?: number }[] }> {
  const health: EpochHealth[] = [];
  const r = await train({ ...o, health: { graph: inferShapes(m).layers, onEpoch: (h) => health.push(h) } });
  return { health, status: r.status, history: r.history };
}
const warningsOf = (health: readonly EpochHealth[]): { kind: string; layer?: string }[] => health.flatMap((h) => h.warnings.map((w) => ({ kind: w.kind, layer: w.layer })));

let mnist: Dataset | undefined;
async function mnistTrain(limit: number): Promise<Dataset> {
  mnist ??= await loadDataSource(mnistSource(bundledMnistDir(ROOT), 'train'), ROOT, [28, 28, 1], { limit: 3000 });
  return limit >= mnist.count ? mnist : subset(mnist, Array.from({ length: limit }, (_, i) => i));
}

describe('training health: statistics', () => {
  it('sums squares in float64 and counts fired, dead and saturated units exactly', () => {
    assert.equal(sumOfSquares(new Float32Array([3, 4])), 25);
    assert.equal(sumOfSquaredDifferences(new Float32Array([1, 5]), new Float32Array([4, 1])), 25);
    assert.ok(Number.isNaN(sumOfSquares(new Float32Array([1, Number.NaN]))));
    // Two samples × 2 positions × 3 channels: channel 0 fires once, channel 1 never (0 and negatives), channel 2 twice.
    const fired = new Uint8Array(3);
    markFired(new Float32Array([0, 0, 1, 2, -1, 0, 0, 0, 0, 0, -3, 4]), 3, fired);
    assert.deepEqual([...fired], [1, 0, 1]);
    assert.equal(countDead(fired), 1);
    assert.equal(countSaturated(new Float32Array([0.005, 0.02, 0.5, 0.98, 0.995]), 'sigmoid'), 2);
    assert.equal(countSaturated(new Float32Array([-0.999, -0.98, 0, 0.98, 0.995]), 'tanh'), 2);
    assert.equal(countSaturated(new Float32Array([0, 100]), 'relu'), 0);
  });

  it('measures exactly the chosen number of steps per epoch, spread over it', () => {
    for (const [steps, k] of [[100, 4], [63, 4], [7, 4], [4, 4], [3, 4], [1, 4], [10, 1]] as const) {
      const measured = Array.from({ length: steps }, (_, b) => b).filter((b) => isMeasuredStep(b, steps, k));
      assert.equal(measured.length, Math.min(steps, k), `${steps} steps`);
      assert.equal(measured[measured.length - 1], steps - 1, 'the last step of the epoch is measured');
    }
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((b) => isMeasuredStep(b, 10, 4)), [2, 4, 7, 9]);
  });

  it('gives the gradient norm of the params, the update ratio of the step and dead/saturated fractions, exactly', () => {
    // x (2 values ≥ 0) → dense "h" (3 relu units, no bias) → dense "s" (2 units, no bias) → sigmoid → dense "out".
    const m = model([1, 1, 2], [
      { type: 'flatten' },
      { type: 'dense', name: 'h', units: 3, activation: 'relu', useBias: false },
      { type: 'dense', name: 's', units: 2, useBias: false },
      { type: 'sigmoid', name: 'sig' },
      { type: 'dense', name: 'out', units: 2, activation: 'softmax' },
    ]);
    const net = build(m);
    // Kernel [in, out]: unit 0 = x0 + x1 (fires), unit 1 = x0 − x1 (fires only where x0 > x1), unit 2 = −x0 − x1 (never).
    param(net, 'h.kernel').set([1, 1, -1, 1, -1, -1]);
    // s: pre-activations 10·h0 and 0 → sigmoid ≈ 1 (saturated) for unit 0 wherever h0 > 0.46, 0.5 for unit 1.
    param(net, 's.kernel').set([10, 0, 0, 0, 0, 0]);
    // Samples: x0 < x1 in all but the last; h0 = x0 + x1 = 1, 1, 0.02 → sig(10), sig(10), sig(0.2).
    const x = new Float32Array([0.25, 0.75, 0.4, 0.6, 0.015, 0.005]);
    const labels = new Int32Array([0, 1, 0]);
    const monitor = new HealthMonitor(net, 4);
    const opt = createOptimizer({ type: 'sgd', learningRate: 0.5 }, net.params);
    net.zeroGrads();
    monitor.attach();
    net.trainBatch({ shape: [3, 1, 1, 2], data: x }, labels, 'categoricalCrossentropy');
    monitor.detach();
    // The expected figures from the params themselves.
    const grads = new Map(net.params.map((p) => [p.name, Float32Array.from(p.grad)]));
    const before = new Map(net.params.map((p) => [p.name, Float32Array.from(p.value)]));
    monitor.afterBackward(3);
    opt.step();
    monitor.afterStep();
    const e = monitor.endEpoch();
    assert.equal(e.steps, 1);
    assert.equal(e.samples, 3);
    const layer = (name: string) => e.layers.find((l) => l.layer === name)!;
    assert.deepEqual(e.layers.map((l) => l.layer), ['h', 's', 'sig', 'out']);
    assert.equal(layer('h').gradNorm, norm(grads.get('h.kernel')!));
    assert.ok(layer('h').gradNorm! > 0);
    const outGrad = Math.sqrt(norm(grads.get('out.kernel')!) ** 2 + norm(grads.get('out.bias')!) ** 2);
    assert.ok(Math.abs(layer('out').gradNorm! - outGrad) <= 1e-12 * outGrad, 'kernel and bias together');
    const total = Math.sqrt(['h.kernel', 's.kernel', 'out.kernel', 'out.bias'].reduce((s, k) => s + norm(grads.get(k)!) ** 2, 0));
    assert.ok(Math.abs(e.gradNorm - total) <= 1e-12 * total);
    assert.equal(e.maxGradNorm, e.gradNorm);
    const hAfter = param(net, 'h.kernel');
    const hBefore = before.get('h.kernel')!;
    assert.equal(layer('h').updateRatio, Math.sqrt(sumOfSquaredDifferences(hAfter, hBefore) / sumOfSquares(hBefore)));
    // Plain SGD: the update is lr × gradient, so the ratio is lr‖g‖/‖w‖.
    assert.ok(Math.abs(layer('h').updateRatio! - (0.5 * norm(grads.get('h.kernel')!)) / norm(hBefore)) < 1e-6);
    // Unit 2 never fired; unit 1 fired on the last sample only: 1 of 3 dead.
    assert.equal(layer('h').activation, 'relu');
    assert.equal(layer('h').units, 3);
    assert.equal(layer('h').dead, 1 / 3);
    // 6 sigmoid outputs: unit 0 of the first two samples saturated (sigmoid(10) > 0.99), the rest not.
    assert.equal(layer('sig').saturated, 2 / 6);
    assert.equal(layer('out').activation, undefined, 'softmax is not watched');
    // Measured again on samples where x0 < x1 everywhere: units 1 and 2 are dead.
    net.zeroGrads();
    monitor.attach();
    net.trainBatch({ shape: [2, 1, 1, 2], data: x.subarray(0, 4) }, labels.subarray(0, 2), 'categoricalCrossentropy');
    monitor.detach();
    monitor.afterBackward(2);
    assert.equal(monitor.endEpoch().layers.find((l) => l.layer === 'h')!.dead, 2 / 3, 'a fresh count each epoch');
    assert.equal(net.observer, undefined, 'the network is left unobserved');
  });

  it('does not change training: the same seed gives the same curve with and without health', async () => {
    const m = model([28, 28, 1], [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'maxPool2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
    const data = await mnistTrain(256);
    const run = async (withHealth: boolean) => {
      const net = build(m);
      const o: TrainOptions = { network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params), train: data, batchSize: 32, epochs: 2, seed: 3 };
      const r = withHealth ? await trainWithHealth(o, m) : { ...(await train(o)), health: [] };
      return { losses: r.history.map((h) => h.trainLoss), weights: Float32Array.from(net.params[0].value), health: r.health };
    };
    const a = await run(false);
    const b = await run(true);
    assert.deepEqual(b.losses, a.losses);
    assert.deepEqual(b.weights, a.weights);
    assert.equal(b.health.length, 2);
    assert.deepEqual(b.health.map((h) => h.steps), [4, 4]);
    assert.deepEqual(b.health.map((h) => h.samples), [128, 128]);
  });
});

describe('training health: the graph\'s longest path', () => {
  const graph = (...inputs: number[][]): LayerGraph => inputs.map((from) => ({ inputs: from.map((index) => ({ index })) }));
  const resnetBlock = (): Model =>
    model([8, 8, 1], [
      // The 1×1 shortcut projection first in the file (as some exporters write a block), then the main path a → b.
      { type: 'conv2d', name: 'proj', filters: 4, kernelSize: 1, inputs: ['input'] },
      { type: 'conv2d', name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid', inputs: ['input'] },
      { type: 'conv2d', name: 'b', filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid' },
      { type: 'add', name: 'sum', inputs: ['proj', 'b'] },
      { type: 'globalAvgPool2d', name: 'gap' },
      { type: 'dense', name: 'out', units: 2, activation: 'softmax' },
    ]);

  it('is every layer of a chain, the main path of a residual graph, and leaves dead branches out', () => {
    assert.deepEqual(longestPath(graph([-1], [0], [1], [2])), [0, 1, 2, 3]);
    assert.deepEqual(longestPath(inferShapes(resnetBlock()).layers), [1, 2, 3, 4, 5]);
    // 0 → 1 → 2 and a shortcut 0 → 3 merged by 4 (the shortcut named first); 5 reads 1 but nothing reads 5.
    assert.deepEqual(longestPath(graph([-1], [0], [1], [0], [3, 2], [1], [4])), [0, 1, 2, 4, 6]);
    // Equally deep branches: the first input named.
    assert.deepEqual(longestPath(graph([-1], [-1], [1, 0])), [1, 2]);
    assert.deepEqual(longestPath([]), []);
    // ResNet-20: every layer but the two projection shortcuts (conv and batch norm) of stages 2 and 3.
    const resnet = JSON.parse(readFileSync(join(ROOT, 'examples/resnet20.cnn.json'), 'utf8')) as Model;
    const layers = inferShapes(resnet).layers;
    const off = layers.filter((l) => !longestPath(layers).includes(l.index)).map((l) => l.name);
    assert.deepEqual(off, ['stage2_block1_proj_conv', 'stage2_block1_proj_bn', 'stage3_block1_proj_conv', 'stage3_block1_proj_bn']);
  });

  it('vanishing gradients: compares the main path\'s ends where the file lists a 1×1 shortcut projection first', () => {
    const net = build(resnetBlock());
    // The weight layers the rule compares: the main path's a, b and out, never proj (file index 0).
    const weightPath = longestPath(inferShapes(resnetBlock()).layers).filter((i) => new HealthMonitor(net).isWeightLayer(i));
    assert.deepEqual(weightPath, [1, 2, 5]);
    const measured = (proj: number, a: number): MeasuredEpoch => ({
      steps: 4,
      samples: 128,
      gradNorm: 1,
      maxGradNorm: 1,
      layers: [
        { layer: 'proj', index: 0, gradNorm: proj },
        { layer: 'a', index: 1, gradNorm: a, activation: 'sigmoid', units: 4, saturated: 0.5 },
        { layer: 'b', index: 2, gradNorm: 0.05, activation: 'sigmoid', units: 4, saturated: 0.5 },
        { layer: 'out', index: 5, gradNorm: 1 },
      ],
    });
    const c: WarningContext = { epoch: 1, learningRate: 0.1, firstGradNorm: 1, weightPath, history: [] };
    // File order would compare proj (0.5) with out and miss it: the main path's first layer hardly learns.
    const missed = epochWarnings(measured(0.5, 1e-6), c);
    assert.deepEqual(missed.map((w) => [w.kind, w.layer]), [['vanishingGradients', 'a']]);
    assert.match(missed[0].message, /the gradient norm of "a", the first layer with weights, is 1\.0e-6, 1\.0e-6 × that of "out", the last \(1\)/);
    // File order would blame proj, whose gradient is small, though the main path's gradients have not vanished.
    assert.deepEqual(epochWarnings(measured(1e-6, 0.5), c), []);
  });

  it('refuses a graph that is not the network\'s', () => {
    assert.throws(() => new TrainingHealth(build(resnetBlock()), graph([-1], [0])), /the graph has 2 layers, the network 6/);
  });
});

describe('training health: warning rules', () => {
  const ctx = (over: Partial<WarningContext> = {}): WarningContext => ({ epoch: 2, learningRate: 0.01, firstGradNorm: 1, weightPath: [0, 1, 2, 3], history: [], ...over });
  const epoch = (over: Partial<MeasuredEpoch> = {}): MeasuredEpoch => ({
    steps: 4,
    samples: 128,
    gradNorm: 1,
    maxGradNorm: 1.2,
    layers: [
      { layer: 'c1', index: 0, gradNorm: 0.5, updateRatio: 1e-3, activation: 'relu', units: 8, dead: 0.25 },
      { layer: 'out', index: 2, gradNorm: 1, updateRatio: 1e-3 },
    ],
    ...over,
  });

  it('says nothing about a healthy epoch', () => {
    assert.deepEqual(epochWarnings(epoch(), ctx()), []);
  });

  it('flags a non-finite gradient and a gradient 100× the first step, as exploding, with the remedy', () => {
    const nan = epochWarnings(epoch({ maxGradNorm: Number.NaN, layers: [{ layer: 'c1', index: 0, gradNorm: Number.NaN }, { layer: 'out', index: 2, gradNorm: 3 }] }), ctx());
    assert.deepEqual(nan.map((w) => [w.kind, w.layer]), [['explodingGradients', 'c1']]);
    assert.match(nan[0].message, /gradient of "c1" is not finite \(NaN\)/);
    assert.match(nan[0].remedy, /"clipNorm".*lower learning rate \(now 0\.01; try 0\.001\)/);
    const grown = epochWarnings(epoch({ maxGradNorm: 250, layers: [{ layer: 'c1', index: 0, gradNorm: 20 }, { layer: 'out', index: 2, gradNorm: 200 }] }), ctx({ firstGradNorm: 2 }));
    assert.deepEqual(grown.map((w) => [w.kind, w.layer]), [['explodingGradients', 'out']]);
    assert.match(grown[0].message, /reached 250, 125 × the first step's \(2\), largest in "out"/);
    assert.deepEqual(epochWarnings(epoch({ maxGradNorm: 199 }), ctx({ firstGradNorm: 2 })), [], '99.5× is not exploding');
  });

  it('flags vanishing gradients from the first to the last weight layer below 1e-3, unless dead units explain them', () => {
    const layers = [
      { layer: 'd1', index: 1, gradNorm: 1e-6, activation: 'sigmoid' as const, units: 4, saturated: 0 },
      { layer: 'd2', index: 2, gradNorm: 0.01 },
      { layer: 'd3', index: 3, gradNorm: 1.5 },
    ];
    const w = epochWarnings(epoch({ layers }), ctx());
    assert.deepEqual(w.map((x) => [x.kind, x.layer]), [['vanishingGradients', 'd1']]);
    assert.match(w[0].remedy, /"relu" instead of "sigmoid"\/"tanh".*batchNorm.*residual/);
    assert.deepEqual(epochWarnings(epoch({ layers: [{ ...layers[0], gradNorm: 2e-3 }, layers[2]] }), ctx()), [], 'a ratio of 1.3e-3');
    const dead = epochWarnings(epoch({ layers: [{ layer: 'd1', index: 1, gradNorm: 0, activation: 'relu', units: 4, dead: 1 }, layers[2]] }), ctx());
    assert.deepEqual(dead.map((x) => [x.kind, x.layer]), [['deadUnits', 'd1']]);
    assert.match(dead[0].remedy, /"leakyRelu" instead of "relu", or a lower learning rate \(now 0\.01; try 0\.001\)/);
  });

  it('does not warn about the output layer, nor about a dead fraction under one half', () => {
    const layers = [
      { layer: 'h', index: 0, gradNorm: 1, activation: 'relu' as const, units: 10, dead: 0.49 },
      { layer: 'out', index: 1, gradNorm: 1, activation: 'relu' as const, units: 1, dead: 1, output: true },
    ];
    assert.deepEqual(epochWarnings(epoch({ layers }), ctx()), []);
  });

  it('flags overfitting after 3 epochs in a row of rising validation and falling training loss', () => {
    const h = (pairs: [number, number | undefined][]) => pairs.map(([t, v], i) => ({ epoch: i + 1, trainLoss: t, valLoss: v }));
    const rising = h([[1, 0.9], [0.8, 0.7], [0.6, 0.75], [0.5, 0.8], [0.4, 0.85]]);
    const w = epochWarnings(epoch(), ctx({ epoch: 5, history: rising }));
    assert.deepEqual(w.map((x) => x.kind), ['overfitting']);
    assert.equal(w[0].message, 'overfitting: for 3 epochs the validation loss rose (0.7 after epoch 2 → 0.85 after epoch 5) while the training loss fell (0.8 → 0.4).');
    assert.match(w[0].remedy, /dropout.*augmentation.*early stopping/);
    assert.deepEqual(epochWarnings(epoch(), ctx({ history: rising.slice(0, 4) })), [], 'two epochs are not enough');
    assert.deepEqual(epochWarnings(epoch(), ctx({ history: h([[1, 0.9], [0.8, 0.7], [0.6, 0.75], [0.65, 0.8], [0.4, 0.85]]) })), [], 'the training loss rose once');
    assert.deepEqual(epochWarnings(epoch(), ctx({ history: h([[1, undefined], [0.8, undefined], [0.6, undefined], [0.5, undefined]]) })), [], 'no validation data');
  });

  it('raises each kind once per layer and run', () => {
    const log = new WarningLog();
    const w = (kind: 'deadUnits' | 'overfitting', layer?: string, e = 1) => ({ kind, layer, epoch: e, message: '', remedy: '' });
    assert.equal(log.fresh([w('deadUnits', 'a'), w('deadUnits', 'b'), w('overfitting')]).length, 3);
    assert.deepEqual(log.fresh([w('deadUnits', 'a', 2), w('deadUnits', 'c', 2), w('overfitting', undefined, 2)]).map((x) => x.layer), ['c']);
  });
});

describe('training health flags what it should and nothing else', function () {
  this.timeout(120_000);

  it('a learning rate of 10 with ReLU: dead units in that layer, nothing else', async () => {
    const m = model([28, 28, 1], [{ type: 'flatten' }, { type: 'dense', name: 'hidden', units: 64, activation: 'relu' }, { type: 'dense', name: 'out', units: 10, activation: 'softmax' }]);
    const net = build(m);
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer({ type: 'sgd', learningRate: 10 }, net.params), train: await mnistTrain(1000), batchSize: 32, epochs: 2, seed: 1 }, m);
    assert.equal(r.status, 'completed');
    assert.deepEqual(warningsOf(r.health), [{ kind: 'deadUnits', layer: 'hidden' }]);
    const w = r.health[0].warnings[0];
    assert.equal(w.epoch, 1);
    assert.match(w.message, /^dead units: (9\d|100)% of the 64 units of "hidden" \(relu\) never fired \(output ≤ 0 for every sample of the 104 measured\) in epoch 1\.$/);
    assert.match(w.remedy, /"leakyRelu" instead of "relu", or a lower learning rate \(now 10; try 1\)/);
    assert.ok(r.health[1].layers.find((l) => l.layer === 'hidden')!.dead! >= 0.9);
  });

  it('a 10-layer sigmoid stack: vanishing gradients at its first layer, nothing else', async () => {
    const layers: Layer[] = [{ type: 'flatten' }, ...Array.from({ length: 9 }, (_, i): Layer => ({ type: 'dense', name: `s${i + 1}`, units: 32, activation: 'sigmoid' })), { type: 'dense', name: 'out', units: 10, activation: 'softmax' }];
    const m = model([28, 28, 1], layers);
    const net = build(m);
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer({ type: 'sgd', learningRate: 0.1 }, net.params), train: await mnistTrain(1000), batchSize: 32, epochs: 2, seed: 1 }, m);
    assert.deepEqual(warningsOf(r.health), [{ kind: 'vanishingGradients', layer: 's1' }]);
    const norms = r.health[0].layers.map((l) => l.gradNorm!);
    assert.equal(norms.length, 10);
    assert.ok(norms[0] / norms[9] < 1e-3, `ratio ${norms[0] / norms[9]}`);
    assert.match(r.health[0].warnings[0].message, /the gradient norm of "s1", the first layer with weights, is .* × that of "out", the last/);
  });

  it('a residual graph whose 1×1 shortcut projection comes first in the file: vanishing gradients along its deep sigmoid main path', async () => {
    const m = model([28, 28, 1], [
      { type: 'maxPool2d', name: 'pool', poolSize: 4 },
      { type: 'conv2d', name: 'proj', filters: 4, kernelSize: 1, inputs: ['pool'] },
      ...Array.from({ length: 6 }, (_, i): Layer => ({ type: 'conv2d', name: `m${i + 1}`, filters: 4, kernelSize: 3, padding: 'same', activation: 'sigmoid', ...(i === 0 ? { inputs: ['pool'] } : {}) })),
      { type: 'add', name: 'sum', inputs: ['proj', 'm6'] },
      { type: 'flatten' },
      { type: 'dense', name: 'out', units: 10, activation: 'softmax' },
    ]);
    const net = build(m);
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer({ type: 'sgd', learningRate: 0.1 }, net.params), train: await mnistTrain(1000), batchSize: 32, epochs: 1, seed: 1 }, m);
    assert.deepEqual(warningsOf(r.health), [{ kind: 'vanishingGradients', layer: 'm1' }]);
    const norm = (name: string) => r.health[0].layers.find((l) => l.layer === name)!.gradNorm!;
    assert.ok(norm('m1') / norm('out') < 1e-3, `main path: ${norm('m1') / norm('out')}`);
    // The gradient reaches proj through the shortcut: the first weight layer in the file would have hidden it.
    assert.ok(norm('proj') / norm('out') > 1e-3, `shortcut: ${norm('proj') / norm('out')}`);
    assert.match(r.health[0].warnings[0].message, /the gradient norm of "m1", the first layer with weights, is .* × that of "out", the last/);
  });

  it('LeNet-5 on the bundled MNIST subset with its default settings: no warning', async () => {
    const lenet = JSON.parse(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8')) as Model;
    const m = model([28, 28, 1], [...lenet.layers]);
    const net = build(m, lenet.training!.seed);
    const t = lenet.training!;
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer(t.optimizer as OptimizerConfig, net.params), train: await mnistTrain(3000), batchSize: t.batchSize, epochs: 1, seed: t.seed }, m);
    assert.equal(r.status, 'completed');
    assert.deepEqual(warningsOf(r.health), []);
    const h = r.health[0];
    assert.deepEqual(h.layers.map((l) => l.layer), ['conv2d_0', 'conv2d_2', 'dense_5', 'dense_6', 'dense_7']);
    for (const l of h.layers) assert.ok(l.gradNorm! > 0 && l.updateRatio! > 0 && l.updateRatio! < 0.1, `${l.layer}: ${l.gradNorm}, ${l.updateRatio}`);
    assert.deepEqual(h.layers.slice(0, 4).map((l) => [l.activation, l.units]), [['relu', 6], ['relu', 16], ['relu', 120], ['relu', 84]]);
  });

  it('a tiny data set trained for many epochs: overfitting, nothing else', async () => {
    const all = await mnistTrain(3000);
    const trainSet = subset(all, Array.from({ length: 40 }, (_, i) => i));
    const validation = subset(all, Array.from({ length: 400 }, (_, i) => 1000 + i));
    const m = model([28, 28, 1], [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }]);
    const net = build(m);
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params), train: trainSet, validation, batchSize: 10, epochs: 30, seed: 1 }, m);
    assert.deepEqual(warningsOf(r.health), [{ kind: 'overfitting', layer: undefined }]);
    const at = r.health.find((h) => h.warnings.length)!.epoch;
    const v = r.history.map((m) => m.valLoss!);
    const t = r.history.map((m) => m.trainLoss);
    for (let e = at - 3; e < at; e++) assert.ok(v[e] > v[e - 1] && t[e] < t[e - 1], `epoch ${e + 1}`);
  });

  it('a graph model: every conv layer and watched activation, in file order, read where the add merges', async () => {
    const m = model([28, 28, 1], [
      { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', name: 'c1', filters: 4, kernelSize: 3, padding: 'same' },
      { type: 'batchNorm', name: 'bn' },
      { type: 'add', name: 'sum', inputs: ['stem', 'bn'] },
      { type: 'relu6', name: 'act' },
      { type: 'separableConv2d', name: 'sep', filters: 4, kernelSize: 3, strides: 2, activation: 'tanh' },
      { type: 'globalAvgPool2d', name: 'gap' },
      { type: 'dense', name: 'out', units: 10, activation: 'softmax' },
    ]);
    const net = build(m);
    const r = await trainWithHealth({ network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.003 }, net.params), train: await mnistTrain(320), batchSize: 32, epochs: 1, seed: 1 }, m);
    const h = r.health[0];
    assert.deepEqual(
      h.layers.map((l) => [l.layer, l.gradNorm !== undefined, l.activation ?? null, l.units ?? null]),
      [['stem', true, 'relu', 4], ['c1', true, null, null], ['bn', true, null, null], ['act', false, 'relu6', 4], ['sep', true, 'tanh', 4], ['out', true, null, null]],
    );
    for (const l of h.layers) if (l.gradNorm !== undefined) assert.ok(l.gradNorm > 0 && Number.isFinite(l.updateRatio!), l.layer);
    assert.ok(h.layers[4].saturated! >= 0 && h.layers[4].saturated! <= 1);
    assert.deepEqual(warningsOf(r.health), []);
  });
});
