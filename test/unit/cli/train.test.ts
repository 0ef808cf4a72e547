// cnn train / evaluate / predict end to end on real MNIST (a small slice, so the suite stays fast).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../../src/cli/main';
import { readIdxFile } from '../../../src/data/idx';
import { mnistDataDir } from '../../../src/data/mnist';
import { decodeSafetensors, encodeSafetensors } from '../../../src/engine/weights';
import { readRepoFile } from '../model/helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

describe('cnn train, evaluate and predict on real MNIST', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'cnn-train-'));
  const modelPath = join(dir, 'lenet5.cnn.json');

  before(() => {
    const mnist = mnistDataDir();
    const model = JSON.parse(readRepoFile('examples/lenet5.cnn.json'));
    model.training.data = {
      train: { images: join(mnist, 'train-images-idx3-ubyte'), labels: join(mnist, 'train-labels-idx1-ubyte') },
      test: { images: join(mnist, 't10k-images-idx3-ubyte'), labels: join(mnist, 't10k-labels-idx1-ubyte') },
    };
    writeFileSync(modelPath, JSON.stringify(model, null, 2));
  });

  it('trains, checkpoints beside the model and ends with one JSON line', async () => {
    const r = await cnn('train', modelPath, '--epochs', '1', '--limit', '1500', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const summary = JSON.parse(r.out[r.out.length - 1]);
    assert.equal(summary.epochs, 1);
    // Said once, on the log stream (stderr with --json): the WebAssembly kernels trained.
    assert.equal(r.err.filter((l) => l.startsWith('kernels: ')).join('|'), 'kernels: wasm-relaxed-simd');
    assert.ok(summary.testAccuracy > 0.6, `test accuracy ${summary.testAccuracy}`);
    assert.ok(Number.isFinite(summary.trainLoss) && Number.isFinite(summary.seconds));
    // Every figure says which data it comes from; without early stopping nothing was selected.
    assert.equal(summary.keptEpoch, 1);
    assert.equal(summary.selectedOn, null);
    assert.match(summary.sources.train, /train-images-idx3-ubyte: 1500 images/);
    assert.equal(summary.sources.validation, null);
    assert.match(summary.sources.test, /t10k-images-idx3-ubyte: 1500 images, .*\(evaluated only\)$/);
    assert.ok(existsSync(join(dir, 'lenet5.safetensors')));
    const state = JSON.parse(readFileSync(join(dir, 'lenet5.train.json'), 'utf8'));
    assert.equal(state.epoch, 1);
  });

  it('evaluates the saved weights with a confusion matrix', async () => {
    const r = await cnn('evaluate', modelPath, '--limit', '2000', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const result = JSON.parse(r.out[r.out.length - 1]);
    assert.ok(result.accuracy > 0.6, JSON.stringify(result).slice(0, 200));
    assert.equal(result.confusion.length, 10);
  });

  it('predicts the class of real digit PNGs', async () => {
    const images = await readIdxFile(join(mnistDataDir(), 't10k-images-idx3-ubyte'));
    const labels = await readIdxFile(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      const png = new PNG({ width: 28, height: 28 });
      for (let p = 0; p < 784; p++) {
        const v = images.data[i * 784 + p];
        png.data.set([v, v, v, 255], p * 4);
      }
      const file = join(dir, `digit${i}-label${labels.data[i]}.png`);
      writeFileSync(file, PNG.sync.write(png));
      files.push(file);
    }
    const r = await cnn('predict', modelPath, ...files, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const results: { top: { class: string }[] }[] = JSON.parse(r.out[0]);
    const correct = results.filter((res, i) => res.top[0].class === String(labels.data[i])).length;
    assert.ok(correct >= 3, `only ${correct}/5 digits right`);
  });

  it('refuses weights holding NaN or ±∞ in predict, evaluate and train --resume, naming the tensor', async () => {
    const good = readFileSync(join(dir, 'lenet5.safetensors'));
    const file = decodeSafetensors(good);
    const kernel = file.tensors.find((t) => t.name.endsWith('.kernel'));
    assert.ok(kernel);
    kernel.data.fill(Number.NaN, 0, 3);
    writeFileSync(join(dir, 'lenet5.safetensors'), encodeSafetensors(file.tensors, file.metadata));
    try {
      const digit = join(dir, 'digit0-label7.png');
      const expected = new RegExp(`lenet5\\.safetensors: the weights are corrupt: tensor "${kernel.name.replace('.', '\\.')}" has 3 non-finite values`);
      for (const args of [['predict', modelPath, digit], ['evaluate', modelPath, '--limit', '10'], ['train', modelPath, '--resume', '--epochs', '2', '--limit', '10']]) {
        const r = await cnn(...args);
        assert.equal(r.code, 1, `${args[0]}: ${r.out.join('\n')}`);
        assert.match(r.err.join('\n'), expected, `${args[0]}: ${r.err.join('\n')}`);
        assert.doesNotMatch(r.out.join('\n'), /NaN/, args[0]);
      }
    } finally {
      writeFileSync(join(dir, 'lenet5.safetensors'), good);
    }
  });

  it('refuses a broken model with path:line:col errors and a missing image clearly', async () => {
    const broken = await cnn('train', join(__dirname, '../../../examples/broken.cnn.json'));
    assert.equal(broken.code, 1);
    assert.match(broken.err.join('\n'), /broken\.cnn\.json:8:15: error: unknown type/);
    const missing = await cnn('predict', modelPath, join(dir, 'nope.png'));
    assert.equal(missing.code, 1);
    assert.match(missing.err.join('\n'), /nope\.png: no such file/);
  });
});
