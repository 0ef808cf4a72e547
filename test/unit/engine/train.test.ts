// The training loop on a tiny model and synthetic data (fast), plus one real-MNIST smoke run.
import { strict as assert } from 'node:assert';
import type { Dataset } from '../../../src/engine/dataset';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng } from '../../../src/engine/rng';
import { evaluate, train, type TrainOptions } from '../../../src/engine/train';
import { loadDataSource } from '../../../src/node/datasets/load';
import { mnistDataDir, mnistSource } from '../../../src/node/datasets/mnist';
import { inferShapes } from '../../../src/model/shapes';
import type { Layer, Model, OptimizerConfig } from '../../../src/model/types';
import { skipUnavailable } from '../availability';

function tinyModel(layers?: Layer[], shape: [number, number, number] = [6, 6, 1]): Model {
  return {
    format: 'cnn-studio/model@1',
    name: 'tiny',
    input: { shape },
    layers: layers ?? [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  };
}

function net(model: Model, seed = 7): Network {
  return buildNetwork(model, inferShapes(model), seed);
}

/** Class k = a bright horizontal bar in band k of a 6×6 image, plus noise. */
function bars(count: number, seed: number): Dataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 36);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let p = 0; p < 36; p++) images[i * 36 + p] = 0.3 * rng.next() + (Math.floor(p / 12) === k ? 0.7 : 0);
  }
  return { images, labels, count, shape: [6, 6, 1], classes: ['top', 'middle', 'bottom'] };
}

function setup(opt: OptimizerConfig, extra: Partial<TrainOptions> = {}, seed = 7): TrainOptions {
  const network = net(tinyModel(), seed);
  return { network, optimizer: createOptimizer(opt, network.params), train: bars(96, 1), batchSize: 16, epochs: 3, seed: 3, ...extra };
}

describe('train', () => {
  it('learns the synthetic task and reports per-epoch metrics', async () => {
    const batches: number[] = [];
    const o = setup({ type: 'adam', learningRate: 0.01 }, { test: bars(30, 2), epochs: 5, topK: 2, onBatch: (p) => batches.push(p.batch) });
    const r = await train(o);
    assert.equal(r.status, 'completed');
    assert.equal(r.epochs, 5);
    assert.equal(r.history.length, 5);
    assert.equal(batches.length, 5 * 6);
    const last = r.history[4];
    assert.ok(last.trainLoss < r.history[0].trainLoss, 'loss goes down');
    assert.ok(last.testAccuracy! > 0.9, `test accuracy ${last.testAccuracy}`);
    assert.ok(last.testTopK! >= last.testAccuracy!);
    const ev = await evaluate(o.network, bars(30, 2), 8);
    assert.equal(ev.count, 30);
    assert.equal(ev.accuracy, last.testAccuracy);
    assert.equal(ev.confusion.flat().reduce((a, b) => a + b, 0), 30);
    assert.equal(ev.perClass.length, 3);
  });

  it('is deterministic: the same seeds give the identical loss curve', async () => {
    const curve = async (): Promise<number[]> => {
      const losses: number[] = [];
      await train(setup({ type: 'sgd', learningRate: 0.1, momentum: 0.9 }, { onBatch: (p) => losses.push(p.loss) }));
      return losses;
    };
    const a = await curve();
    assert.deepEqual(await curve(), a);
    const other: number[] = [];
    await train(setup({ type: 'sgd', learningRate: 0.1, momentum: 0.9 }, { seed: 4, onBatch: (p) => other.push(p.loss) }));
    assert.notDeepEqual(other, a, 'another shuffle seed gives another curve');
  });

  it('resuming at initialEpoch shuffles as the uninterrupted run did', async () => {
    const full: number[] = [];
    const a = setup({ type: 'sgd', learningRate: 0.05 }, { onBatch: (p) => p.epoch === 3 && full.push(p.loss) });
    await train({ ...a });
    // Second run: two epochs, then a fresh loop continuing from epoch 2 with the same network and optimizer.
    const b = setup({ type: 'sgd', learningRate: 0.05 });
    await train({ ...b, epochs: 2 });
    const resumed: number[] = [];
    await train({ ...b, initialEpoch: 2, onBatch: (p) => resumed.push(p.loss) });
    assert.deepEqual(resumed, full);
  });

  it('early stopping restores the best weights', async () => {
    // A learning rate so high that validation loss gets worse after the first epoch.
    const o = setup({ type: 'sgd', learningRate: 3 }, { validation: bars(30, 5), epochs: 8, earlyStopping: { patience: 2 } });
    const saved: Float32Array[][] = [];
    const r = await train({ ...o, onEpoch: () => void saved.push(o.network.params.map((p) => p.value.slice())) });
    if (r.status !== 'earlyStopped') assert.fail(`expected early stop, got ${r.status} (${r.history.map((h) => h.valLoss).join(', ')})`);
    const best = r.history.reduce((b, h) => (h.valLoss! < b.valLoss! ? h : b));
    assert.equal(r.bestEpoch, best.epoch);
    assert.equal(r.epochs, r.bestEpoch! + 2);
    assert.deepEqual(o.network.params.map((p) => [...p.value]), saved[best.epoch - 1].map((v) => [...v]));
  });

  it('early stopping without validation data watches the training loss, never the test set, and says so once', async () => {
    // Test labels are the reverse of the training labels: a selection on the test set would pick other epochs.
    const test = bars(30, 6);
    test.labels.forEach((l, i) => (test.labels[i] = 2 - l));
    const notices: string[] = [];
    const o = setup({ type: 'sgd', learningRate: 3 }, { test, epochs: 8, earlyStopping: { patience: 2 }, onNotice: (m) => notices.push(m) });
    const saved: Float32Array[][] = [];
    const r = await train({ ...o, onEpoch: () => void saved.push(o.network.params.map((p) => p.value.slice())) });
    assert.deepEqual(r.monitored, { metric: 'loss', on: 'training' });
    assert.equal(notices.length, 1);
    assert.match(notices[0], /monitors the training loss: there is no validation data/);
    const bestTrain = r.history.reduce((b, h) => (h.trainLoss < b.trainLoss ? h : b));
    const bestTest = r.history.reduce((b, h) => (h.testLoss! < b.testLoss! ? h : b));
    assert.notEqual(bestTrain.epoch, bestTest.epoch, 'the fixture must tell the two selections apart');
    assert.equal(r.status, 'earlyStopped', `training losses ${r.history.map((h) => h.trainLoss).join(', ')}`);
    assert.equal(r.bestEpoch, bestTrain.epoch);
    assert.deepEqual(o.network.params.map((p) => [...p.value]), saved[bestTrain.epoch - 1].map((v) => [...v]));
  });

  it('early stopping on validation accuracy says it watches validation data', async () => {
    const notices: string[] = [];
    const o = setup({ type: 'sgd', learningRate: 0.05 }, { validation: bars(30, 5), epochs: 2, earlyStopping: { patience: 5, monitor: 'valAccuracy' }, onNotice: (m) => notices.push(m) });
    const r = await train(o);
    assert.deepEqual(r.monitored, { metric: 'accuracy', on: 'validation' });
    assert.deepEqual(notices, []);
  });

  it('stops with a clear message when the loss becomes NaN', async () => {
    const r = await train(setup({ type: 'sgd', learningRate: 1e30 }, { epochs: 2 }));
    assert.equal(r.status, 'diverged');
    assert.ok(r.error);
    assert.match(r.error.message, /loss became (NaN|infinite) in epoch 1, step \d+ \(learning rate 1e\+30\)\. Try a lower learning rate/);
    assert.equal(r.error.epoch, 1);
  });

  it('stops cleanly on shouldStop and yields to the host', async () => {
    let batches = 0;
    let yields = 0;
    const r = await train(
      setup({ type: 'adam' }, { onBatch: () => batches++, shouldStop: () => batches >= 7, yieldToHost: async () => void yields++, yieldEvery: 2 }),
    );
    assert.equal(r.status, 'stopped');
    assert.equal(r.epochs, 1);
    assert.equal(batches, 7);
    assert.equal(yields, 3);
  });

  it('applies the augmentation hook to every batch', async () => {
    const counts: number[] = [];
    await train(setup({ type: 'adam' }, { epochs: 1, augment: (batch, n) => (counts.push(n), batch.fill(0, 0, n * 36)) }));
    assert.deepEqual(counts, [16, 16, 16, 16, 16, 16]);
  });

  it('follows the learning-rate schedule per epoch', async () => {
    const r = await train(setup({ type: 'sgd', learningRate: 0.1, schedule: { type: 'step', stepSize: 1, gamma: 0.5 } }));
    assert.deepEqual(r.history.map((h) => h.learningRate), [0.1, 0.05, 0.025]);
  });

  it('gets well above chance on a 1,500-image MNIST subset in a few seconds', async function () {
    this.timeout(20000);
    let dir: string;
    try {
      dir = mnistDataDir();
    } catch (e) {
      skipUnavailable(this, (e as Error).message);
    }
    const model = tinyModel(
      [
        { type: 'conv2d', filters: 8, kernelSize: 3, strides: 2, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      [28, 28, 1],
    );
    const trainSet = await loadDataSource(mnistSource(dir, 'train'), dir, [28, 28, 1], { limit: 1500 });
    const testSet = await loadDataSource(mnistSource(dir, 'test'), dir, [28, 28, 1], { limit: 500 });
    const network = net(model, 1);
    const started = Date.now();
    const r = await train({ network, optimizer: createOptimizer({ type: 'adam', learningRate: 0.005 }, network.params), train: trainSet, test: testSet, epochs: 2, batchSize: 32 });
    const acc = r.history[r.history.length - 1].testAccuracy!;
    if (process.env.DEBUG_TRAIN) console.log(acc, r.history);
    assert.ok(acc > 0.8, `test accuracy ${acc} after ${(Date.now() - started) / 1000} s`);
  });
});
