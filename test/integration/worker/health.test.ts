// Training health where it leaves a real run: the epoch messages of a real worker run carrying each epoch's health
// and the feature maps carrying every layer's kernels, and `cnn train`'s warning lines (and none for LeNet-5 with its
// default settings). The kernel views and the health views alone are in test/unit/worker/health.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { bundledMnistDir, mnistSource } from '../../../src/node/datasets/mnist';
import { MODEL_FORMAT } from '../../../src/model/types';
import { useSupervisor, Recorder, ROOT, tinyModel } from './helpers';

describe('training health in a real worker run', function () {
  this.timeout(60_000);
  const ctx = useSupervisor();

  it('sends each epoch\'s health with the epoch and every weight layer\'s kernels with the feature maps', async () => {
    const model = tinyModel(ctx.fx.dir, 'tinyhealth');
    const rec = new Recorder();
    const run = ctx.supervisor.start(model.path, { modelPath: model.path, modelText: model.text, options: { limit: 96, threads: 1 }, inspect: { kind: 'dataset', split: 'test', index: 0 } }, rec.listener);
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
