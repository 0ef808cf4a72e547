// .onnx files made by PyTorch at opsets 13 and 17 with the patterns that import as multiply (a squeeze-and-excitation
// gate, a spatial mask), layerNormalization (ConvNeXt's LayerNorm2d: the LayerNormalization op at 17, its
// ReduceMean … Div decomposition at 13; a layer scale folded into the conv before it) and channelSlice
// (torch.split, x[:, a:b]): the import gives PyTorch's layers, parameter counts and outputs to 1e-4.
// Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWeightsInto } from '../../../src/engine/weights';
import { importOnnx } from '../../../src/interop/onnx/import';
import { analyze } from '../../../src/model/shapes';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, engineOutput, maxAbsDiff, networkOf, ROOT } from '../../unit/interop/helpers';

/** NCHW [n, c, h, w] → NHWC [n, h, w, c]. */
function toNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++)
    for (let ch = 0; ch < c!; ch++)
      for (let y = 0; y < h!; y++) for (let xx = 0; xx < w!; xx++) out[((b * h! + y) * w! + xx) * c! + ch] = x[((b * c! + ch) * h! + y) * w! + xx]!;
  return out;
}

describe('importing PyTorch gates, layer norms and channel splits (opsets 13 and 17)', function () {
  this.timeout(180_000);
  let dir = '';

  before(function () {
    const python = debianPython(['torch']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-channels-'));
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/interop/torch_channel_models.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string[]][] = [
    ['squeeze_excite', ['conv2d', 'globalAvgPool2d', 'dense', 'relu', 'dense', 'sigmoid', 'multiply', 'conv2d', 'sigmoid', 'multiply', 'globalAvgPool2d', 'dense']],
    // The layer scale is folded into the pointwise conv: no layer of its own.
    ['layer_norms', ['conv2d', 'layerNormalization', 'conv2d', 'globalAvgPool2d', 'layerNormalization', 'dense']],
    ['channel_split', ['conv2d', 'channelSlice', 'channelSlice', 'conv2d', 'relu', 'channelSlice', 'concatenate', 'globalAvgPool2d', 'dense']],
  ];
  for (const opset of [13, 17]) {
    for (const [name, types] of cases) {
      it(`${name}, opset ${opset}: PyTorch's layers, parameter count and outputs`, () => {
        const stem = join(dir, `${name}_${opset}`);
        const reference = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as { trainable: number; input: number[] };
        const { model, tensors } = importOnnx(readFileSync(`${stem}.onnx`), { name });
        assert.deepEqual(model.layers.map((l) => l.type), types);
        const layerScale = name === 'layer_norms' ? 8 : 0;
        assert.equal(analyze(model.input.shape, model.layers).totals.trainable, reference.trainable - layerScale);
        const [n, c, h, w] = reference.input as [number, number, number, number];
        const io = readFileSync(`${stem}.io.bin`);
        const all = new Float32Array(io.buffer.slice(io.byteOffset, io.byteOffset + io.byteLength));
        const size = n * c * h * w;
        const net = networkOf(model);
        loadWeightsInto(model, net.params, { tensors, metadata: {} });
        const ours = engineOutput(net, model, toNhwc(all.slice(0, size), reference.input), n);
        const expected = all.slice(size);
        assert.equal(ours.length, expected.length);
        const diff = maxAbsDiff(ours, expected);
        assert.ok(diff <= 1e-4, `differs from PyTorch by ${diff}`);
      });
    }
  }
});
