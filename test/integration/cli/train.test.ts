// cnn train / evaluate / predict end to end on real MNIST (a small slice, so the suite stays fast).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { main } from '../../../src/cli/main';
import { readIdxFile } from '../../../src/node/datasets/idx';
import { loadKernels } from '../../../src/node/runtime/loadKernels';
import { mnistDataDir } from '../../../src/node/datasets/mnist';
import { decodeSafetensors, encodeSafetensors } from '../../../src/engine/weights';
import { readRepoFile } from '../../unit/model/helpers';

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
    // Said once, on the log stream (stderr with --json): the WebAssembly kernels trained, on all cores by default.
    assert.match(r.err.filter((l) => l.startsWith('kernels: ')).join('|'), /^kernels: wasm-relaxed-simd, \d+ threads?$/);
    assert.ok(summary.testAccuracy > 0.6, `test accuracy ${summary.testAccuracy}`);
    assert.ok(Number.isFinite(summary.trainLoss) && Number.isFinite(summary.seconds));
    // Every figure says which data it comes from; without early stopping nothing was selected.
    assert.equal(summary.keptEpoch, 1);
    assert.ok(summary.engine_memory_mb > 0 && summary.peak_rss_mb >= summary.engine_memory_mb, JSON.stringify(summary));
    assert.ok(r.err.some((l) => /^memory: engine [\d.]+ [KM]iB \(planned once for batch 32\), process peak [\d.]+ [MG]iB$/.test(l)), r.err.join('\n'));
    assert.equal(summary.selectedOn, null);
    assert.match(summary.sources.train, /train-images-idx3-ubyte: 1500 images/);
    assert.equal(summary.sources.validation, null);
    assert.match(summary.sources.test, /t10k-images-idx3-ubyte: 1500 images, .*\(evaluated only\)$/);
    assert.ok(existsSync(join(dir, 'lenet5.safetensors')));
    const state = JSON.parse(readFileSync(join(dir, 'lenet5.train.json'), 'utf8'));
    assert.equal(state.epoch, 1);
  });

  it('trains to the same bits on 1 and 2 threads (--threads), and says which', async () => {
    const runs = [];
    for (const threads of ['1', '2']) {
      const path = join(dir, `lenet5-threads${threads}.cnn.json`);
      writeFileSync(path, readFileSync(modelPath));
      const r = await cnn('train', path, '--epochs', '1', '--limit', '400', '--threads', threads, '--json');
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.ok(r.err.includes(`kernels: wasm-relaxed-simd, ${threads} thread${threads === '1' ? '' : 's'}`), r.err.join('\n'));
      runs.push(JSON.parse(r.out[r.out.length - 1]));
    }
    assert.ok((loadKernels('auto', 2).pool?.jobs ?? 0) > 0, 'the 2-thread run split its GEMMs');
    assert.equal(runs[1].trainLoss, runs[0].trainLoss, 'same training loss');
    assert.equal(runs[1].testLoss, runs[0].testLoss, 'same test loss');
    const tensors = (t: string): [string, Uint8Array][] =>
      decodeSafetensors(readFileSync(join(dir, `lenet5-threads${t}.safetensors`))).tensors.map((x) => [x.name, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength)]);
    assert.deepEqual(tensors('2'), tensors('1'), 'same weights, bit for bit');
    assert.equal((await cnn('train', modelPath, '--threads', '0')).code, 2);
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
