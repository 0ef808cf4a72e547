// Frozen features computed once (engine/frozenFeatures): which prefix qualifies, and that training the layers after
// it on the stored outputs gives the run that trains the whole network (the same batches, losses and weights).
import assert from 'node:assert/strict';
import type { FloatSampleStore, InMemoryDataset } from '../../../src/engine/dataset';
import { computeFeatures, type FeatureRows, type FeatureSource, type FeatureStore } from '../../../src/engine/frozenFeatures';
import { getKernels } from '../../../src/engine/kernels';
import { buildNetwork, type Network } from '../../../src/engine/network';
import { createOptimizer } from '../../../src/engine/optimizers';
import { createRng } from '../../../src/engine/rng';
import { train, type TrainResult } from '../../../src/engine/train';
import { inferShapes } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';

const F = { trainable: false } as const;
const modelOf = (layers: Layer[], input: readonly [number, number, number] = [8, 8, 3]): Model => ({ format: MODEL_FORMAT, name: 'tl', input: { shape: input }, layers });
const build = (model: Model): Network => buildNetwork(model, inferShapes(model), 7);

/** A frozen backbone with batch norm and a shortcut, global pooling, a trainable head. */
function backbone(head: Layer[] = [{ type: 'dense', name: 'head', units: 3, activation: 'softmax' }]): Model {
  return modelOf([
    { type: 'conv2d', name: 'c1', filters: 6, kernelSize: 3, padding: 'same', ...F },
    { type: 'batchNorm', name: 'bn', ...F },
    { type: 'relu', name: 'r1' },
    { type: 'conv2d', name: 'c2', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', ...F },
    { type: 'add', name: 'sum', inputs: ['r1', 'c2'] },
    { type: 'globalAvgPool2d', name: 'gap' },
    ...head,
  ]);
}

function dataset(count: number, seed: number): InMemoryDataset {
  const rng = createRng(seed);
  const images = new Float32Array(count * 8 * 8 * 3).map(() => rng.next());
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  // The class shows in the image, so the head has something to learn.
  for (let i = 0; i < count; i++) for (let j = 0; j < 64; j++) images[i * 192 + j * 3 + labels[i]!] += 1;
  return { images, labels, count, shape: [8, 8, 3], classes: ['a', 'b', 'c'] };
}

async function run(model: Model, once: boolean, notices: string[] = []): Promise<{ result: TrainResult; net: Network }> {
  const net = build(model);
  const bn = net.params.find((p) => p.name === 'bn.movingVariance')!;
  bn.value.set(Float32Array.from({ length: bn.value.length }, (_, i) => 0.5 + i / 10));
  const result = await train({
    network: net,
    optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params),
    train: dataset(40, 1),
    validation: dataset(12, 2),
    test: dataset(9, 3),
    batchSize: 8,
    epochs: 3,
    seed: 4,
    loss: 'sparseCategoricalCrossentropy',
    ...(once ? { frozenFeatures: { maxBytes: 1e9, onNotice: (m: string) => notices.push(m) } } : {}),
  });
  return { result, net };
}

describe('frozen features computed once', () => {
  it('the frozen prefix ends at the last boundary before the first trainable layer, past the shortcut', () => {
    const net = build(backbone());
    assert.equal(net.layers[net.frozenPrefix!]!.name, 'gap');
    // Nothing frozen with weights, a trainable layer first, or dropout in front: no prefix.
    assert.equal(build(modelOf([{ type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 2 }])).frozenPrefix, undefined);
    assert.equal(build(modelOf([{ type: 'conv2d', filters: 2, kernelSize: 1 }, { type: 'conv2d', filters: 2, kernelSize: 1, ...F }, { type: 'flatten' }, { type: 'dense', units: 2 }])).frozenPrefix, undefined);
    assert.equal(build(modelOf([{ type: 'dropout', rate: 0.5 }, { type: 'conv2d', filters: 2, kernelSize: 1, ...F }, { type: 'flatten' }, { type: 'dense', units: 2 }])).frozenPrefix, undefined);
    // A dropout in the head ends nothing: it acts after the prefix.
    const withDropout = build(backbone([{ type: 'dropout', rate: 0.3 }, { type: 'dense', units: 3, activation: 'softmax' }]));
    assert.equal(withDropout.layers[withDropout.frozenPrefix!]!.name, 'gap');
    // Inside the residual block the shortcut crosses: c2's output is not the only value read after it.
    const cut = build(modelOf([
      { type: 'conv2d', name: 'c1', filters: 2, kernelSize: 1, ...F },
      { type: 'conv2d', name: 'c2', filters: 2, kernelSize: 1, ...F },
      { type: 'add', name: 'sum', inputs: ['c1', 'c2'] },
      { type: 'conv2d', name: 't', filters: 2, kernelSize: 1 },
      { type: 'add', inputs: ['sum', 't'] },
      { type: 'flatten' },
      { type: 'dense', units: 2 },
    ]));
    assert.equal(cut.layers[cut.frozenPrefix!]!.name, 'sum');
  });

  it('features equal the full forward pass up to the prefix, and the head seen from it gives the whole network\'s outputs', async () => {
    const net = build(backbone());
    const data = dataset(10, 5);
    const after = net.frozenPrefix!;
    const f = (await computeFeatures(net, after, data, 4))!;
    assert.deepEqual(f.shape, [1, 1, 6]);
    const whole = net.evaluateBatch({ shape: [10, 8, 8, 3], data: data.images as Float32Array }, data.labels, 'sparseCategoricalCrossentropy');
    const expected = Float32Array.from(whole.outputs.data);
    const maps = net.featureMaps({ shape: [8, 8, 3], data: (data.images as Float32Array).subarray(0, 192) });
    assert.deepEqual(f.images.subarray(0, 6), maps[after]!.data);
    const head = net.from(after).evaluateBatch({ shape: [10, 1, 1, 6], data: f.images as Float32Array }, data.labels, 'sparseCategoricalCrossentropy');
    assert.deepEqual(head.outputs.data, expected);
  });

  it('training on the stored features gives the same losses, accuracies and weights as training the whole network', async () => {
    const notices: string[] = [];
    const once = await run(backbone(), true, notices);
    const every = await run(backbone(), false);
    assert.match(notices.join('\n'), /^the layers up to gap are frozen: computing their output once per sample \(61 samples, 1\.4 KiB\)/);
    assert.equal(once.result.status, 'completed');
    assert.equal(once.result.history.length, 3);
    // The JavaScript kernels give the same bits; WebAssembly's SIMD sums may differ in the last place.
    const exact = getKernels().name === 'js';
    for (const [i, h] of once.result.history.entries()) {
      const g = every.result.history[i]!;
      for (const key of ['trainLoss', 'valLoss', 'testLoss', 'trainAccuracy', 'valAccuracy', 'testAccuracy'] as const) {
        if (exact) assert.equal(h[key], g[key], `epoch ${i + 1} ${key}`);
        else assert.ok(Math.abs(h[key]! - g[key]!) <= 1e-5, `epoch ${i + 1} ${key}: ${h[key]} vs ${g[key]}`);
      }
    }
    assert.ok(once.result.history[2]!.trainLoss < once.result.history[0]!.trainLoss, 'the head learned');
    for (const p of once.net.params) {
      const q = every.net.params.find((r) => r.name === p.name)!;
      p.value.forEach((v, i) => assert.ok(Math.abs(v - q.value[i]!) <= (exact ? 0 : 1e-5), `${p.name}[${i}]: ${v} vs ${q.value[i]}`));
    }
  });

  it('augmentation or too little memory runs the backbone every step, and says why', async () => {
    const notices: string[] = [];
    const net = build(backbone());
    const common = { network: net, optimizer: createOptimizer({ type: 'sgd', learningRate: 0.01 }, net.params), train: dataset(16, 1), batchSize: 8, epochs: 1, seed: 1 };
    await train({ ...common, augment: () => undefined, frozenFeatures: { maxBytes: 1e9, onNotice: (m) => notices.push(m) } });
    await train({ ...common, frozenFeatures: { maxBytes: 100, onNotice: (m) => notices.push(m) } });
    assert.deepEqual(notices, [
      'the layers up to gap are frozen, but augmentation changes every sample: they run every step (inference mode, no weight gradients)',
      'the layers up to gap are frozen, but their outputs for 16 samples would take 384 B (more than 100 B): they run every step',
    ]);
  });
});

describe('frozen features through a store (FeatureStore, per data source)', () => {
  /** A store in memory: what it holds per source key, and what it was asked. */
  class MemoryStore implements FeatureStore {
    readonly held = new Map<string, Float32Array>();
    readonly writes: string[] = [];
    async read(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<boolean> {
      const all = this.held.get(source.key);
      if (!all || all.length !== source.count * size) return false;
      for (const p of parts) p.rows.forEach((r, k) => p.features.set(all.subarray(r * size, (r + 1) * size), k * size));
      return true;
    }
    async write(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<void> {
      const all = new Float32Array(source.count * size);
      for (const p of parts) p.rows.forEach((r, k) => all.set(p.features.subarray(k * size, (k + 1) * size), r * size));
      this.held.set(source.key, all);
      this.writes.push(source.key);
    }
  }
  /** Rows `rows` of `ds` as a view that knows its origin (as node/datasets/load.ts subset makes them). */
  const view = (ds: InMemoryDataset, key: string, rows: number[]): InMemoryDataset => {
    const size = 8 * 8 * 3;
    const images = new Float32Array(rows.length * size);
    rows.forEach((r, k) => images.set(ds.images.subarray(r * size, (r + 1) * size) as Float32Array, k * size));
    return { ...ds, images, labels: Int32Array.from(rows, (r) => ds.labels[r]!), count: rows.length, origin: { key, count: ds.count, rows: Int32Array.from(rows) } };
  };

  it('stores a source the datasets cover, not one they hold part of; a second run reads the views back to the same training', async () => {
    const source = dataset(30, 5);
    const order = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
    const trainSet = view(source, 'folder', order.slice(0, 22));
    const validation = view(source, 'folder', order.slice(22));
    const partial = view(dataset(10, 6), 'test', [1, 3, 5]);
    const store = new MemoryStore();
    const once = async (notices: string[]) => {
      const net = build(backbone());
      const result = await train({
        network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params), train: trainSet, validation, test: partial,
        batchSize: 8, epochs: 2, seed: 4, loss: 'sparseCategoricalCrossentropy', frozenFeatures: { maxBytes: 1e9, onNotice: (m) => notices.push(m), store },
      });
      return { result, net };
    };
    const first: string[] = [];
    const a = await once(first);
    assert.deepEqual(store.writes, ['folder'], 'the test data is 3 of its source\'s 10 samples: not stored');
    assert.match(first.join('\n'), /computing their output once per sample \(33 samples, .*\(stored in the data cache for the next runs\)$/);
    // Stored in the source's order: row r is sample r of the source through the backbone.
    const direct = await computeFeatures(a.net, a.net.frozenPrefix!, source, 8);
    assert.deepEqual(store.held.get('folder'), direct!.images);
    const second: string[] = [];
    const b = await once(second);
    assert.match(second.join('\n'), /their outputs for 30 samples come from the data cache, computing them for 3 /);
    assert.deepEqual(b.result.history.map(({ seconds: _, ...m }) => m), a.result.history.map(({ seconds: _, ...m }) => m));
    assert.deepEqual(b.net.params.map((p) => Array.from(p.value)), a.net.params.map((p) => Array.from(p.value)));
  });

  it('says when every output comes from the store (fromCache), which is when no progress is reported', async () => {
    const source = dataset(20, 7);
    const rows = Array.from({ length: 20 }, (_, i) => i);
    const store = new MemoryStore();
    const once = async () => {
      const said: [string, boolean][] = [];
      const progress: string[] = [];
      const net = build(backbone());
      await train({
        network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params), train: view(source, 'all', rows.slice(0, 14)), validation: view(source, 'all', rows.slice(14)),
        batchSize: 8, epochs: 1, seed: 4, loss: 'sparseCategoricalCrossentropy',
        frozenFeatures: { maxBytes: 1e9, store, onNotice: (m, fromCache) => said.push([m, fromCache]), onProgress: (p) => progress.push(`${p.done}/${p.total}`) },
      });
      return { said, progress };
    };
    const first = await once();
    assert.deepEqual(first.said.map(([, c]) => c), [false]);
    assert.deepEqual(first.progress, ['8/20', '14/20', '20/20']);
    const second = await once();
    assert.deepEqual(second.said.map(([, c]) => c), [true]);
    assert.match(second.said[0]![0], /their outputs for 20 samples come from the data cache/);
    assert.deepEqual(second.progress, []);
  });
});

describe('frozen features beyond the budget, streamed through a store (openStream, writeStream)', () => {
  /** Holds each source's features as a file would, and what it was handed: batches of rows, never all at once. */
  class StreamStore implements FeatureStore {
    readonly held = new Map<string, Float32Array>();
    readonly batchRows: number[] = [];
    async read(): Promise<boolean> {
      return false;
    }
    async write(): Promise<void> {}
    async openStream(source: FeatureSource, size: number): Promise<FloatSampleStore | undefined> {
      const all = this.held.get(source.key);
      if (!all) return undefined;
      return { floats: true, read: async (indices, into) => Array.from(indices).forEach((r, k) => into.set(all.subarray(r * size, (r + 1) * size), k * size)) };
    }
    async writeStream(source: FeatureSource, size: number, batches: AsyncIterable<FeatureRows>): Promise<FloatSampleStore | undefined> {
      const all = new Float32Array(source.count * size);
      for await (const b of batches) {
        this.batchRows.push(b.rows.length);
        b.rows.forEach((r, k) => all.set(b.features.subarray(k * size, (k + 1) * size), r * size));
      }
      this.held.set(source.key, all);
      return this.openStream(source, size);
    }
  }
  const withOrigin = (ds: InMemoryDataset, key: string): InMemoryDataset => ({ ...ds, origin: { key, count: ds.count } });
  const trainSet = withOrigin(dataset(20, 8), 'folder');
  const test = withOrigin(dataset(6, 9), 'test');
  async function once(maxBytes: number, store: FeatureStore | undefined, notices: string[], shouldStop?: () => boolean, fromCache: boolean[] = []) {
    const net = build(backbone());
    const result = await train({
      network: net, optimizer: createOptimizer({ type: 'adam', learningRate: 0.01 }, net.params), train: trainSet, test,
      batchSize: 8, epochs: 2, seed: 4, loss: 'sparseCategoricalCrossentropy', ...(shouldStop ? { shouldStop } : {}),
      frozenFeatures: { maxBytes, onNotice: (m, cached) => (notices.push(m), fromCache.push(cached)), ...(store ? { store } : {}) },
    });
    return { result, params: net.params.map((p) => Array.from(p.value)) };
  }

  it('computes them a batch at a time into the store and trains from it as from memory; the next run reads them back', async () => {
    const inMemory = await once(1e9, undefined, []);
    const store = new StreamStore();
    const notices: string[] = [];
    const computed: boolean[] = [];
    const streamed = await once(100, store, notices, undefined, computed);
    assert.deepEqual(computed, [false]);
    assert.deepEqual(notices, ['the layers up to gap are frozen: computing their output once per sample (26 samples, 624 B, more than the budget: streamed from the data cache); the epochs train only the layers after it']);
    assert.deepEqual(store.batchRows, [8, 8, 4, 6]);
    assert.equal(streamed.result.status, 'completed');
    assert.deepEqual(streamed.result.history.map(({ seconds: _, ...m }) => m), inMemory.result.history.map(({ seconds: _, ...m }) => m));
    assert.deepEqual(streamed.params, inMemory.params);
    const again: string[] = [];
    const cached: boolean[] = [];
    const back = await once(100, store, again, undefined, cached);
    assert.match(again[0]!, /their outputs for 26 samples come from the data cache \(624 B, more than the budget: streamed from the data cache\)/);
    assert.deepEqual(cached, [true]);
    assert.deepEqual(back.params, inMemory.params);
  });

  it('stopped while computing: stopped, nothing stored; a store that cannot stream, or none, runs the backbone every step', async () => {
    const store = new StreamStore();
    let asked = 0;
    const stopped = await once(100, store, [], () => ++asked > 2);
    assert.equal(stopped.result.status, 'stopped');
    assert.deepEqual(store.held.size, 0);
    const notices: string[] = [];
    const plain = { read: async () => false, write: async () => undefined };
    await once(100, plain, notices);
    await once(100, undefined, notices);
    const fallback = 'the layers up to gap are frozen, but their outputs for 26 samples would take 624 B (more than 100 B): they run every step';
    assert.deepEqual(notices, [fallback, fallback]);
  });
});
