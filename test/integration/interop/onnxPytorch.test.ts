// An .onnx file made by PyTorch (Debian's python3-torch: torch.onnx.export, opset 17) imports, shows the parameter
// counts PyTorch reports (batch-norm running statistics as non-trainable, as Keras counts them), and predicts what
// PyTorch predicts. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
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

describe('importing .onnx files made by PyTorch', function () {
  this.timeout(180_000);
  let dir = '';

  before(function () {
    const python = debianPython(['torch']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-torch-'));
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/interop/torch_models.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, string[]][] = [
    ['small_cnn', 'conv, batch norm, relu, max pool, flatten, linear', ['conv2d', 'batchNorm', 'relu', 'maxPool2d', 'conv2d', 'batchNorm', 'relu', 'maxPool2d', 'flatten', 'dense', 'relu', 'dense']],
    ['residual_cnn', 'an add shortcut, ReLU6, SiLU, a depthwise conv, global pooling, softmax', [
      'conv2d', 'batchNorm', 'relu6', 'conv2d', 'batchNorm', 'swish', 'conv2d', 'batchNorm', 'add', 'relu', 'depthwiseConv2d', 'tanh', 'globalAvgPool2d', 'dense', 'softmax',
    ]],
    // PyTorch's exporter writes a counted average's padding as a Pad node before it.
    ['pool_cnn', "PyTorch's pooling windows: padding, ceil_mode, dilation, count_include_pad", ['conv2d', 'relu', 'maxPool2d', 'maxPool2d', 'maxPool2d', 'zeroPadding2D', 'avgPool2d', 'avgPool2d', 'flatten', 'dense']],
    ['grouped_cnn', 'grouped convolutions (nn.Conv2d groups) in a ResNeXt-like block, a strided grouped conv', [
      'conv2d', 'batchNorm', 'relu', 'conv2d', 'batchNorm', 'relu', 'conv2d', 'batchNorm', 'add', 'relu', 'conv2d', 'tanh', 'globalAvgPool2d', 'dense',
    ]],
    ...(['13', '17'] as const).map((opset): [string, string, string[]] => [
      `acts_cnn_${opset}`, `opset ${opset}: GELU (nn.GELU and written out), Hardsigmoid, a channel shuffle, global pooling kept 1×1 for a 1×1 conv`,
      ['conv2d', 'gelu', 'channelShuffle', 'conv2d', 'gelu', 'hardSigmoid', 'globalAvgPool2d', 'conv2d', 'relu', 'flatten', 'dense'],
    ]),
  ];
  for (const [name, what, types] of cases) {
    it(`${name} (${what}): PyTorch's parameter count and predictions`, () => {
      const reference = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { trainable: number; nonTrainable: number; input: number[] };
      const { model, tensors, notes } = importOnnx(readFileSync(join(dir, `${name}.onnx`)), { name });
      assert.deepEqual(model.layers.map((l) => l.type), types);
      if (name.startsWith('acts_cnn')) {
        // The shuffle's groups, PyTorch's slope 1/6 kept exact (the default: no field), the pool kept 1×1.
        assert.deepEqual(model.layers.filter((l) => l.type === 'channelShuffle' || l.type === 'hardSigmoid' || l.type === 'globalAvgPool2d').map(({ name: _, ...l }) => l),
          [{ type: 'channelShuffle', groups: 2 }, { type: 'hardSigmoid' }, { type: 'globalAvgPool2d', keepDims: true }]);
      }
      const [n, c, h, w] = reference.input as [number, number, number, number];
      assert.deepEqual(model.input.shape, [h, w, c]);
      assert.match(notes.join('\n'), new RegExp(`NCHW \\[N, ${c}, ${h}, ${w}\\]`));
      const totals = analyze(model.input.shape, model.layers).totals;
      assert.equal(totals.trainable, reference.trainable);
      assert.equal(totals.nonTrainable, reference.nonTrainable);
      const io = readFileSync(join(dir, `${name}.io.bin`));
      const all = new Float32Array(io.buffer.slice(io.byteOffset, io.byteOffset + io.byteLength));
      const size = n * c * h * w;
      const x = all.slice(0, size);
      const expected = all.slice(size);
      const net = networkOf(model);
      loadWeightsInto(model, net.params, { tensors, metadata: {} });
      const ours = engineOutput(net, model, toNhwc(x, reference.input), n);
      assert.equal(ours.length, expected.length);
      const diff = maxAbsDiff(ours, expected);
      assert.ok(diff <= 1e-4, `differs from PyTorch by ${diff}`);
    });
  }
});
