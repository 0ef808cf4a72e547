// Training health and every layer's kernels where they leave the engine: the kernel views the worker draws from
// (layout, caps, the shared scale), the figures as the views take them (NaN as null), the epoch messages of a real
// worker run carrying each epoch's health and the feature maps carrying every layer's kernels, the output
// channel's lines, and `cnn train`'s warning lines (and none for LeNet-5 with its default settings).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { bundledMnistDir, mnistSource } from '../../../src/node/datasets/mnist';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { healthWarningLines } from '../../../src/extension/training/format';
import { TrainingSupervisor } from '../../../src/extension/training/supervisor';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { featureMapsTransfer, type EpochView, type FeatureMapsView } from '../../../src/protocol/worker';
import { kernelViews, MAX_TILE_COLS, MAX_TILE_ROWS } from '../../../src/worker/kernelViews';
import { toEpochView, toHealthView } from '../../../src/worker/run';
import { buildFixture, Recorder, ROOT, tinyModel, type Fixture } from './helpers';

function built(shape: readonly [number, number, number], layers: Layer[]): { net: Network; model: Model } {
  const model: Model = { format: MODEL_FORMAT, name: 'k', input: { shape }, layers };
  return { net: buildNetwork(model, inferShapes(model), 1), model };
}
const param = (net: Network, name: string) => net.params.find((p) => p.name === name)!;
const absMax = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('every layer\'s kernels (worker)', () => {
  it('lays conv kernels out as output × input tiles, depthwise per channel, dense and 1×1 as matrices, in file order', () => {
    const { net, model } = built([6, 6, 2], [
      { type: 'conv2d', name: 'c', filters: 3, kernelSize: [2, 3] },
      { type: 'depthwiseConv2d', name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' },
      { type: 'separableConv2d', name: 'sep', filters: 4, kernelSize: 3, padding: 'same' },
      { type: 'conv2d', name: 'pw', filters: 5, kernelSize: 1 },
      { type: 'batchNorm', name: 'bn' },
      { type: 'flatten' },
      { type: 'dense', name: 'out', units: 2, activation: 'softmax' },
    ]);
    const views = kernelViews(net, inferShapes(model).layers);
    assert.deepEqual(views.map((v) => [v.param, v.kind, v.rows, v.cols, v.kh, v.kw]), [
      ['c.kernel', 'conv', 3, 2, 2, 3],
      ['dw.kernel', 'depthwise', 3, 2, 3, 3],
      ['sep.depthwiseKernel', 'depthwise', 6, 1, 3, 3],
      ['sep.pointwiseKernel', 'matrix', 4, 6, 1, 1],
      ['pw.kernel', 'matrix', 5, 4, 1, 1],
      ['out.kernel', 'matrix', 2, 5 * 4 * 5, 1, 1],
    ]);
    // Tile (out o, in i) pixel (y, x) is kernel[y][x][i][o] (HWIO).
    const c = views[0];
    const w = param(net, 'c.kernel').value;
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < 2; i++)
        for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) assert.equal(c.data[((o * 2 + i) * 2 + y) * 3 + x], w[((y * 3 + x) * 2 + i) * 3 + o]);
    // Depthwise [kh, kw, channel, multiplier]: row = channel, column = multiplier.
    const dw = views[1];
    const dwv = param(net, 'dw.kernel').value;
    assert.equal(dw.data[((1 * 2 + 0) * 3 + 2) * 3 + 1], dwv[((2 * 3 + 1) * 3 + 1) * 2 + 0]);
    // Dense [in, out] → a row per output unit.
    const out = views[5];
    const ow = param(net, 'out.kernel').value;
    assert.equal(out.data[1 * 100 + 37], ow[37 * 2 + 1]);
    for (const v of views) {
      assert.ok(v.data instanceof Float32Array);
      assert.equal(v.data.length, v.rows * v.cols * v.kh * v.kw);
      assert.equal(v.absMax, absMax(param(net, v.param).value));
    }
  });

  it('caps a large layer to its first tiles but keeps the whole layer\'s scale and counts', () => {
    const { net, model } = built([8, 8, 40], [{ type: 'conv2d', name: 'big', filters: 100, kernelSize: 3 }]);
    const k = param(net, 'big.kernel');
    k.value[k.value.length - 1] = 7; // the last output channel of the last input: beyond what is drawn
    const [v] = kernelViews(net, inferShapes(model).layers);
    assert.deepEqual([v.rows, v.cols, v.totalRows, v.totalCols], [MAX_TILE_ROWS, MAX_TILE_COLS, 100, 40]);
    assert.equal(v.data.length, MAX_TILE_ROWS * MAX_TILE_COLS * 9);
    assert.equal(v.absMax, 7);
  });

  it('transfers the kernels\' buffers with the feature maps', () => {
    const { net, model } = built([4, 4, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 2 }]);
    const layerKernels = kernelViews(net, inferShapes(model).layers);
    const empty = { name: 'x', shape: [1], data: new Float32Array(1), min: 0, max: 0 };
    const maps: FeatureMapsView = { sample: { kind: 'file', path: 'a.png' }, caption: '', epoch: 1, input: empty, layers: [], probabilities: new Float32Array(2), classes: [], layerKernels };
    const buffers = featureMapsTransfer(maps);
    for (const v of layerKernels) assert.ok(buffers.includes(v.data.buffer as ArrayBuffer));
  });
});

describe('training health as the views take it', () => {
  it('turns figures that are not finite into null and rides on the epoch view', () => {
    const view = toHealthView({
      epoch: 3,
      steps: 4,
      samples: 128,
      gradNorm: Number.NaN,
      maxGradNorm: Number.POSITIVE_INFINITY,
      layers: [{ layer: 'c', index: 0, gradNorm: Number.NaN, updateRatio: 0.01, activation: 'relu', units: 4, dead: 0.5 }, { layer: 'a', index: 1, activation: 'tanh', units: 2, saturated: 0.25 }],
      warnings: [{ kind: 'explodingGradients', epoch: 3, layer: 'c', message: 'exploding gradients: …', remedy: 'Set "clipNorm".' }],
    });
    assert.equal(view.gradNorm, null);
    assert.equal(view.maxGradNorm, null);
    assert.deepEqual(view.layers[0], { layer: 'c', index: 0, gradNorm: null, updateRatio: 0.01, activation: 'relu', units: 4, dead: 0.5 });
    assert.equal('gradNorm' in view.layers[1], false);
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view, 'survives JSON as it is');
    const epoch: EpochView = toEpochView({ epoch: 3, learningRate: 0.1, trainLoss: 1, trainAccuracy: 0.5, seconds: 1 }, 10, undefined, view);
    assert.equal(epoch.health, view);
    assert.deepEqual(healthWarningLines('lenet5', epoch), ['lenet5: exploding gradients: … Set "clipNorm".']);
    assert.deepEqual(healthWarningLines('lenet5', { ...epoch, health: undefined }), []);
  });
});

describe('training health in a real worker run', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let supervisor: TrainingSupervisor;
  before(async () => {
    fx = await buildFixture();
    supervisor = new TrainingSupervisor(fx.workerPath, { stopGraceMs: 5000 });
  });
  after(async () => {
    await supervisor?.dispose();
    fx?.cleanup();
  });

  it('sends each epoch\'s health with the epoch and every weight layer\'s kernels with the feature maps', async () => {
    const model = tinyModel(fx.dir, 'tinyhealth');
    const rec = new Recorder();
    const run = supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 96, threads: 1 }, inspect: { kind: 'dataset', split: 'test', index: 0 } }, rec.listener);
    const outcome = await run.done;
    assert.equal(outcome.kind, 'done', JSON.stringify(outcome));
    if (outcome.kind !== 'done') return;
    const epochs = rec.of('epoch').map((e) => e.metrics);
    assert.deepEqual(epochs.map((m) => m.health?.epoch), [1, 2]);
    // 72 training samples in batches of 16: 5 steps, 4 measured (16 samples each, the last step's 8).
    assert.deepEqual(epochs.map((m) => [m.health!.steps, m.health!.samples]), [[4, 56], [4, 56]]);
    const layers = epochs[0].health!.layers;
    assert.deepEqual(layers.map((l) => [l.layer, l.activation ?? null, l.units ?? null]), [['conv2d_0', 'relu', 4], ['dense_3', null, null]]);
    assert.ok(layers.every((l) => typeof l.gradNorm === 'number' && l.gradNorm > 0 && typeof l.updateRatio === 'number' && l.updateRatio > 0));
    assert.deepEqual(outcome.result.history.map((m) => m.health?.epoch), [1, 2], 'the final history keeps them');
    const maps = rec.of('featureMaps');
    const last = maps[maps.length - 1].maps;
    assert.deepEqual(last.layerKernels?.map((k) => [k.param, k.kind, k.rows, k.cols]), [['conv2d_0.kernel', 'conv', 4, 1], ['dense_3.kernel', 'matrix', 10, 676]]);
    assert.ok(last.layerKernels!.every((k) => k.data instanceof Float32Array && k.absMax > 0));
  });
});

describe('cnn train: training health warning lines', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-health-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const data = { train: mnistSource(bundledMnistDir(ROOT), 'train'), test: mnistSource(bundledMnistDir(ROOT), 'test') };
  const cnn = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out, err };
  };

  it('a learning rate of 10 with ReLU: one warning line naming the layer and the remedy', async () => {
    const path = join(dir, 'hot.cnn.json');
    const model = {
      format: MODEL_FORMAT,
      name: 'hot',
      input: { shape: [28, 28, 1] },
      layers: [{ type: 'flatten' }, { type: 'dense', name: 'hidden', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
      training: { data, optimizer: { type: 'sgd', learningRate: 10 }, batchSize: 32, epochs: 1, seed: 1 },
    };
    writeFileSync(path, JSON.stringify(model));
    const r = await cnn('train', path, '--limit', '1000');
    assert.equal(r.code, 0, r.err.join('\n'));
    const warnings = r.err.filter((l) => l.startsWith('warning: '));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /^warning: dead units: \d+% of the 64 units of "hidden" \(relu\) never fired .* Try "leakyRelu" instead of "relu", or a lower learning rate \(now 10; try 1\)\.$/);
  });

  it('LeNet-5 (examples/lenet5.cnn.json) on the bundled subset with its default settings: no warning', async () => {
    const lenet = JSON.parse(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8'));
    lenet.training.data = data;
    const path = join(dir, 'lenet5.cnn.json');
    writeFileSync(path, JSON.stringify(lenet));
    const r = await cnn('train', path, '--epochs', '1', '--limit', '3000');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.err.filter((l) => l.startsWith('warning: ')), []);
    assert.ok(r.out.some((l) => /epoch 1\/1/.test(l)), r.out.join('\n'));
  });
});
