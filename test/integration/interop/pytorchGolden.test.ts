// model.py and train.py of LeNet-5 pinned as golden files, and every generated file compiles (python3 -m py_compile).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureFingerprint } from '../../../src/engine/weights';
import { exportPytorch } from '../../../src/interop/pytorch/export';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import type { Model } from '../../../src/model/types';
import { assertGolden } from './goldenFiles';
import { exampleModels, randomChainModel, randomGraphModel, ROOT, rngFor } from '../../unit/interop/helpers';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';

const exportOf = (model: Model, modelFile = `${model.name}.cnn.json`): ReturnType<typeof exportPytorch> =>
  exportPytorch({ model, analysis: analyze(model.input.shape, model.layers), fingerprint: architectureFingerprint(model), modelFile, modelDir: '..', weightsSource: 'initial weights (seed 1)' });

describe('PyTorch export: generated code', () => {
  it('matches the golden model.py and train.py of LeNet-5', () => {
    const model = parseModelText(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8')).model!;
    const code = exportOf(model);
    assert.equal(code.checkpointName, 'lenet5.safetensors');
    assertGolden('lenet5.model.py', code.modelPy);
    assertGolden('lenet5.train.py', code.trainPy);
  });

  it('writes the training section with every default filled in', () => {
    const model = parseModelText(readFileSync(join(ROOT, 'examples/resnet20.cnn.json'), 'utf8')).model!;
    const train = exportOf(model).trainPy;
    assert.match(train, /^OPTIMIZER = \{"type": "adam", "learningRate": 0\.002, "weightDecay": 0, "clipNorm": None, "beta1": 0\.9, "beta2": 0\.999, "epsilon": 1e-7\}$/m);
    assert.match(train, /^SCHEDULE = \{"type": "cosine", "minLearningRate": 0\}$/m);
    assert.match(train, /^BATCH_SIZE = 64 {2}# global/m);
    assert.match(train, /^from model import INPUT_RESIZE, INPUT_SHAPE, LEARNING_RATE_MULTIPLIERS, OUTPUT_ACTIVATION, Resnet20 as Model {2}# noqa: E402$/m);
    const sgd: Model = { ...model, training: { ...model.training, optimizer: { type: 'sgd', momentum: 0.9, nesterov: true, clipNorm: 1, schedule: { type: 'step', stepSize: 2 } } } };
    const s = exportOf(sgd).trainPy;
    assert.match(s, /^OPTIMIZER = \{"type": "sgd", "learningRate": 0\.01, "weightDecay": 0, "clipNorm": 1, "momentum": 0\.9, "nesterov": True\}$/m);
    assert.match(s, /^SCHEDULE = \{"type": "step", "stepSize": 2, "gamma": 0\.1\}$/m);
  });

  it('names attributes after the layers, as Python identifiers, and says which were renamed', () => {
    const model: Model = {
      format: 'cnn-studio/model@1',
      name: 'odd names',
      input: { shape: [8, 8, 1] },
      layers: [
        { type: 'conv2d', name: 'my-conv', filters: 2, kernelSize: 3 },
        { type: 'relu', name: 'class' },
        { type: 'conv2d', name: 'train', filters: 2, kernelSize: 1 },
        { type: 'flatten', name: '2nd' },
        { type: 'dense', name: 'my_conv', units: 3, activation: 'softmax' },
      ],
    };
    const py = exportOf(model).modelPy;
    assert.match(py, /^class OddNames\(nn\.Module\):$/m);
    for (const attr of ['self.my_conv = nn.Conv2d(1, 2,', 'self.class_ = nn.ReLU()', 'self.train_ = nn.Conv2d(2, 2,', 'self.my_conv_2 = nn.Linear(72, 3, bias=True)']) assert.ok(py.includes(attr), attr);
    assert.ok(py.includes('    my-conv -> self.my_conv\n    class -> self.class_\n    train -> self.train_\n    2nd -> self.layer_2nd\n    my_conv -> self.my_conv_2\n'));
    assert.ok(py.includes('("my_conv.kernel", "my_conv_2.weight", "dense", (72, 3)),'));
  });

  it('compiles: model.py and train.py of every example and of random chains and graphs (python3 -m py_compile)', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-compile-'));
    try {
      const models = [...exampleModels().map((e) => e.model), ...[0, 1, 2, 3].map((i) => randomChainModel(rngFor(40 + i), i)), ...[0, 1, 2, 3].map((i) => randomGraphModel(rngFor(60 + i), i))];
      const files = models.flatMap((m, i) => {
        const code = exportOf(m);
        const a = join(dir, `m${i}_model.py`);
        const b = join(dir, `m${i}_train.py`);
        writeFileSync(a, code.modelPy);
        writeFileSync(b, code.trainPy);
        return [a, b];
      });
      const r = spawnSync('/usr/bin/python3', ['-m', 'py_compile', ...files], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
