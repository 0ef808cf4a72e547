// `cnn export --format pytorch|keras` through the CLI's main: where the files go, what is said, the weights written.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { decodeSafetensors, encodeWeights } from '../../../src/engine/weights';
import { parseModelText } from '../../../src/model/parse';
import { networkOf, rngFor, ROOT, trainSteps } from './helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn export --format pytorch / keras', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <model>-pytorch/ beside the model with the trained weights, and says how to train', async () => {
    copyFileSync(join(ROOT, 'examples/lenet5.cnn.json'), join(dir, 'lenet5.cnn.json'));
    const model = parseModelText(readFileSync(join(dir, 'lenet5.cnn.json'), 'utf8')).model!;
    const net = networkOf(model);
    trainSteps(net, model, rngFor(5));
    const trained = encodeWeights(model, net.params, ['zero', 'one', '2', '3', '4', '5', '6', '7', '8', '9'], 'feedc0ffee000001');
    writeFileSync(join(dir, 'lenet5.safetensors'), trained);
    const r = await cnn('export', join(dir, 'lenet5.cnn.json'), '--format', 'pytorch');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const out = join(dir, 'lenet5-pytorch');
    assert.equal(r.out, [
      `wrote ${out}/ (model.py, train.py, weights.safetensors): PyTorch nn.Module and DDP training script, 61,706 parameters, trained weights from lenet5.safetensors`,
      `train on one device: cd ${out} && python train.py; on N GPUs: torchrun --nproc_per_node=N train.py; it saves lenet5.safetensors there: copy it beside lenet5.cnn.json for cnn evaluate / cnn predict`,
    ].join('\n'));
    // The weights go along unchanged (our layout; model.py converts when it loads them).
    assert.deepEqual(readFileSync(join(out, 'weights.safetensors')), Buffer.from(trained));
    const py = readFileSync(join(out, 'model.py'), 'utf8');
    assert.match(py, /^CLASSES = \["zero", "one", "2", "3", "4", "5", "6", "7", "8", "9"\]/m);
    const train = readFileSync(join(out, 'train.py'), 'utf8');
    assert.match(train, /^MODEL_DIR = "\.\."$/m);
    assert.match(train, /^INITIAL_WEIGHTS = "weights\.safetensors" {2}# trained weights from lenet5\.safetensors$/m);
  });

  it('-o puts the folder elsewhere, with the data paths still found from there', async () => {
    copyFileSync(join(ROOT, 'examples/resnet20.cnn.json'), join(dir, 'resnet20.cnn.json'));
    const out = join(dir, 'deep', 'er', 'torch');
    const r = await cnn('export', join(dir, 'resnet20.cnn.json'), '--format', 'pytorch', '-o', out);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, `${join(dir, 'resnet20.cnn.json')}: no trained weights (resnet20.safetensors): exporting the initial weights of seed 1`);
    assert.match(readFileSync(join(out, 'train.py'), 'utf8'), /^MODEL_DIR = "\.\.\/\.\.\/\.\."$/m);
    assert.match(readFileSync(join(out, 'train.py'), 'utf8'), /^CHECKPOINT = "resnet20\.safetensors"/m);
    const weights = decodeSafetensors(readFileSync(join(out, 'weights.safetensors')));
    assert.equal(weights.tensors.reduce((n, t) => n + t.data.length, 0), 273_754);
  });

  it('writes <model>_keras.py and its weights beside the model', async () => {
    copyFileSync(join(ROOT, 'examples/mobilenetv2.cnn.json'), join(dir, 'mobilenetv2.cnn.json'));
    const r = await cnn('export', join(dir, 'mobilenetv2.cnn.json'), '--format', 'keras');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `wrote ${join(dir, 'mobilenetv2_keras.py')} and mobilenetv2_keras.safetensors (tf.keras functional model), 47,978 parameters, initial weights (seed 1)`);
    assert.ok(existsSync(join(dir, 'mobilenetv2_keras.safetensors')));
    assert.match(readFileSync(join(dir, 'mobilenetv2_keras.py'), 'utf8'), /os\.path\.join\(os\.path\.dirname\(os\.path\.abspath\(__file__\)\), "mobilenetv2_keras\.safetensors"\)/);
  });

  it('refuses weights that do not fit the model, naming the file, and writes nothing', async () => {
    copyFileSync(join(ROOT, 'examples/lenet5.cnn.json'), join(dir, 'lenet5.cnn.json'));
    // Another model's weights under this model's name.
    const other = parseModelText(readFileSync(join(ROOT, 'examples/simple-mnist-convnet.cnn.json'), 'utf8')).model!;
    writeFileSync(join(dir, 'lenet5.safetensors'), encodeWeights(other, networkOf(other).params));
    const r = await cnn('export', join(dir, 'lenet5.cnn.json'), '--format', 'pytorch');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^${join(dir, 'lenet5.safetensors').replace(/[.]/g, '\\.')}: the weights do not fit model "lenet5": "conv2d_0.kernel" has shape \\[3, 3, 1, 32\\] in the file, the model needs \\[5, 5, 1, 6\\];`));
    assert.ok(!existsSync(join(dir, 'lenet5-pytorch')));
  });
});
