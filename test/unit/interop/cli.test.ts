// `cnn export` and `cnn import` end to end through the CLI's main, in a temporary folder.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { decodeSafetensors, encodeWeights, loadWeightsInto } from '../../../src/engine/weights';
import { encodeModel, intAttr, valueInfo } from '../../../src/interop/onnx/proto';
import { parseModelText } from '../../../src/model/parse';
import { engineOutput, networkOf, ortOutput, randomInput, rngFor, ROOT, trainSteps } from './helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn export / cnn import', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the trained LeNet-5 beside the model, and imports it back with the same weights', async () => {
    copyFileSync(join(ROOT, 'examples', 'lenet5.cnn.json'), join(dir, 'lenet5.cnn.json'));
    const trained = parseModelText(readFileSync(join(dir, 'lenet5.cnn.json'), 'utf8')).model!;
    const trainedNet = networkOf(trained);
    trainSteps(trainedNet, trained, rngFor(3));
    writeFileSync(join(dir, 'lenet5.safetensors'), encodeWeights(trained, trainedNet.params));
    const r = await cnn('export', join(dir, 'lenet5.cnn.json'), '--format', 'onnx');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.match(r.out, /wrote .*lenet5\.onnx \(ONNX opset 17, .*\): input "input" \[N, 28, 28, 1\] \(NHWC\), 61,706 parameters, trained weights from lenet5\.safetensors/);
    const onnxFile = join(dir, 'lenet5.onnx');
    // The .onnx predicts what the trained model predicts.
    const model = parseModelText(readFileSync(join(dir, 'lenet5.cnn.json'), 'utf8')).model!;
    const net = networkOf(model);
    loadWeightsInto(model, net.params, decodeSafetensors(readFileSync(join(dir, 'lenet5.safetensors'))));
    const x = randomInput(model, 2, rngFor(1));
    const theirs = await ortOutput(readFileSync(onnxFile), x, [2, 28, 28, 1]);
    const ours = engineOutput(net, model, x, 2);
    assert.ok(ours.every((v, i) => Math.abs(v - theirs.data[i]!) <= 1e-4));

    const imported = join(dir, 'back.cnn.json');
    const i = await cnn('import', onnxFile, '-o', imported);
    assert.equal(i.code, 0, i.err);
    assert.match(i.out, /wrote .*back\.cnn\.json \(8 layers; 61,706 parameters: 61,706 trainable, 0 non-trainable\) and .*back\.safetensors/);
    const back = parseModelText(readFileSync(imported, 'utf8'));
    assert.deepEqual(back.diagnostics, []);
    assert.deepEqual(back.model!.layers, model.layers);
    const a = decodeSafetensors(readFileSync(join(dir, 'lenet5.safetensors')));
    const b = decodeSafetensors(readFileSync(join(dir, 'back.safetensors')));
    assert.deepEqual(b.tensors.map((t) => [t.name, t.shape, t.data]), a.tensors.map((t) => [t.name, t.shape, t.data]));
    assert.equal(b.metadata.fingerprint, a.metadata.fingerprint);
    // The imported model is a model like any other.
    const s = await cnn('summary', imported);
    assert.equal(s.code, 0);
    assert.match(s.out, /Total params: 61,706/);

    // Existing files are kept unless --force.
    const again = await cnn('import', onnxFile, '-o', imported);
    assert.equal(again.code, 1);
    assert.match(again.err, /back\.cnn\.json exists: choose another -o or pass --force/);
    assert.equal((await cnn('import', onnxFile, '-o', imported, '--force')).code, 0);
  });

  it('imports with an input convention in front (--preprocess): weights keep their names, and the model computes (x − mean) / std first', async () => {
    copyFileSync(join(ROOT, 'examples/vgg-cifar.cnn.json'), join(dir, 'vgg.cnn.json'));
    const onnxFile = join(dir, 'vgg.onnx');
    assert.equal((await cnn('export', join(dir, 'vgg.cnn.json'), '--format', 'onnx', '-o', onnxFile)).code, 0);
    const plain = join(dir, 'plain.cnn.json');
    const pre = join(dir, 'pre.cnn.json');
    assert.equal((await cnn('import', onnxFile, '-o', plain)).code, 0);
    const r = await cnn('import', onnxFile, '-o', pre, '--preprocess', 'imagenet');
    assert.equal(r.code, 0, r.err);
    const a = parseModelText(readFileSync(plain, 'utf8')).model!;
    const b = parseModelText(readFileSync(pre, 'utf8')).model!;
    assert.deepEqual(b.layers[0], { type: 'normalization', name: 'preprocess', mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] });
    assert.equal(b.layers.length, a.layers.length + 1);
    const names = (path: string): string[] => decodeSafetensors(readFileSync(path)).tensors.map((t) => t.name);
    assert.deepEqual(names(join(dir, 'pre.safetensors')), names(join(dir, 'plain.safetensors')));
    // The same network on the normalised image.
    const netA = networkOf(a);
    const netB = networkOf(b);
    loadWeightsInto(a, netA.params, decodeSafetensors(readFileSync(join(dir, 'plain.safetensors'))));
    loadWeightsInto(b, netB.params, decodeSafetensors(readFileSync(join(dir, 'pre.safetensors'))));
    const x = randomInput(b, 2, rngFor(4));
    const std = [0.229, 0.224, 0.225];
    const mean = [0.485, 0.456, 0.406];
    const normalised = x.map((v, i) => (v - mean[i % 3]!) / Math.sqrt(Number((std[i % 3]! ** 2).toPrecision(6))));
    const ya = engineOutput(netA, a, normalised, 2);
    const yb = engineOutput(netB, b, x, 2);
    yb.forEach((v, i) => assert.ok(Math.abs(v - ya[i]!) <= 1e-5, `${i}: ${v} vs ${ya[i]}`));
    const bad = await cnn('import', onnxFile, '-o', join(dir, 'x.cnn.json'), '--preprocess', 'caffe');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--preprocess must be one of 0-1, -1-1, imagenet \(got "caffe"\)/);
  });

  it('exports the initial weights of the seed when there are no trained ones, and says so; -o names the file', async () => {
    copyFileSync(join(ROOT, 'examples/vgg-cifar.cnn.json'), join(dir, 'vgg.cnn.json'));
    const out = join(dir, 'sub.onnx');
    const r = await cnn('export', join(dir, 'vgg.cnn.json'), '--format', 'onnx', '-o', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /vgg\.cnn\.json: no trained weights \(vgg\.safetensors\): exporting the initial weights of seed 1/);
    assert.match(r.out, /initial weights \(seed 1\)/);
    assert.ok(existsSync(out));
  });

  it('refuses other formats, listing what is supported, and a missing --format', async () => {
    const model = join(ROOT, 'examples/lenet5.cnn.json');
    const r = await cnn('export', model, '--format', 'tflite');
    assert.equal(r.code, 2);
    assert.equal(r.err, 'cnn export: --format tflite is not supported; supported: onnx, pytorch, keras');
    const m = await cnn('export', model);
    assert.equal(m.code, 2);
    assert.equal(m.err, 'cnn export: --format is required: onnx, pytorch, keras');
    const help = await cnn('export', '--help');
    assert.match(help.out, /usage: cnn export <model\.cnn\.json> \[--format FORMAT\] \[-o PATH\]/);
    assert.match(help.out, /-o, --output PATH/);
  });

  it('refuses in one line a Keras export of what Keras cannot say (ceil mode), and writes nothing', async () => {
    const model = { format: 'cnn-studio/model@1', name: 'ceil', input: { shape: [8, 8, 1] }, layers: [{ type: 'maxPool2d', name: 'pool', poolSize: 3, strides: 2, ceilMode: true }] };
    writeFileSync(join(dir, 'ceil.cnn.json'), JSON.stringify(model));
    const out = join(dir, 'ceil_keras.py');
    const r = await cnn('export', join(dir, 'ceil.cnn.json'), '--format', 'keras', '-o', out);
    assert.equal(r.code, 1);
    assert.equal(r.err, `${join(dir, 'ceil.cnn.json')}: layer "pool" (maxPool2d) cannot be written in Keras: ceilMode adds a last partial window, and Keras pools round down`);
    assert.ok(!existsSync(out));
    // PyTorch and ONNX say it.
    assert.equal((await cnn('export', join(dir, 'ceil.cnn.json'), '--format', 'onnx')).code, 0);
  });

  it('lists the unsupported operators of a file and writes nothing', async () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [
          { opType: 'LRN', name: 'norm', input: ['x'], output: ['n'], attribute: [intAttr('size', 3)] },
          { opType: 'Relu', name: 'relu', input: ['n'], output: ['r'] },
          { opType: 'Resize', name: 'up', input: ['r'], output: ['y'] },
        ],
        input: [valueInfo('x', ['N', 3, 8, 8])],
        output: [valueInfo('y', ['N', 3, 16, 16])],
      },
    });
    const file = join(dir, 'odd.onnx');
    writeFileSync(file, bytes);
    const r = await cnn('import', file);
    assert.equal(r.code, 1);
    assert.equal(r.err, [
      `${file}: cannot import (2 problems); nothing was written:`,
      '  LRN (node "norm"): operator LRN is not supported',
      '  Resize (node "up"): operator Resize is not supported',
    ].join('\n'));
    assert.ok(!existsSync(join(dir, 'odd.cnn.json')));
    assert.ok(!existsSync(join(dir, 'odd.safetensors')));
  });
});
