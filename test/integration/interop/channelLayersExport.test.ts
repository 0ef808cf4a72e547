// Exports of multiply, layerNormalization and channelSlice beyond the registry templates (which the per-type cases
// cover): a flat [c] gate and a [1, 1, c] gate against an image, three factors, layer norms without center or
// scale, a slice from the middle. ONNX Runtime runs the .onnx file, PyTorch the model.py: both give the engine's
// outputs to 1e-4; the .onnx file imports back as the same layers. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFingerprint, encodeWeights } from '../../../src/engine/weights';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx } from '../../../src/interop/onnx/import';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { className } from '../../../src/interop/pytorch/modelPy';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Layer, type Model } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, engineOutput, maxAbsDiff, networkOf, ortOutput, randomInput, randomizeWeights, ROOT, rngFor, weightsOf } from '../../unit/interop/helpers';

const N = 2;

const model = (name: string, shape: [number, number, number], layers: Layer[]): Model => ({ format: MODEL_FORMAT, name, input: { shape }, layers });

const MODELS: readonly Model[] = [
  model('flat_gate', [5, 4, 3], [
    { type: 'conv2d', name: 'c', filters: 6, kernelSize: 3, padding: 'same' },
    { type: 'globalAvgPool2d', name: 'squeeze' },
    { type: 'dense', name: 'excite', units: 6, activation: 'sigmoid' },
    { type: 'multiply', name: 'gated', inputs: ['c', 'excite'] },
    { type: 'layerNormalization', name: 'ln', center: false, epsilon: 1e-5 },
    { type: 'channelSlice', name: 'middle', start: 1, end: 4 },
    { type: 'flatten' },
    { type: 'dense', units: 4, activation: 'softmax' },
  ]),
  model('pooled_gate', [6, 6, 2], [
    { type: 'conv2d', name: 'c', filters: 4, kernelSize: 1 },
    { type: 'avgPool2d', name: 'squeeze', poolSize: 6 },
    { type: 'conv2d', name: 'excite', filters: 4, kernelSize: 1, activation: 'sigmoid' },
    { type: 'conv2d', name: 'mask', filters: 1, kernelSize: 1, activation: 'sigmoid', inputs: ['c'] },
    { type: 'multiply', name: 'gated', inputs: ['excite', 'c', 'mask'] },
    { type: 'layerNormalization', name: 'ln', scale: false },
    { type: 'globalAvgPool2d' },
    { type: 'layerNormalization', name: 'ln_flat', center: false, scale: false },
    { type: 'channelSlice', start: 2, end: 4 },
  ]),
];

describe('export of gates, layer norms and channel slices: ONNX Runtime and PyTorch give the engine\'s outputs', function () {
  this.timeout(300_000);

  for (const [k, m] of MODELS.entries()) {
    it(`${m.name}: ONNX Runtime`, async () => {
      const analysis = analyze(m.input.shape, m.layers);
      assert.deepEqual(analysis.layers.flatMap((l) => l.errors), []);
      const net = networkOf(m, 3 + k);
      randomizeWeights(net, rngFor(30 + k));
      const x = randomInput(m, N, rngFor(40 + k));
      const bytes = exportOnnx({ model: m, analysis, weights: weightsOf(net) });
      const theirs = await ortOutput(bytes, x, [N, ...m.input.shape]);
      assert.deepEqual(theirs.dims, [N, ...analysis.outputShape!]);
      const diff = maxAbsDiff(engineOutput(net, m, x, N), theirs.data);
      assert.ok(diff <= 1e-4, `ONNX Runtime differs by ${diff}`);
      // And the file imports back as the same layers (the flat gate through its Unsqueeze).
      assert.deepEqual(importOnnx(bytes, { name: m.name }).model.layers, m.layers);
    });
  }

  it('PyTorch (model.py and the weights)', function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    const dir = mkdtempSync(join(tmpdir(), 'cnn-channel-layers-'));
    try {
      const expected = MODELS.map((m, k) => {
        const net = networkOf(m, 3 + k);
        randomizeWeights(net, rngFor(30 + k));
        const x = randomInput(m, N, rngFor(40 + k));
        const at = join(dir, m.name);
        mkdirSync(at);
        const code = exportPytorch({ model: m, analysis: analyze(m.input.shape, m.layers), fingerprint: architectureFingerprint(m), modelFile: `${m.name}.cnn.json`, modelDir: '..', weightsSource: 'test weights' });
        writeFileSync(join(at, 'model.py'), code.modelPy);
        writeFileSync(join(at, 'weights.safetensors'), encodeWeights(m, net.params));
        writeFileSync(join(at, 'input.bin'), x);
        writeFileSync(join(at, 'case.json'), JSON.stringify({ class: className(m.name), n: N, shape: m.input.shape }));
        return engineOutput(net, m, x, N);
      });
      const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/interop/pytorch_runner.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, OMP_NUM_THREADS: '1' } });
      assert.equal(r.status, 0, r.stderr);
      MODELS.forEach((m, k) => {
        const b = readFileSync(join(dir, m.name, 'output.bin'));
        const theirs = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        const diff = maxAbsDiff(expected[k]!, theirs);
        assert.ok(diff <= 1e-4, `${m.name}: PyTorch differs by ${diff}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
