// cnn bench MODEL: the timed steps of one model file, its JSON line and its option errors (no timed assertions:
// the figures depend on the machine). And the tfjs-wasm Conv2DBackpropFilter of bench/, checked against tfjs-cpu.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { flopsPerSample, modelStep, timeSteps } from '../../../src/cli/bench';
import { main } from '../../../src/cli/main';
import { parseModelText } from '../../../src/model/parse';
import { inferShapes } from '../../../src/model/shapes';
import { median, timeRuns } from '../../../bench/timing';
import { readRepoFile, ROOT } from '../../unit/model/helpers';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';

async function cnn(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

const lenet = join(ROOT, 'bench/lenet-style.cnn.json');
const vgg = join(ROOT, 'bench/vgg-cifar.cnn.json');

function lastJson(lines: readonly string[]): Record<string, unknown> {
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

function assertSane(j: Record<string, unknown>, batch: number): void {
  for (const k of ['samples_per_s', 'gflops', 'threads', 'kernels', 'peak_rss_mb']) assert.ok(k in j, `field ${k}`);
  assert.ok(typeof j.samples_per_s === 'number' && j.samples_per_s > 0 && Number.isFinite(j.samples_per_s), `samples_per_s ${j.samples_per_s}`);
  assert.ok(typeof j.gflops === 'number' && j.gflops > 0 && Number.isFinite(j.gflops), `gflops ${j.gflops}`);
  assert.ok(typeof j.threads === 'number' && Number.isInteger(j.threads) && j.threads >= 1, `threads ${j.threads}`);
  assert.ok(typeof j.kernels === 'string' && j.kernels.length > 0);
  // At least the Node process itself, and less than the 64-bit address space of a sane run.
  assert.ok(typeof j.peak_rss_mb === 'number' && j.peak_rss_mb > 10 && j.peak_rss_mb < 1e6, `peak_rss_mb ${j.peak_rss_mb}`);
  assert.equal(j.batch, batch);
  assert.ok(typeof j.steps === 'number' && j.steps >= 1);
  // samples/s and GFLOP/s follow from the counted steps, seconds and FLOPs per sample.
  const rate = ((j.steps as number) * batch) / (j.seconds as number);
  assert.ok(Math.abs(rate - j.samples_per_s) / rate < 0.01, `${rate} vs ${j.samples_per_s}`);
  assert.ok(Math.abs(j.samples_per_s * (j.gflop_per_sample as number) - j.gflops) / j.gflops < 0.01);
}

describe('cnn bench MODEL', function () {
  this.timeout(60_000);

  it('times training steps and ends with one JSON line; the log goes to stderr', async () => {
    const r = await cnn('bench', lenet, '--mode', 'train', '--batch', '4', '--seconds', '0.05', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.equal(r.out.length, 1, 'stdout is the JSON line only');
    const j = lastJson(r.out);
    assertSane(j, 4);
    assert.equal(j.mode, 'train');
    assert.equal(j.model, 'lenet-style');
    // The last step's loss (4 random labels are soon learnt, so only its range is known).
    assert.ok(typeof j.last === 'number' && j.last > 0 && j.last < 10, `loss ${j.last}`);
    assert.equal(r.err.filter((l) => l.startsWith('kernels: ')).length, 1, 'the kernels are said once');
    assert.equal(`kernels: ${j.kernels}`, r.err.find((l) => l.startsWith('kernels: ')));
  });

  it('times inference, reading the outputs back (softmax rows sum to 1)', async () => {
    const r = await cnn('bench', lenet, '--mode', 'infer', '--batch', '3', '--seconds', '0.05', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = lastJson(r.out);
    assertSane(j, 3);
    assert.equal(j.mode, 'infer');
    assert.ok(Math.abs((j.last as number) - 3) < 1e-4, `output sum ${j.last}`);
  });

  it('prints samples/s, GFLOP/s with how they are counted, threads, kernels and peak memory', async () => {
    const r = await cnn('bench', lenet, '--seconds', '0.05', '--batch', '2', '--kernels', 'js', '--threads', '2');
    assert.equal(r.code, 0, r.err.join('\n'));
    const text = r.out.join('\n');
    assert.match(text, /^threads: the JavaScript kernels run on 1 thread \(2 asked\)$/m);
    assert.match(text, /^bench lenet-style: train, batch 2, at least 0\.05 s after 1 s of warm-up$/m);
    assert.match(text, /^kernels: js$/m);
    assert.match(text, /^threads: 1$/m);
    assert.match(text, /^samples\/s: [0-9.]+ \([0-9]+ steps of 2 in [0-9.]+ s; last loss [0-9.]+\)$/m);
    assert.match(text, /^GFLOP\/s: [0-9.]+ \(4\.75 MFLOP per sample: 2 FLOPs per multiply-add .*3× the forward pass\)$/m);
    assert.match(text, /^peak memory: [0-9.]+ MB/m);
  });

  it('runs the GEMM on the threads asked for and says how many ran', async () => {
    const one = await cnn('bench', lenet, '--seconds', '0.01', '--batch', '2', '--threads', '1', '--json');
    assert.equal(one.code, 0, one.err.join('\n'));
    assert.equal(lastJson(one.out).threads, 1);
    const two = await cnn('bench', lenet, '--seconds', '0.01', '--batch', '2', '--threads', '2', '--json');
    assert.equal(two.code, 0, two.err.join('\n'));
    // Two threads, unless the helper could not start: then one, with a warning.
    const warned = two.err.some((l) => l.startsWith('warning: '));
    assert.equal(lastJson(two.out).threads, warned ? 1 : 2, two.err.join('\n'));
  });

  it('defaults: train, the model\'s batch size (else 32), the best kernels', async () => {
    const r = await cnn('bench', vgg, '--seconds', '0.01', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = lastJson(r.out);
    assert.equal(j.mode, 'train');
    assert.equal(j.batch, 32);
    assert.match(j.kernels as string, /^wasm-/);
  });

  it('counts 2 FLOPs per multiply-add of the shape function, 3× for training', () => {
    const { model } = parseModelText(readRepoFile('bench/vgg-cifar.cnn.json'));
    const analysis = inferShapes(model!);
    // conv 3·3·3·32·32² + 3·3·32·32·32² + 3·3·32·64·16² + 3·3·64·64·16², dense 4096·128 + 128·10.
    const macs = 884_736 + 9_437_184 + 4_718_592 + 9_437_184 + 524_288 + 1_280;
    assert.equal(analysis.totals.macs, macs);
    assert.equal(flopsPerSample(analysis, 'infer'), 2 * macs);
    assert.equal(flopsPerSample(analysis, 'train'), 6 * macs);
  });

  it('warms up, then times at least the asked seconds and at least one step', () => {
    let t = 0;
    let calls = 0;
    const timing = timeSteps(() => { calls++; t += 300; return calls; }, 1, 1, () => t);
    // Warm-up: 4 steps to pass 1 s (0 → 1200); timed: 4 steps to pass 1 s more.
    assert.deepEqual(timing, { steps: 4, seconds: 1.2, last: 8 });
    const slow = timeSteps(() => { t += 5000; return 0; }, 0.001, 0.001, () => t);
    assert.equal(slow.steps, 1);
  });

  it('trains with SGD: the same batch\'s loss goes down', () => {
    const { model } = parseModelText(readRepoFile('bench/lenet-style.cnn.json'));
    const step = modelStep(model!, 'train', 8);
    const first = step.run();
    let last = first;
    for (let i = 0; i < 30; i++) last = step.run();
    assert.ok(last < first, `${first} → ${last}`);
  });

  it('rejects bad options with exit 2 and one line naming the option', async () => {
    const cases: [string[], string][] = [
      [[lenet, '--mode', 'fit'], 'cnn bench: --mode must be train or infer, got "fit"'],
      [[lenet, '--batch', '0'], 'cnn bench: --batch must be a whole number from 1 to 65536, got "0"'],
      [[lenet, '--threads', '0'], 'cnn bench: --threads must be a whole number from 1 to 64, got "0"'],
      [[lenet, '--kernels', 'both'], 'cnn bench: with a model file --kernels must be js or wasm, got "both"'],
      [[lenet, '--filter', 'conv'], 'cnn bench: --filter selects the cases of cnn bench without a model file'],
      [['--mode', 'train'], 'cnn bench: --mode needs a model file (usage: cnn bench <model.cnn.json> --mode …)'],
      [['--batch', '8'], 'cnn bench: --batch needs a model file (usage: cnn bench <model.cnn.json> --batch …)'],
      [['--threads', '2'], 'cnn bench: --threads needs a model file (usage: cnn bench <model.cnn.json> --threads …)'],
      [[lenet, vgg], `cnn bench: unexpected argument "${vgg}" (usage: cnn bench [<model.cnn.json>] [--mode train|infer] [--batch N] [--seconds S] [--threads N] [--filter TEXT] [--kernels js|wasm|both] [--winograd auto|off|always] [--unfolded] [--json])`],
    ];
    for (const [args, message] of cases) {
      const r = await cnn('bench', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err.join('|')}`);
      assert.deepEqual(r.err, [message]);
      assert.deepEqual(r.out, [], 'nothing runs');
    }
  });

  it('a missing or invalid model file is exit 1 with the file named', async () => {
    const missing = await cnn('bench', join(ROOT, 'bench/nope.cnn.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.err.join('\n'), /nope\.cnn\.json/);
  });
});

describe('bench/timing: the protocol of the tfjs runs', () => {
  it('warms up for 1 s, then times R runs of at least S seconds; a first step slower than the limit is the result', () => {
    let t = 0;
    const step = (): number => (t += 400);
    // Warm-up 0 → 1200 ms; then 2 runs of 2 steps of 4 samples in 800 ms (≥ 0.5 s): 10 samples/s.
    assert.deepEqual(timeRuns(step, 4, 0.5, 2, Infinity, () => t), { rates: [10, 10] });
    const slow = timeRuns(() => (t += 90_000), 32, 3, 3, 60, () => t);
    assert.deepEqual(slow, { rates: [32 / 90], singleStepSeconds: 90 });
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});

describe('bench/: the Conv2DBackpropFilter registered for tfjs-wasm', function () {
  this.timeout(120_000);

  it('agrees with tfjs-cpu\'s kernel (its own process, as bench/run.ts runs it)', () => {
    // A child process: loading the wasm backend here would make it the default tfjs backend of later tests.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/tfjs.ts', '--backend', 'wasm', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^Conv2DBackpropFilter self-check against tfjs-cpu: 10 cases, max relative error [0-9.]+e-[0-9]+$/m);
  });
});
