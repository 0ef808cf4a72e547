// The generated train.py trains LeNet-5 for one epoch on the bundled MNIST subset in two processes with
// DistributedDataParallel on the CPU (gloo), and rank 0's checkpoint evaluates in `cnn evaluate` to within 1 % of
// the test accuracy train.py printed. Debian's torchrun fails on Python 3.11 (AttributeError in its redirects
// handling), so the test starts both ranks itself with torchrun's environment contract (MASTER_ADDR, MASTER_PORT,
// RANK, LOCAL_RANK, WORLD_SIZE), which is what train.py reads under a working torchrun.
// Skipped outside CI when /usr/bin/python3 has no torch; in CI that is a failure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { exportModel } from '../../../src/node/exportModel';
import { splitDataset } from '../../../src/node/datasets/load';
import { epochRandomness } from '../../../src/engine/train';
import { createRng } from '../../../src/engine/rng';
import { architectureFingerprint, decodeSafetensors } from '../../../src/engine/weights';
import { parseModelText } from '../../../src/model/parse';
import type { Model } from '../../../src/model/types';
import { CHILD_TIMEOUT_MS, skipUnavailable } from '../../unit/availability';
import { debianPython, ROOT } from '../../unit/interop/helpers';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

// A rank still running at the deadline is killed, so a hung rendezvous fails the test with what the ranks printed
// instead of keeping mocha's process alive after the run.
const RANK_DEADLINE_MS = 240_000;

function runRank(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/python3', [script, '--epochs', '1'], { env: { ...process.env, ...env, OMP_NUM_THREADS: '1' } });
    let out = '';
    let err = '';
    const deadline = setTimeout(() => {
      err += `\n(killed after ${RANK_DEADLINE_MS / 1000} s)`;
      child.kill('SIGKILL');
    }, RANK_DEADLINE_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, out, err });
    });
  });
}

describe('PyTorch export: train.py under DistributedDataParallel', function () {
  this.timeout(300_000);
  let dir = '';
  let model: Model;
  let modelPath = '';
  let exportDir = '';

  before(async function () {
    const python = debianPython(['torch', 'numpy']);
    if (!python.ok) skipUnavailable(this, python.why);
    dir = mkdtempSync(join(tmpdir(), 'cnn-pytorch-train-'));
    mkdirSync(join(dir, 'mnist'));
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      copyFileSync(join(ROOT, 'media/mnist', f), join(dir, 'mnist', f));
    }
    // LeNet-5 as the example has it, on the bundled subset (its paths are the example's), with a validation split.
    const example = JSON.parse(readFileSync(join(ROOT, 'examples/lenet5.cnn.json'), 'utf8')) as { training: Record<string, unknown> };
    example.training.validationSplit = 0.1;
    modelPath = join(dir, 'lenet5.cnn.json');
    writeFileSync(modelPath, JSON.stringify(example, null, 2));
    model = parseModelText(readFileSync(modelPath, 'utf8')).model!;
    exportDir = join(dir, 'lenet5-pytorch');
    const result = await exportModel({ modelPath, model, format: 'pytorch' });
    assert.deepEqual(result.files, [join(exportDir, 'model.py'), join(exportDir, 'train.py'), join(exportDir, 'weights.safetensors')]);
    assert.deepEqual(result.warnings, ['no trained weights (lenet5.safetensors): exporting the initial weights of seed 1']);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds out the same validation samples as CNN Studio (its seeded generator, ported)', () => {
    const code = 'import json, sys; sys.path.insert(0, sys.argv[1]); import train; print(json.dumps([train.split(1000, 0.1, 7)[1], train.split(5, 0.5, 1)[1]]))';
    const r = spawnSync('/usr/bin/python3', ['-c', code, exportDir], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
    const ids = (count: number): { images: Float32Array; labels: Int32Array; count: number; shape: readonly [number, number, number]; classes: string[] } => ({
      images: new Float32Array(count),
      labels: Int32Array.from({ length: count }, (_, i) => i),
      count,
      shape: [1, 1, 1],
      classes: [],
    });
    const ours = [Array.from(splitDataset(ids(1000), 0.1, createRng(7)).validation.labels), Array.from(splitDataset(ids(5), 0.5, createRng(1)).validation.labels)];
    assert.deepEqual(JSON.parse(r.stdout), ours);
  });

  it('visits the training samples in cnn train\'s order in one process (its epoch order, ported)', () => {
    const code = 'import json, sys; sys.path.insert(0, sys.argv[1]); import train; print(json.dumps([train.epoch_order(50, s, e) for s, e in ((1, 0), (1, 7), (4294967295, 2))]))';
    const r = spawnSync('/usr/bin/python3', ['-c', code, exportDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const ours = [[1, 0], [1, 7], [4294967295, 2]].map(([s, e]) => Array.from(epochRandomness(s!, e!, 50).order));
    assert.deepEqual(JSON.parse(r.stdout), ours);
    assert.notDeepEqual(ours[0], ours[1], 'each epoch reshuffles');
  });

  it('trains one epoch on two ranks (gloo), and cnn evaluate agrees with the test accuracy it printed', async () => {
    const port = await freePort();
    const script = join(exportDir, 'train.py');
    const common = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2' };
    const started = Date.now();
    const [rank0, rank1] = await Promise.all([runRank(script, { ...common, RANK: '0', LOCAL_RANK: '0' }), runRank(script, { ...common, RANK: '1', LOCAL_RANK: '1' })]);
    assert.equal(rank0.code, 0, `rank 0: ${rank0.err}\nrank 1: ${rank1.err}`);
    assert.equal(rank1.code, 0, rank1.err);
    // Only rank 0 prints.
    assert.equal(rank1.out, '');
    assert.match(rank0.out, /^lenet5\.cnn\.json: 18000 training samples, 2000 held out for validation, 2000 test samples; 2 processes on cpu \(gloo\), batch 32 \(16 per process\); starting from weights\.safetensors$/m);
    const line = /^epoch 1\/1 loss (\d+\.\d{4}) accuracy (\d+\.\d{4}) val_loss (\d+\.\d{4}) val_accuracy (\d+\.\d{4}) test_loss (\d+\.\d{4}) test_accuracy (\d+\.\d{4}) lr 0\.001 time \d+\.\ds$/m.exec(rank0.out);
    assert.ok(line, rank0.out);
    const testAccuracy = Number(line[6]);
    assert.ok(testAccuracy > 0.9, `one epoch of LeNet-5 reached only ${testAccuracy}`);
    assert.ok(Number(line[4]) > 0.9);
    console.log(`      two ranks, one epoch: ${line[0]} (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);

    // The checkpoint is ours: names, layout, metadata, fingerprint.
    const checkpoint = join(exportDir, 'lenet5.safetensors');
    assert.ok(existsSync(checkpoint));
    const saved = decodeSafetensors(readFileSync(checkpoint));
    assert.deepEqual(saved.metadata, { format: 'cnn-studio/weights@1', model: 'lenet5', fingerprint: architectureFingerprint(model), classes: JSON.stringify(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) });
    assert.deepEqual(saved.tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`), [
      'conv2d_0.kernel [5, 5, 1, 6]', 'conv2d_0.bias [6]', 'conv2d_2.kernel [5, 5, 6, 16]', 'conv2d_2.bias [16]',
      'dense_5.kernel [400, 120]', 'dense_5.bias [120]', 'dense_6.kernel [120, 84]', 'dense_6.bias [84]', 'dense_7.kernel [84, 10]', 'dense_7.bias [10]',
    ]);

    // Brought back beside the model, CNN Studio evaluates it on the same test set.
    copyFileSync(checkpoint, join(dir, 'lenet5.safetensors'));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['evaluate', modelPath, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    assert.equal(code, 0, err.join('\n'));
    const evaluation = JSON.parse(out.join('\n')) as { count: number; accuracy: number };
    assert.equal(evaluation.count, 2000);
    assert.ok(Math.abs(evaluation.accuracy - testAccuracy) <= 0.01, `cnn evaluate: ${evaluation.accuracy}, train.py: ${testAccuracy}`);
  });
});
