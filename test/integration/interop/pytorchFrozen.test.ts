// Frozen layers against PyTorch: the exported model.py of a model with frozen layers (a conv, a batch norm, a dense
// between trainable ones), in train mode, one torch.optim.SGD step on the same batch, gives the engine's updated
// weights: the trainable ones to 1e-5 of their scale, the frozen ones (batch norm's running statistics too)
// unchanged, bit for bit. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer } from '../../../src/engine/optimizers';
import { architectureFingerprint, decodeSafetensors, encodeWeights } from '../../../src/engine/weights';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { className } from '../../../src/interop/pytorch/modelPy';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, networkOf, randomInput, randomizeWeights, rngFor } from '../../unit/interop/helpers';

const MODEL: Model = {
  format: MODEL_FORMAT,
  name: 'frozen',
  input: { shape: [6, 6, 2] },
  layers: [
    { type: 'conv2d', name: 'first', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' },
    { type: 'conv2d', name: 'mid', filters: 4, kernelSize: 3, activation: 'relu', trainable: false },
    { type: 'batchNorm', name: 'bn', trainable: false },
    { type: 'flatten' },
    { type: 'dense', name: 'hidden', units: 5, activation: 'tanh', trainable: false },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ],
};
const N = 4;
const byName = (bytes: Uint8Array): Map<string, Float32Array> => new Map(decodeSafetensors(bytes).tensors.map((t) => [t.name, Float32Array.from(t.data)]));
const LR = 0.1;

const SCRIPT = `
import importlib.util, json, sys
import numpy as np, torch
import torch.nn.functional as F
torch.set_num_threads(1)
root = sys.argv[1]
spec = importlib.util.spec_from_file_location("exported", root + "/model.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
meta = json.load(open(root + "/case.json"))
model = getattr(module, meta["class"])()
model.load_weights(root + "/weights.safetensors")
model.train()
h, w, c = meta["shape"]
x = torch.from_numpy(np.fromfile(root + "/input.bin", dtype="<f4").reshape(meta["n"], h, w, c)).permute(0, 3, 1, 2).contiguous()
y = torch.tensor(meta["labels"], dtype=torch.long)
trained = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.SGD(model.parameters(), lr=meta["lr"])
optimizer.zero_grad()
F.cross_entropy(model(x, logits=True), y).backward()
optimizer.step()
model.save_weights(root + "/after.safetensors")
print(json.dumps({"trained": len(trained), "frozen_bn_eval": not model.bn.training}))
`;

describe('frozen layers: one SGD step in PyTorch (exported model.py) and in the engine', function () {
  this.timeout(300_000);
  let dir = '';
  let initial = new Map<string, Float32Array>();
  let ours = new Map<string, Float32Array>();
  let theirs = new Map<string, Float32Array>();
  let report: { trained: number; frozen_bn_eval: boolean } = { trained: 0, frozen_bn_eval: false };

  before(function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    const net = networkOf(MODEL);
    const rng = rngFor(21);
    randomizeWeights(net, rng);
    const x = randomInput(MODEL, N, rng);
    const labels = Int32Array.from([0, 2, 1, 2]);
    dir = mkdtempSync(join(tmpdir(), 'cnn-frozen-'));
    const weights = encodeWeights(MODEL, net.params);
    initial = byName(weights);
    const analysis = analyze(MODEL.input.shape, MODEL.layers);
    const code = exportPytorch({ model: MODEL, analysis, fingerprint: architectureFingerprint(MODEL), modelFile: 'frozen.cnn.json', modelDir: '..', weightsSource: 'test weights' });
    writeFileSync(join(dir, 'model.py'), code.modelPy);
    writeFileSync(join(dir, 'weights.safetensors'), weights);
    writeFileSync(join(dir, 'input.bin'), x);
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ class: className(MODEL.name), n: N, shape: MODEL.input.shape, labels: [...labels], lr: LR }));
    writeFileSync(join(dir, 'step.py'), SCRIPT);
    const r = spawnSync('/usr/bin/python3', [join(dir, 'step.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    report = JSON.parse(r.stdout) as typeof report;
    theirs = byName(readFileSync(join(dir, 'after.safetensors')));
    const optimizer = createOptimizer({ type: 'sgd', learningRate: LR }, net.params);
    net.zeroGrads();
    net.trainBatch({ shape: [N, ...MODEL.input.shape], data: x }, labels, 'sparseCategoricalCrossentropy');
    optimizer.step();
    ours = new Map(net.params.map((p) => [p.name, Float32Array.from(p.value)]));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('model.py freezes the same parameters and keeps the frozen batch norm in eval mode while training', () => {
    assert.equal(report.trained, 4, 'first.kernel, first.bias, out.kernel, out.bias');
    assert.equal(report.frozen_bn_eval, true);
    const text = readFileSync(join(dir, 'model.py'), 'utf8');
    assert.match(text, /self\.mid\.requires_grad_\(False\)\n\s+self\.bn\.requires_grad_\(False\)\n\s+self\.hidden\.requires_grad_\(False\)/);
  });

  it('gives the engine\'s updated weights; frozen ones stay exactly as they were', () => {
    assert.deepEqual([...theirs.keys()].sort(), [...ours.keys()].sort());
    for (const [name, mine] of ours) {
      const t = theirs.get(name)!;
      const was = initial.get(name)!;
      const frozen = /^(mid|bn|hidden)\./.test(name);
      if (frozen) {
        assert.deepEqual(mine, was, `${name}: the engine left it`);
        assert.deepEqual(t, was, `${name}: PyTorch left it`);
        continue;
      }
      assert.ok(mine.some((v, i) => v !== was[i]), `${name} trains`);
      const scale = Math.max(...Array.from(was, Math.abs), 1e-3);
      mine.forEach((v, i) => assert.ok(Math.abs(v - t[i]!) <= 1e-5 * scale + 1e-7, `${name}[${i}]: engine ${v}, PyTorch ${t[i]}`));
    }
  });
});
