// Learning-rate multipliers against PyTorch: for each optimizer, the exported train.py's own machinery
// (param_groups, set_learning_rate, StudioOptimizer, its OPTIMIZER constant and clip_grad_norm_) takes two steps on
// the exported model.py, the rate changing between them as a schedule does, and gives the engine's weights: each
// layer at the rate × its multiplier (0.1, 0, 2.5, and 1 for the head), to 1e-5 of their scale; the layer at 0
// unchanged, bit for bit. Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer } from '../../../src/engine/optimizers';
import { architectureFingerprint, decodeSafetensors, encodeWeights } from '../../../src/engine/weights';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { analyze } from '../../../src/model/shapes';
import { MODEL_FORMAT, type Model, type OptimizerConfig } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, networkOf, randomInput, randomizeWeights, rngFor } from '../../unit/interop/helpers';

const RATES: Record<string, number> = { backbone: 0.1, mid: 0, hidden: 2.5 };
const modelFor = (optimizer: OptimizerConfig): Model => ({
  format: MODEL_FORMAT,
  name: 'rates',
  input: { shape: [6, 6, 2] },
  // tanh, not relu: a dead relu leaves a weight's gradient to one sample's tiny activation, where Adam (|g| near ε)
  // turns the two frameworks' float32 rounding into visible differences that say nothing about the rates.
  layers: [
    { type: 'conv2d', name: 'backbone', filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', learningRateMultiplier: RATES.backbone },
    { type: 'conv2d', name: 'mid', filters: 4, kernelSize: 3, activation: 'tanh', learningRateMultiplier: RATES.mid },
    { type: 'flatten' },
    { type: 'dense', name: 'hidden', units: 5, activation: 'tanh', learningRateMultiplier: RATES.hidden },
    { type: 'dense', name: 'out', units: 3, activation: 'softmax' },
  ],
  training: { optimizer },
});
const CASES: readonly OptimizerConfig[] = [
  { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { type: 'adam', learningRate: 0.01 },
  { type: 'adamw', learningRate: 0.01, weightDecay: 0.1, clipNorm: 0.5 },
  { type: 'rmsprop', learningRate: 0.005, momentum: 0.5 },
];
/** The rate of each step, as a schedule changes it between epochs: ×1, then ×0.3. */
const SCALES = [1, 0.3];
const N = 4;
const LABELS = [[0, 2, 1, 2], [1, 1, 0, 2]];
const byName = (bytes: Uint8Array): Map<string, Float32Array> => new Map(decodeSafetensors(bytes).tensors.map((t) => [t.name, Float32Array.from(t.data)]));

const SCRIPT = `
import importlib.util, json, sys
import numpy as np, torch
import torch.nn.functional as F
torch.set_num_threads(1)
root = sys.argv[1]
meta = json.load(open(root + "/meta.json"))
report = []
for k, rates in enumerate(meta["rates"]):
    case = f"{root}/case{k}"
    sys.modules.pop("model", None)  # each case's train.py imports its own model.py (beside it)
    spec = importlib.util.spec_from_file_location(f"train{k}", case + "/train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    model = train.Model()
    model.load_weights(case + "/weights.safetensors")
    model.train()
    optimizer = train.StudioOptimizer(train.param_groups(model), train.OPTIMIZER)
    h, w, c = meta["shape"]
    for step, lr in enumerate(rates):
        train.set_learning_rate(optimizer, lr)
        x = torch.from_numpy(np.fromfile(f"{root}/input{step}.bin", dtype="<f4").reshape(meta["n"], h, w, c)).permute(0, 3, 1, 2).contiguous()
        y = torch.tensor(meta["labels"][step], dtype=torch.long)
        optimizer.zero_grad()
        F.cross_entropy(model(x, logits=True), y).backward()
        if train.OPTIMIZER["clipNorm"] is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), train.OPTIMIZER["clipNorm"])
        optimizer.step()
    model.save_weights(case + "/after.safetensors")
    report.append([[g["lr_multiplier"], g["lr"], len(g["params"])] for g in optimizer.param_groups])
print(json.dumps(report))
`;

describe('learning-rate multipliers: two steps of the exported train.py in PyTorch and of the engine', function () {
  this.timeout(300_000);
  let dir = '';
  let groups: [number, number, number][][] = [];
  const initial: Map<string, Float32Array>[] = [];
  const ours: Map<string, Float32Array>[] = [];
  const theirs: Map<string, Float32Array>[] = [];

  before(function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-rates-'));
    const rng = rngFor(31);
    const inputs = SCALES.map(() => randomInput(modelFor(CASES[0]!), N, rng));
    inputs.forEach((x, s) => writeFileSync(join(dir, `input${s}.bin`), x));
    CASES.forEach((config, k) => {
      const model = modelFor(config);
      const net = networkOf(model);
      randomizeWeights(net, rngFor(40 + k));
      const weights = encodeWeights(model, net.params);
      initial.push(byName(weights));
      const code = exportPytorch({ model, analysis: analyze(model.input.shape, model.layers), fingerprint: architectureFingerprint(model), modelFile: 'rates.cnn.json', modelDir: '..', weightsSource: 'test weights' });
      const caseDir = join(dir, `case${k}`);
      mkdirSync(caseDir);
      writeFileSync(join(caseDir, 'model.py'), code.modelPy);
      writeFileSync(join(caseDir, 'train.py'), code.trainPy);
      writeFileSync(join(caseDir, 'weights.safetensors'), weights);
      // The engine: the same steps, the rate set before each as the training loop sets it per epoch.
      const optimizer = createOptimizer(config, net.params);
      SCALES.forEach((scale, s) => {
        optimizer.learningRate = config.learningRate! * scale;
        net.zeroGrads();
        net.trainBatch({ shape: [N, ...model.input.shape], data: inputs[s]! }, Int32Array.from(LABELS[s]!), 'sparseCategoricalCrossentropy');
        optimizer.step();
      });
      ours.push(new Map(net.params.map((p) => [p.name, Float32Array.from(p.value)])));
    });
    const rates = CASES.map((c) => SCALES.map((s) => c.learningRate! * s));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: N, shape: [6, 6, 2], labels: LABELS, rates }));
    writeFileSync(join(dir, 'steps.py'), SCRIPT);
    const r = spawnSync('/usr/bin/python3', [join(dir, 'steps.py'), dir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    groups = JSON.parse(r.stdout) as typeof groups;
    CASES.forEach((_, k) => theirs.push(byName(readFileSync(join(dir, `case${k}`, 'after.safetensors')))));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('model.py lists the multipliers; train.py makes one param group per multiplier, at the last rate × it', () => {
    const modelPy = readFileSync(join(dir, 'case0', 'model.py'), 'utf8');
    assert.match(modelPy, /^LEARNING_RATE_MULTIPLIERS = \{"backbone": 0\.1, "mid": 0, "hidden": 2\.5\}$/m);
    CASES.forEach((config, k) => {
      const last = config.learningRate! * SCALES[SCALES.length - 1]!;
      assert.deepEqual(groups[k], [[0.1, last * 0.1, 2], [0, 0, 2], [2.5, last * 2.5, 2], [1, last, 2]], config.type);
    });
  });

  for (const [k, config] of CASES.entries()) {
    it(`${JSON.stringify(config)}: PyTorch's weights are the engine's; the layer at multiplier 0 stays exactly as it was`, () => {
      assert.deepEqual([...theirs[k]!.keys()].sort(), [...ours[k]!.keys()].sort());
      for (const [name, mine] of ours[k]!) {
        const t = theirs[k]!.get(name)!;
        const was = initial[k]!.get(name)!;
        if (name.startsWith('mid.')) {
          assert.deepEqual(mine, was, `${name}: the engine left it`);
          assert.deepEqual(t, was, `${name}: PyTorch left it`);
          continue;
        }
        assert.ok(mine.some((v, i) => v !== was[i]), `${name} trains`);
        const scale = Math.max(...Array.from(was, Math.abs), 1e-3);
        mine.forEach((v, i) => assert.ok(Math.abs(v - t[i]!) <= 1e-5 * scale + 1e-7, `${name}[${i}]: engine ${v}, PyTorch ${t[i]}`));
      }
    });
  }

  it('the multipliers matter: at 1 everywhere, the slowed layer would have moved ten times as far (the test can fail)', () => {
    // Plain SGD, one step: backbone's move at 0.1 is a tenth of the same network's at 1 (same weights, same gradient).
    const config: OptimizerConfig = { type: 'sgd', learningRate: 0.1 };
    const moves = [modelFor(config), { ...modelFor(config), layers: modelFor(config).layers.map(({ learningRateMultiplier: _m, ...l }) => l) } as Model].map((model) => {
      const net = networkOf(model);
      randomizeWeights(net, rngFor(40));
      const before = net.params.find((p) => p.name === 'backbone.kernel')!.value.slice();
      const optimizer = createOptimizer(config, net.params);
      net.zeroGrads();
      net.trainBatch({ shape: [N, 6, 6, 2], data: randomInput(model, N, rngFor(5)) }, Int32Array.from(LABELS[0]!), 'sparseCategoricalCrossentropy');
      optimizer.step();
      return net.params.find((p) => p.name === 'backbone.kernel')!.value.map((v, i) => v - before[i]!);
    });
    const [slow, full] = moves as [Float32Array, Float32Array];
    const scale = Math.max(...Array.from(full, Math.abs));
    assert.ok(scale > 0);
    slow.forEach((d, i) => assert.ok(Math.abs(d - 0.1 * full[i]!) <= 1e-6 * scale + 1e-7, `[${i}]: ${d} vs ${0.1 * full[i]!}`));
  });
});
