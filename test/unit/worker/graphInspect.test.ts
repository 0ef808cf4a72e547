// The training view's worker side on a graph model (a padded stem, two branches summed by `add`, a
// `concatenate` with the stem, global pooling): feature maps per layer in file order under the file's names
// and inputs, the first conv2d's kernels found by name, the evaluation's confusion matrix and a prediction
// from saved weights, each checked against the network's own outputs computed another way.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readSampleFloats, type Dataset } from '../../../src/engine/dataset';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createRng } from '../../../src/engine/rng';
import { encodeWeights } from '../../../src/engine/weights';
import { loadImageFile } from '../../../src/node/datasets/load';
import { weightsPath } from '../../../src/node/checkpoint/weightsFile';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import type { MapView } from '../../../src/protocol/worker';
import { evaluateRun } from '../../../src/worker/evaluation';
import { featureMaps, predictFile } from '../../../src/worker/inspect';

const GRAPH: Model = {
  format: MODEL_FORMAT,
  name: 'graph',
  input: { shape: [8, 8, 1] },
  layers: [
    // The first conv2d is not the first layer: the kernels must be found by name.
    { type: 'zeroPadding2D', name: 'pad', padding: 1 },
    { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'conv2d', name: 'branch_a', filters: 4, kernelSize: 3, padding: 'same' },
    { type: 'batchNorm', name: 'branch_a_bn' },
    { type: 'conv2d', name: 'branch_b', inputs: ['stem'], filters: 4, kernelSize: 1 },
    { type: 'add', name: 'sum', inputs: ['branch_a_bn', 'branch_b'] },
    { type: 'concatenate', name: 'cat', inputs: ['sum', 'stem'] },
    { type: 'globalAvgPool2d', name: 'gap' },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ],
};
const SIZE = 64;

/** The network with every parameter set to seeded values (not its initialisation), so saved weights are told apart. */
function network(): Network {
  const net = buildNetwork(GRAPH, inferShapes(GRAPH), 1);
  const rng = createRng(7);
  for (const p of net.params) {
    const v = p.value;
    // Batch norm's variance must stay positive.
    for (let i = 0; i < v.length; i++) v[i] = /variance$/i.test(p.name) ? 0.5 + rng.next() : rng.next() - 0.5;
  }
  return net;
}

function dataset(count: number): Dataset {
  const rng = createRng(3);
  const images = Float32Array.from({ length: count * SIZE }, () => rng.next());
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  return { images, labels, count, shape: [8, 8, 1], classes: ['a', 'b', 'c'] };
}

const byName = (layers: readonly MapView[], name: string): MapView => {
  const m = layers.find((l) => l.name === name);
  assert.ok(m, `no map of ${name}`);
  return m;
};

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** One sample's probabilities by a one-sample forward pass (a copy: the buffer is the network's). */
const probabilitiesOf = (net: Network, x: Float32Array): Float32Array => net.forward({ shape: [1, 8, 8, 1], data: x }, false).data.slice();

describe('training view worker side on a graph model', () => {
  it('feature maps: every layer in file order, named as in the file, with the inputs the file names; merges add up', async () => {
    const net = network();
    const x = await readSampleFloats(dataset(1), 0);
    const maps = featureMaps(net, GRAPH, x, { kind: 'dataset', split: 'test', index: 0 }, 'test #0', 2, ['a', 'b', 'c']);
    const analysis = inferShapes(GRAPH);
    assert.deepEqual(maps.layers.map((m) => m.name), ['pad', 'stem', 'branch_a', 'branch_a_bn', 'branch_b', 'sum', 'cat', 'gap', 'out']);
    assert.deepEqual(maps.layers.map((m) => m.shape), analysis.layers.map((l) => l.outputShape));
    assert.deepEqual(maps.layers.map((m) => m.inputs), [undefined, undefined, undefined, undefined, ['stem'], ['branch_a_bn', 'branch_b'], ['sum', 'stem'], undefined, undefined]);
    assert.deepEqual(maps.input.data, x);

    const [a, b, sum, stem, cat, gap] = ['branch_a_bn', 'branch_b', 'sum', 'stem', 'cat', 'gap'].map((n) => byName(maps.layers, n));
    for (let i = 0; i < sum!.data.length; i++) assert.ok(Math.abs(sum!.data[i]! - (a!.data[i]! + b!.data[i]!)) < 1e-5, `sum[${i}]`);
    // concatenate along channels: per pixel, the sum's 4 channels then the stem's 4.
    for (let p = 0; p < 64; p++) {
      for (let c = 0; c < 4; c++) {
        assert.equal(cat!.data[p * 8 + c], sum!.data[p * 4 + c]);
        assert.equal(cat!.data[p * 8 + 4 + c], stem!.data[p * 4 + c]);
      }
    }
    for (let c = 0; c < 8; c++) {
      let mean = 0;
      for (let p = 0; p < 64; p++) mean += cat!.data[p * 8 + c]! / 64;
      assert.ok(Math.abs(gap!.data[c]! - mean) < 1e-5, `gap[${c}]`);
    }
    // Each map's range is its own data's.
    assert.equal(stem!.min, Math.min(...stem!.data));
    assert.equal(stem!.max, Math.max(...stem!.data));

    const kernel = net.params.find((p) => p.name === 'stem.kernel');
    assert.ok(kernel);
    const view = maps.layerKernels?.find((k) => k.param === 'stem.kernel');
    assert.ok(view, 'the stem conv is among the kernel views, by its graph name');
    assert.deepEqual([view.kind, view.shape, view.rows, view.cols], ['conv', [3, 3, 1, 4], 4, 1]);
    // [out][in][kh][kw] in the view, [kh][kw][in][out] in the engine.
    for (let o = 0; o < 4; o++) for (let p = 0; p < 9; p++) assert.equal(view.data[o * 9 + p], kernel.value[p * 4 + o]);
    assert.deepEqual(maps.probabilities, byName(maps.layers, 'out').data);
    assert.deepEqual(maps.probabilities, probabilitiesOf(net, x));
    assert.ok(Math.abs(maps.probabilities.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    assert.deepEqual(maps.classes, ['a', 'b', 'c']);
    assert.equal(maps.epoch, 2);
  });

  it('evaluation: the confusion matrix, loss and misclassified samples are those of one-sample forward passes', async () => {
    const net = network();
    const ds = dataset(37);
    // 37 samples in batches of 16: two full batches and a short one.
    const ev = await evaluateRun(net, ds, { batchSize: 16, on: 'test', loss: 'sparseCategoricalCrossentropy' });
    const confusion = [0, 1, 2].map(() => [0, 0, 0]);
    const wrong: number[] = [];
    let loss = 0;
    for (let i = 0; i < ds.count; i++) {
      const p = probabilitiesOf(net, await readSampleFloats(ds, i));
      const predicted = argmax(p);
      confusion[ds.labels[i]!]![predicted]! += 1;
      if (predicted !== ds.labels[i]) wrong.push(i);
      loss -= Math.log(p[ds.labels[i]!]!) / ds.count;
    }
    assert.deepEqual(ev.confusion, confusion);
    assert.equal(ev.count, 37);
    assert.deepEqual(ev.misclassified.map((m) => m.index), wrong);
    assert.equal(ev.accuracy, (37 - wrong.length) / 37);
    assert.ok(Math.abs(ev.loss - loss) < 1e-4, `loss ${ev.loss} vs ${loss}`);
    assert.deepEqual(ev.classes, ['a', 'b', 'c']);
    assert.equal(ev.thumbnails?.data.length, wrong.length * SIZE);
  });

  it('predicts an image file with the saved weights of the graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-graph-predict-'));
    try {
      const modelPath = join(dir, 'graph.cnn.json');
      writeFileSync(modelPath, JSON.stringify(GRAPH));
      const net = network();
      writeFileSync(weightsPath(modelPath), encodeWeights(GRAPH, net.params, ['a', 'b', 'c']));
      const png = new PNG({ width: 8, height: 8 });
      for (let i = 0; i < 64; i++) png.data.set([(i * 37) % 256, (i * 37) % 256, (i * 37) % 256, 255], i * 4);
      const image = join(dir, 'digit.png');
      writeFileSync(image, PNG.sync.write(png));

      const prediction = await predictFile(modelPath, GRAPH, image, 3);
      const p = probabilitiesOf(net, await loadImageFile(image, GRAPH.input.shape));
      const order = [0, 1, 2].sort((i, j) => p[j]! - p[i]!);
      assert.deepEqual(prediction.classes, ['a', 'b', 'c']);
      assert.deepEqual(prediction.top.map((t) => t.label), order.map((i) => ['a', 'b', 'c'][i]));
      prediction.top.forEach((t, k) => assert.ok(Math.abs(t.probability - p[order[k]!]!) < 1e-6));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
