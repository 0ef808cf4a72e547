import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wf from '../../../src/node/checkpoint/weightsFile';
import { buildNetwork } from '../../../src/engine/network';
import { parseModelText } from '../../../src/model/parse';
import { createRng } from '../../../src/engine/rng';
import { assertClose, randomTensor } from './helpers';
import { paramsToTf, tf, tfModel, toTf, useCpu } from './tfRef';
import type { Param } from '../../../src/engine/layer';
import type { Model } from '../../../src/model/types';
import {
  architectureFingerprint,
  decodeSafetensors,
  encodeSafetensors,
  encodeWeights,
  loadWeightsInto,
  weightsClasses,
  WeightsError,
} from '../../../src/engine/weights';

const model: Model = {
  format: 'cnn-studio/model@1',
  name: 'tiny',
  input: { shape: [4, 4, 1] },
  layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }],
};

function params(): Param[] {
  const mk = (name: string, shape: number[], fill: (i: number) => number, trainable = true): Param => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, value: Float32Array.from({ length: n }, (_, i) => fill(i)), grad: new Float32Array(trainable ? n : 0), trainable };
  };
  return [mk('conv2d_0.kernel', [3, 3, 1, 2], (i) => i / 7), mk('conv2d_0.bias', [2], (i) => -i), mk('dense_2.kernel', [8, 3], (i) => Math.sin(i))];
}

describe('safetensors', () => {
  it('round-trips tensors and metadata', () => {
    const tensors = [
      { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
      { name: 'b.ü', shape: [1], data: Float32Array.from([-0.25]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ];
    const back = decodeSafetensors(encodeSafetensors(tensors, { format: 'x', note: 'héllo ✓' }));
    assert.deepEqual(back.metadata, { format: 'x', note: 'héllo ✓' });
    assert.deepEqual(
      back.tensors.map((t) => [t.name, t.shape, [...t.data]]),
      tensors.map((t) => [t.name, t.shape, [...t.data]]),
    );
  });

  it('writes the documented byte layout: u64 LE header length, JSON header padded to 8, LE float32 data', () => {
    const bytes = encodeSafetensors([{ name: 'w', shape: [2], data: Float32Array.from([1, -2]) }], { format: 'f' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    assert.deepEqual(header, { __metadata__: { format: 'f' }, w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    assert.equal(bytes.length, 8 + n + 8);
    assert.equal(view.getFloat32(8 + n, true), 1);
    assert.equal(view.getFloat32(8 + n + 4, true), -2);
    // Padding is spaces, which JSON parsers ignore (as the safetensors spec allows).
    assert.match(Buffer.from(bytes.subarray(8, 8 + n)).toString('latin1'), /^\{.*\} *$/);
  });

  it('decodes from an unaligned view (Node Buffers share a pool)', () => {
    const bytes = encodeSafetensors([{ name: 'w', shape: [3], data: Float32Array.from([1, 2, 3]) }]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    assert.deepEqual([...decodeSafetensors(shifted.subarray(1)).tensors[0].data], [1, 2, 3]);
  });

  it('reports corrupt files clearly', () => {
    const good = encodeSafetensors([{ name: 'w', shape: [4], data: new Float32Array(4) }]);
    assert.throws(() => decodeSafetensors(new Uint8Array(3)), /not a valid safetensors file: only 3 bytes/);
    assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4)), /outside the 12 data bytes \(truncated file\?\)/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    assert.throws(() => decodeSafetensors(huge), /header length \d+ exceeds the file size/);
    const garbled = good.slice();
    garbled[8] = 0x5b; // '[' instead of '{'
    assert.throws(() => decodeSafetensors(garbled), WeightsError);
    const f16 = new TextEncoder().encode('{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}');
    const withF16 = new Uint8Array(8 + f16.length + 4);
    new DataView(withF16.buffer).setBigUint64(0, BigInt(f16.length), true);
    withF16.set(f16, 8);
    assert.throws(() => decodeSafetensors(withF16), /dtype F16; only F32/);
  });
});

describe('weights', () => {
  it('saves every param with format, model name and fingerprint metadata', () => {
    const file = decodeSafetensors(encodeWeights(model, params()));
    assert.deepEqual(file.metadata, { format: 'cnn-studio/weights@1', model: 'tiny', fingerprint: architectureFingerprint(model) });
    assert.deepEqual(file.tensors.map((t) => t.name), ['conv2d_0.kernel', 'conv2d_0.bias', 'dense_2.kernel']);
    const into = params().map((p) => ({ ...p, value: new Float32Array(p.value.length) }));
    loadWeightsInto(model, into, file);
    assert.deepEqual(into.map((p) => [...p.value]), params().map((p) => [...p.value]));
  });

  it('fingerprint ignores training settings, key order and explicit defaults, not the layers', () => {
    const fp = architectureFingerprint(model);
    assert.match(fp, /^[0-9a-f]{16}$/);
    const same: Model = {
      ...model,
      training: { epochs: 3 },
      layers: [{ kernelSize: 3, filters: 2, type: 'conv2d', padding: 'valid' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }],
    };
    assert.equal(architectureFingerprint(same), fp);
    const other: Model = { ...model, layers: [model.layers[0], model.layers[1], { type: 'dense', units: 3, activation: 'sigmoid' }] };
    assert.notEqual(architectureFingerprint(other), fp);
  });

  it('fingerprint ignores training-only layer fields (dropout rate, batch-norm momentum)', () => {
    const withDropout = (rate: number, momentum: number): Model => ({
      ...model,
      layers: [model.layers[0], { type: 'batchNorm', momentum }, { type: 'dropout', rate }, ...model.layers.slice(1)],
    });
    assert.equal(architectureFingerprint(withDropout(0.5, 0.99)), architectureFingerprint(withDropout(0.2, 0.9)));
    assert.notEqual(architectureFingerprint(withDropout(0.5, 0.99)), architectureFingerprint(model));
  });

  it('a frozen layer keeps the fingerprint: weights trained unfrozen load into the frozen network, and back', () => {
    const frozen: Model = { ...model, layers: [{ ...model.layers[0]!, trainable: false }, model.layers[1]!, model.layers[2]!] };
    assert.equal(architectureFingerprint(frozen), architectureFingerprint(model));
    const trained = buildNetwork(model, parseModelText(JSON.stringify(model)).analysis!, 3);
    const net = buildNetwork(frozen, parseModelText(JSON.stringify(frozen)).analysis!, 4);
    assert.deepEqual(net.params.map((p) => p.trainable), [false, false, true, true]);
    loadWeightsInto(frozen, net.params, decodeSafetensors(encodeWeights(model, trained.params)));
    net.params.forEach((p, i) => assert.deepEqual(p.value, trained.params[i]!.value, p.name));
    // Saved from the frozen network (frozen weights included), loaded by the unfrozen model.
    const back = buildNetwork(model, parseModelText(JSON.stringify(model)).analysis!, 5);
    loadWeightsInto(model, back.params, decodeSafetensors(encodeWeights(frozen, net.params)));
    back.params.forEach((p, i) => assert.deepEqual(p.value, trained.params[i]!.value, p.name));
  });

  it('names every missing, unexpected and mis-shaped tensor, leaving params untouched', () => {
    const file = decodeSafetensors(encodeWeights(model, params()));
    const target: Param[] = [
      { name: 'conv2d_0.kernel', shape: [3, 3, 1, 4], value: new Float32Array(36), grad: new Float32Array(36), trainable: true },
      { name: 'dense_9.kernel', shape: [8, 3], value: new Float32Array(24), grad: new Float32Array(24), trainable: true },
    ];
    assert.throws(
      () => loadWeightsInto(model, target, file),
      (e: Error) => {
        assert.ok(e instanceof WeightsError);
        assert.match(e.message, /"conv2d_0\.kernel" has shape \[3, 3, 1, 2\] in the file, the model needs \[3, 3, 1, 4\]/);
        assert.match(e.message, /missing tensor "dense_9\.kernel" \[8, 3\]/);
        assert.match(e.message, /unexpected tensor "conv2d_0\.bias" \[2\]/);
        assert.match(e.message, /unexpected tensor "dense_2\.kernel"/);
        return true;
      },
    );
    assert.ok(target.every((p) => p.value.every((v) => v === 0)));
  });

  it('refuses weights of a changed architecture even when the shapes still fit', () => {
    const file = decodeSafetensors(encodeWeights(model, params()));
    const changed: Model = { ...model, layers: [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu' }, ...model.layers.slice(1)] };
    assert.throws(() => loadWeightsInto(changed, params(), file), /the layers changed since these weights were saved for "tiny" \(architecture fingerprint [0-9a-f]+, now [0-9a-f]+\)/);
  });
});

describe('checkpoints of chain models from before graph models', () => {
  // test/fixtures/chain-checkpoint: a chain model and its weights after 3 Adam steps, written by the engine as
  // committed before graph models (2dc4cbe), with that commit's code.
  const dir = join(__dirname, '../../fixtures/chain-checkpoint');
  const parsed = parseModelText(readFileSync(join(dir, 'chain.cnn.json'), 'utf8'));
  const file = decodeSafetensors(readFileSync(join(dir, 'chain.safetensors')));
  before(useCpu);

  it('load into the network of today: same tensor names and fingerprint; it computes what tfjs-core does', () => {
    const model = parsed.model!;
    assert.equal(file.metadata.fingerprint, '2705c94cb8e9f6af');
    assert.equal(architectureFingerprint(model), file.metadata.fingerprint);
    const net = buildNetwork(model, parsed.analysis!, 99);
    assert.deepEqual(net.params.map((p) => p.name), file.tensors.map((t) => t.name));
    loadWeightsInto(model, net.params, file);
    net.params.forEach((p, i) => assert.deepEqual(p.value, file.tensors[i]!.data, p.name));
    const x = randomTensor([4, 8, 8, 2], createRng(11));
    const y = net.forward(x, false).data.slice();
    tf.tidy(() => assertClose(y, tfModel(parsed.analysis!.layers, paramsToTf(net.params), toTf(x), false).dataSync(), 1e-5, 'outputs'));
  });
});

describe('weights files (Node I/O)', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cnn-weights-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checkpoints weights, optimizer state and train.json beside the model, atomically', async () => {
    const modelPath = join(dir, 'tiny.cnn.json');
    assert.equal(wf.weightsPath(modelPath), join(dir, 'tiny.safetensors'));
    assert.equal(await wf.readWeights(modelPath), undefined);
    const ps = params();
    const saved = await wf.saveCheckpoint(modelPath, {
      model,
      params: ps,
      optimizer: { type: 'sgd', step: 4, slots: { 'dense_2.kernel.velocity': new Float32Array(24).fill(0.5) } },
      classes: ['a', 'b', 'c'],
      state: {
        epoch: 1,
        epochs: 3,
        status: 'running',
        seed: 1,
        data: { train: 'x' },
        history: [{ epoch: 1, learningRate: 0.01, trainLoss: 0.5, trainAccuracy: 0.8, seconds: 1 }],
        startedAt: 'now',
      },
    });
    assert.deepEqual(readdirSync(dir).sort(), ['tiny.optimizer.safetensors', 'tiny.safetensors', 'tiny.train.json']);
    const back = await wf.readTrainState(modelPath);
    assert.deepEqual(back, saved);
    assert.equal(back?.fingerprint, architectureFingerprint(model));
    assert.match(saved.checkpoint, /^[0-9a-f]{16}$/);
    const w = await wf.readWeights(modelPath);
    assert.ok(w);
    assert.deepEqual(weightsClasses(w), ['a', 'b', 'c']);
    assert.deepEqual([...w.tensors[2].data], [...ps[2].value]);
    const opt = await wf.readOptimizerState(modelPath);
    assert.equal(opt?.state.step, 4);
    assert.equal(opt?.state.slots['dense_2.kernel.velocity'][3], 0.5);
    await wf.writeFileAtomic(join(dir, 'tiny.train.json'), 'not json');
    await assert.rejects(wf.readTrainState(modelPath), /tiny\.train\.json is not valid JSON/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});
