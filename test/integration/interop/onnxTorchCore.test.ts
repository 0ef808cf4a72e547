// What torch.onnx.export writes around the layers, imported from real exports (torch_core_models.py): shape
// arithmetic for x.view(x.size(0), -1) with a dynamic batch, ReduceMean over height and width, ConvNeXt's
// channels-last nn.Linear, 1×1 convs on a pooled tensor, torch.cat of one tensor; at opsets 13 and 17, batch norm
// folded and kept, and without constant folding (weights through Transpose nodes). Each predicts what PyTorch
// predicts and counts PyTorch's parameters. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a
// failure.
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
import { toNhwc } from '../../unit/interop/onnxHand';

describe('importing what torch.onnx.export writes around the layers', function () {
  this.timeout(180_000);
  let dir = '';

  before(function () {
    const python = debianPython(['torch']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-core-'));
    const r = spawnSync('/usr/bin/python3', [join(ROOT, 'test/integration/interop/torch_core_models.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const opset of [13, 17]) {
    for (const bn of ['folded', 'kept', 'unfolded'] as const) {
      it(`opset ${opset}, ${bn === 'unfolded' ? 'no constant folding' : `batch norm ${bn}`}: PyTorch's layers, names, parameter count and predictions`, () => {
        const reference = JSON.parse(readFileSync(join(dir, 'core.json'), 'utf8')) as { trainable: number; nonTrainable: number; input: number[] };
        const { model, tensors } = importOnnx(readFileSync(join(dir, `core-o${opset}-${bn}.onnx`)), { name: 'core' });
        const stem = bn === 'kept' ? [['conv2d', 'stem.0'], ['batchNorm', 'stem.1'], ['relu', 'stem.2']] : [['conv2d', 'stem.0'], ['relu', 'stem.2']];
        // ImageNet's (x - mean) / std on the input: one normalization layer, the variance std² to 7 digits.
        const [norm] = model.layers;
        assert.deepEqual(norm && { ...norm, name: undefined }, { type: 'normalization', name: undefined, mean: [0.485, 0.456, 0.406], variance: [0.052441, 0.050176, 0.050625] });
        assert.deepEqual(model.layers.slice(1).map((l) => [l.type, l.name ?? '']).filter(([t]) => t !== 'add' && t !== 'flatten' && t !== 'globalAvgPool2d'), [
          ...stem, ['conv2d', 'block.0'], ['relu', 'block.1'], ['conv2d', 'block.2'], ['dense', 'se.0'], ['relu', 'se.1'], ['dense', 'se.2'], ['maxPool2d', 'pool'], ['dense', 'fc'], ['dense', 'fc2'],
        ]);
        assert.equal(model.layers.filter((l) => l.type === 'globalAvgPool2d').length, 2);
        const totals = analyze(model.input.shape, model.layers).totals;
        if (bn === 'kept') {
          assert.equal(totals.trainable, reference.trainable);
          assert.equal(totals.nonTrainable, reference.nonTrainable);
        } else {
          // Folded: batch norm's 16 affine parameters are in the conv's weights and bias, its statistics gone.
          assert.equal(totals.trainable, reference.trainable - 16);
          assert.equal(totals.nonTrainable, 0);
        }
        const io = readFileSync(join(dir, 'core.io.bin'));
        const all = new Float32Array(io.buffer.slice(io.byteOffset, io.byteOffset + io.byteLength));
        const [n, c, h, w] = reference.input as [number, number, number, number];
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
