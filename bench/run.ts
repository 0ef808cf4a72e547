// `npm run bench`: CNN Studio against TensorFlow.js (wasm and cpu backends, 4.22), PyTorch on the CPU and, for
// inference, ONNX Runtime Web (bench/ort.ts, on our ONNX export of the same network), on the two architectures of
// issue 10 (bench/lenet-style.cnn.json, bench/vgg-cifar.cnn.json): plain SGD training steps at batch 32 and
// inference at batch 64, the same seeded synthetic data, 1 s of warm-up, then the median of 3 runs of S seconds.
// Then real networks (issue 22): torchvision's MobileNetV2, ResNet-18 and VGG-11-BN at 224×224, batch 1, exported
// to ONNX with their batch norms kept (scripts/torchvision-zoo/export.py, /usr/bin/python3) and imported with our
// importer: ours with batch norms folded and unfolded against ONNX Runtime Web on the same ONNX file.
// Every backend and case runs in its own process, one after the other, so no two share the cores.
//   npm run bench [-- --seconds S] [--runs R] [--backends ours,tfjs-wasm,tfjs-cpu,torch,ort-web]
//                 [--networks mobilenet_v2,resnet18,vgg11_bn|none] [--results bench/RESULTS.md]
// Not part of npm test: figures depend on the machine and on whatever else runs on it (the load is recorded).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportNets } from '../scripts/torchvision-zoo/check';
import { flopsPerSample, FLOP_COUNTING, type BenchMode, type ModelBenchJson } from '../src/cli/bench';
import { buildNetwork } from '../src/engine/network';
import { exportOnnx } from '../src/interop/onnx/export';
import { importOnnx } from '../src/interop/onnx/import';
import { parseModelText } from '../src/model/parse';
import type { Model } from '../src/model/types';
import { inferShapes } from '../src/model/shapes';
import { median } from './timing';

const ROOT = join(__dirname, '..');
const PYTHON = '/usr/bin/python3';
/** fp32 FMA peak of one core at 256-bit (AVX2) width, as issue 10 states it for this machine. */
const PEAK_GFLOPS_PER_CORE = 114;
/** A tfjs-cpu VGG training step takes minutes: a first step slower than this is the result (bench/timing.ts). */
const SLOW_STEP_SECONDS = 60;
/** Beyond this a process is stopped and reported as failed. */
const PROCESS_TIMEOUT_MS = 20 * 60 * 1000;

const BACKENDS = ['ours', 'tfjs-wasm', 'tfjs-cpu', 'torch', 'ort-web'] as const;
type BackendName = (typeof BACKENDS)[number];

interface Case {
  readonly model: 'lenet-style' | 'vgg-cifar';
  readonly mode: BenchMode;
  readonly batch: number;
}

const CASES: readonly Case[] = [
  { model: 'lenet-style', mode: 'train', batch: 32 },
  { model: 'lenet-style', mode: 'infer', batch: 64 },
  { model: 'vgg-cifar', mode: 'train', batch: 32 },
  { model: 'vgg-cifar', mode: 'infer', batch: 64 },
];

const caseName = (c: Case): string => `${c.model === 'lenet-style' ? 'LeNet-style' : 'VGG-CIFAR'} ${c.mode} b${c.batch}`;
const modelPath = (c: Case): string => join('bench', `${c.model}.cnn.json`);

interface Measurement {
  readonly samplesPerSecond: number;
  readonly runs: readonly number[];
  readonly label: string;
  readonly peakRssMb: number;
  /** Only one step was timed, since it took this long (> SLOW_STEP_SECONDS). */
  readonly singleStepSeconds?: number;
}

type Outcome = Measurement | { readonly error: string };

/** Runs a command in its own process; returns the JSON object of its last `{…}` stdout line. */
function runJson(command: string, args: readonly string[]): Record<string, unknown> {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: PROCESS_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) {
    const why = r.signal ? `stopped by ${r.signal}${r.signal === 'SIGTERM' ? ` after ${PROCESS_TIMEOUT_MS / 60000} min` : ''}` : `exit ${r.status}`;
    throw new Error(`${why}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`);
  }
  return JSON.parse(line) as Record<string, unknown>;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);

function measureOurs(c: Case, seconds: number, runs: number, path = modelPath(c), extra: readonly string[] = []): Measurement {
  // `cnn bench` times one run per process; R processes make the median of R runs (each with its own warm-up).
  const results: ModelBenchJson[] = [];
  for (let r = 0; r < runs; r++) {
    const args = ['dist/cli.js', 'bench', path, '--mode', c.mode, '--batch', String(c.batch), '--seconds', String(seconds), '--json', ...extra];
    results.push(runJson(process.execPath, args) as unknown as ModelBenchJson);
  }
  const rates = results.map((r) => r.samples_per_s);
  const first = results[0]!;
  return { samplesPerSecond: median(rates), runs: rates, label: `CNN Studio (${first.kernels}, ${first.threads} thread${first.threads === 1 ? "" : "s"})`, peakRssMb: Math.max(...results.map((r) => r.peak_rss_mb)) };
}

function fromJson(j: Record<string, unknown>): Measurement {
  const runs = Array.isArray(j.runs) ? j.runs.map(num) : [];
  const single = typeof j.single_step_s === 'number' ? { singleStepSeconds: j.single_step_s } : {};
  return { samplesPerSecond: num(j.samples_per_s), runs, label: String(j.backend), peakRssMb: num(j.peak_rss_mb), ...single };
}

/** A scratch folder for the ONNX files and imported models, removed at the end. */
const scratch = mkdtempSync(join(tmpdir(), 'cnn-bench-'));

/** Our ONNX export of a bench model with its seeded initial weights (the input is NHWC, as ours). */
function onnxOf(c: Case): string {
  const file = join(scratch, `${c.model}.onnx`);
  if (existsSync(file)) return file;
  const { model } = parseModelText(readFileSync(join(ROOT, modelPath(c)), 'utf8'));
  if (!model) throw new Error(`${modelPath(c)} is not a valid model`);
  const analysis = inferShapes(model);
  const net = buildNetwork(model, analysis, 1);
  writeFileSync(file, exportOnnx({ model, analysis, weights: new Map(net.params.map((p) => [p.name, p.value.slice()])) }));
  return file;
}

/** ONNX Runtime Web on an ONNX file taking [batch, ...shape]. */
function measureOrt(file: string, shape: readonly number[], batch: number, seconds: number, runs: number): Measurement {
  return fromJson(runJson(process.execPath, ['--import', 'tsx', 'bench/ort.ts', file, '--shape', shape.join(','), '--batch', String(batch), '--seconds', String(seconds), '--runs', String(runs), '--threads', '2']));
}

function measure(backend: BackendName, c: Case, seconds: number, runs: number): Measurement {
  const common = [modelPath(c), '--mode', c.mode, '--batch', String(c.batch), '--seconds', String(seconds), '--runs', String(runs)];
  const slow = ['--slow-step', String(SLOW_STEP_SECONDS)];
  switch (backend) {
    case 'ours':
      return measureOurs(c, seconds, runs);
    case 'tfjs-wasm':
      // The runner checked the registered Conv2DBackpropFilter once before any timing (selfCheck below).
      return fromJson(runJson(process.execPath, ['--import', 'tsx', 'bench/tfjs.ts', '--backend', 'wasm', '--skip-check', ...common, ...slow]));
    case 'tfjs-cpu':
      return fromJson(runJson(process.execPath, ['--import', 'tsx', 'bench/tfjs.ts', '--backend', 'cpu', ...common, ...slow]));
    case 'torch':
      return fromJson(runJson(PYTHON, ['-W', 'ignore', 'bench/torch_bench.py', ...common, '--threads', '2']));
    case 'ort-web': {
      const { model } = parseModelText(readFileSync(join(ROOT, modelPath(c)), 'utf8'));
      return measureOrt(onnxOf(c), model!.input.shape, c.batch, seconds, runs);
    }
  }
}

/** A torchvision network of the real-network table: its ONNX file (batch norms kept) and our import of it. */
interface RealNet {
  readonly name: string;
  readonly onnx: string;
  readonly modelFile: string;
  readonly model: Model;
}

const REAL_SIZE = 224;
const REAL_LABELS: Readonly<Record<string, string>> = { mobilenet_v2: 'MobileNetV2', resnet18: 'ResNet-18', vgg11_bn: 'VGG-11-BN' };

/** Exports the networks with /usr/bin/python3 (torch, torchvision, onnx) into the scratch folder and imports them. */
async function realNets(names: readonly string[], notes: string[]): Promise<RealNet[]> {
  const nets: RealNet[] = [];
  const cache = join(scratch, 'torchvision');
  try {
    for await (const e of exportNets({ cache, opset: 17, bn: 'kept', nets: names.map((name) => ({ name, size: REAL_SIZE })) })) {
      if ('error' in e) {
        notes.push(`${e.name}: export failed: ${e.error}`);
        continue;
      }
      const onnx = join(e.dir, 'model.onnx');
      try {
        const { model } = importOnnx(readFileSync(onnx), { name: e.name });
        const modelFile = join(scratch, `${e.name}.cnn.json`);
        writeFileSync(modelFile, JSON.stringify(model));
        nets.push({ name: e.name, onnx, modelFile, model });
      } catch (err) {
        notes.push(`${e.name}: our importer refused it: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } catch (err) {
    notes.push(`real networks skipped: the torchvision export failed (${err instanceof Error ? err.message : String(err)})`);
  }
  return nets.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
}

function selfCheck(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/tfjs.ts', '--backend', 'wasm', '--check'], { cwd: ROOT, encoding: 'utf8' });
  const line = r.stderr.split('\n').find((l) => l.startsWith('Conv2DBackpropFilter self-check'));
  if (r.status !== 0 || !line) throw new Error(`the tfjs-wasm Conv2DBackpropFilter self-check failed:\n${r.stderr}`);
  return line;
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
}

function flopsOf(c: Case): number {
  const { model } = parseModelText(readFileSync(join(ROOT, modelPath(c)), 'utf8'));
  if (!model) throw new Error(`${modelPath(c)} is not a valid model`);
  return flopsPerSample(inferShapes(model), c.mode);
}

function cpuModel(): string {
  const r = spawnSync('lscpu', [], { encoding: 'utf8' });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('Model name:'));
  return line ? line.replace('Model name:', '').trim() : (cpus()[0]?.model ?? 'unknown');
}

function cpuFamily(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1] ?? '?';
    const flags = field('flags').split(' ');
    const simd = ['avx512f', 'avx2', 'fma'].filter((f) => flags.includes(f)).join(', ');
    return `${field('vendor_id')} family ${field('cpu family')} model ${field('model')}; ${simd}`;
  } catch {
    return 'unknown';
  }
}

function uptimeLoad(): string {
  const r = spawnSync('uptime', [], { encoding: 'utf8' });
  const m = /load average: (.*)$/.exec((r.stdout ?? '').trim());
  return m ? m[1]! : loadavg().map((l) => l.toFixed(2)).join(', ');
}

const fmtRate = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
/** One decimal, or two significant digits below 1 (tfjs-cpu's figures would all read 0.0). */
const fmtSmall = (v: number): string => (v >= 1 ? v.toFixed(1) : v.toPrecision(2));
const fmtRatio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');
const cell = (o: Outcome | undefined): string =>
  !o ? '—' : 'error' in o ? 'failed' : `${fmtRate(o.samplesPerSecond)}${o.singleStepSeconds !== undefined ? ' (1 step)' : ''}`;
const rate = (o: Outcome | undefined): number => (o && !('error' in o) ? o.samplesPerSecond : Number.NaN);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, runs: { type: 'string' }, backends: { type: 'string' }, networks: { type: 'string' }, results: { type: 'string' } } });
  const networks = values.networks === 'none' ? [] : (values.networks ?? Object.keys(REAL_LABELS).join(',')).split(',');
  const seconds = Number(values.seconds ?? 3);
  const runs = Number(values.runs ?? 3);
  if (!(seconds > 0) || !Number.isInteger(runs) || runs < 1) throw new Error('--seconds must be > 0 and --runs a whole number ≥ 1');
  const wanted = (values.backends ?? BACKENDS.join(',')).split(',') as BackendName[];
  for (const b of wanted) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b}; one of ${BACKENDS.join(', ')}`);
  if (wanted.includes('ours') && !existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: npm run build first (npm run bench does)');
  const backends = wanted.filter((b) => b !== 'torch' || torchAvailable());
  const notes: string[] = [];
  if (wanted.includes('torch') && !backends.includes('torch')) notes.push(`PyTorch skipped: \`${PYTHON} -c "import torch"\` fails (Debian: apt-get install python3-torch)`);
  const loadBefore = uptimeLoad();
  const started = new Date();
  console.log(`bench: ${backends.join(', ')}; 1 s warm-up, median of ${runs} runs of ${seconds} s; load before ${loadBefore}`);
  const check = backends.includes('tfjs-wasm') ? selfCheck() : undefined;
  if (check) console.log(`tfjs-wasm ${check}`);

  const results = new Map<BackendName, Map<Case, Outcome>>(backends.map((b) => [b, new Map()]));
  const labels = new Map<BackendName, string>();
  for (const c of CASES) {
    for (const b of backends) {
      // ONNX Runtime runs inference only.
      if (b === 'ort-web' && c.mode !== 'infer') continue;
      let o: Outcome;
      try {
        o = measure(b, c, seconds, runs);
        labels.set(b, o.label);
      } catch (e) {
        o = { error: e instanceof Error ? e.message : String(e) };
        notes.push(`${b}, ${caseName(c)}: ${o.error}`);
      }
      if (!('error' in o) && o.singleStepSeconds !== undefined) {
        notes.push(`${b}, ${caseName(c)}: one step took ${Math.round(o.singleStepSeconds)} s (over ${SLOW_STEP_SECONDS} s), so that one step was timed instead of the median of ${runs} runs`);
      }
      results.get(b)!.set(c, o);
      console.log(`  ${caseName(c).padEnd(22)} ${b.padEnd(10)} ${'error' in o ? `failed: ${o.error}` : `${fmtRate(o.samplesPerSecond)} samples/s (runs ${o.runs.map(fmtRate).join(', ')}; peak RSS ${Math.round(o.peakRssMb)} MB)`}`);
    }
  }
  // Real networks at 224×224, batch 1: ours folded and unfolded, ONNX Runtime Web, on the same ONNX file.
  const REAL_ROWS = ['ours', 'ours-unfolded', 'ort-web'] as const;
  const real = new Map<string, Map<(typeof REAL_ROWS)[number], Outcome>>();
  const realRowLabel: Record<(typeof REAL_ROWS)[number], string> = {
    ours: 'CNN Studio, batch norms folded',
    'ours-unfolded': 'CNN Studio, nothing folded (--unfolded)',
    'ort-web': 'ONNX Runtime Web',
  };
  const nets = networks.length > 0 && backends.includes('ours') && backends.includes('ort-web') ? await realNets(networks, notes) : [];
  for (const net of nets) {
    const row = new Map<(typeof REAL_ROWS)[number], Outcome>();
    const c: Case = { model: 'vgg-cifar', mode: 'infer', batch: 1 };
    for (const r of REAL_ROWS) {
      let o: Outcome;
      try {
        o =
          r === 'ort-web' ? measureOrt(net.onnx, [3, REAL_SIZE, REAL_SIZE], 1, seconds, runs)
          : measureOurs(c, seconds, runs, net.modelFile, r === 'ours-unfolded' ? ['--unfolded'] : []);
        if (r === 'ort-web') realRowLabel[r] = o.label;
        else realRowLabel[r] = `${o.label}, ${r === 'ours' ? 'batch norms and activations folded' : 'nothing folded (--unfolded)'}`;
      } catch (e) {
        o = { error: e instanceof Error ? e.message : String(e) };
        notes.push(`${r}, ${net.name}: ${o.error}`);
      }
      row.set(r, o);
      console.log(`  ${`${REAL_LABELS[net.name] ?? net.name} infer b1`.padEnd(22)} ${r.padEnd(14)} ${'error' in o ? `failed: ${o.error}` : `${fmtRate(o.samplesPerSecond)} samples/s (runs ${o.runs.map(fmtRate).join(', ')}; peak RSS ${Math.round(o.peakRssMb)} MB)`}`);
    }
    real.set(net.name, row);
  }
  rmSync(scratch, { recursive: true, force: true });
  const loadAfter = uptimeLoad();

  const rowLabel = (b: BackendName): string => labels.get(b) ?? b;
  const header = `| samples/s | ${CASES.map(caseName).join(' | ')} |`;
  const rule = `|---|${CASES.map(() => '---:').join('|')}|`;
  const table = [header, rule, ...backends.map((b) => `| ${rowLabel(b)} | ${CASES.map((c) => cell(results.get(b)!.get(c))).join(' | ')} |`)];
  const ours = results.get('ours');
  for (const other of ['tfjs-wasm', 'torch', 'ort-web'] as const) {
    const theirs = results.get(other);
    const name = other === 'torch' ? 'PyTorch' : other === 'ort-web' ? 'ONNX Runtime Web' : other;
    if (ours && theirs) table.push(`| **ours / ${name}** | ${CASES.map((c) => (other === 'ort-web' && c.mode !== 'infer' ? '—' : fmtRatio(rate(ours.get(c)), rate(theirs.get(c))))).join(' | ')} |`);
  }
  const realTable: string[] = [];
  if (nets.length > 0) {
    const names = nets.map((n) => `${REAL_LABELS[n.name] ?? n.name} infer b1`);
    realTable.push(`| samples/s, ${REAL_SIZE}×${REAL_SIZE} | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
    for (const r of REAL_ROWS) realTable.push(`| ${realRowLabel[r]} | ${nets.map((n) => cell(real.get(n.name)!.get(r))).join(' | ')} |`);
    const ratio = (a: (typeof REAL_ROWS)[number], b: (typeof REAL_ROWS)[number]): string =>
      nets.map((n) => fmtRatio(rate(real.get(n.name)!.get(a)), rate(real.get(n.name)!.get(b)))).join(' | ');
    realTable.push(`| **ours folded / ONNX Runtime Web** | ${ratio('ours', 'ort-web')} |`);
    realTable.push(`| ours unfolded / ONNX Runtime Web | ${ratio('ours-unfolded', 'ort-web')} |`);
    realTable.push(`| folded / unfolded | ${ratio('ours', 'ours-unfolded')} |`);
  }
  const gflops = [
    `| GFLOP/s (% of one core's ${PEAK_GFLOPS_PER_CORE} / of both cores' ${2 * PEAK_GFLOPS_PER_CORE}) | ${CASES.map(caseName).join(' | ')} |`,
    rule,
    ...backends.map((b) => {
      const cells = CASES.map((c) => {
        const g = (rate(results.get(b)!.get(c)) * flopsOf(c)) / 1e9;
        return Number.isFinite(g) ? `${fmtSmall(g)} (${fmtSmall((100 * g) / PEAK_GFLOPS_PER_CORE)} % / ${fmtSmall((50 * g) / PEAK_GFLOPS_PER_CORE)} %)` : '—';
      });
      return `| ${rowLabel(b)} | ${cells.join(' | ')} |`;
    }),
  ];
  console.log(['', ...table, '', ...gflops, '', ...realTable, '', `load before ${loadBefore}, after ${loadAfter}`, ...notes].join('\n'));

  if (values.results) {
    const md = [
      '# Benchmark results',
      '',
      `One run of \`npm run bench\` (bench/run.ts), ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Each backend and case ran in its`,
      `own process, one after the other: 1 s of warm-up, then the median of ${runs} runs of at least ${seconds} s; plain SGD (0.01),`,
      'softmax cross-entropy, the same seeded synthetic batch (uniform [0, 1) inputs, random labels), Glorot weights and zero biases.',
      '',
      `- Machine: ${cpuModel()} (${cpuFamily()}), ${cpus().length} cores; Node.js ${process.version}. The GFLOP/s fractions`,
      `  below use the peak issue 10 gives for these two cores, which it calls AMD Zen 4 (${PEAK_GFLOPS_PER_CORE} GFLOP/s each, fp32 FMA at 256 bits).`,
      `- Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}. Other jobs may have shared the two cores`,
      '  during the run, so every figure is a lower bound of what a quiet machine gives (PyTorch\'s two OpenMP threads suffer most).',
      ...(check ? [`- tfjs-wasm: ${check} (bench/tfjsWasmConvFilter.ts, run before any timing).`] : []),
      ...notes.map((n) => `- ${n}`),
      '',
      ...table,
      '',
      `GFLOP/s: ${FLOP_COUNTING}; samples/s × FLOPs per sample. The peak is the fp32 FMA rate at`,
      `256-bit width the issue gives for these cores (${PEAK_GFLOPS_PER_CORE} GFLOP/s per core, ${2 * PEAK_GFLOPS_PER_CORE} for two); WebAssembly's 128-bit SIMD can`,
      'reach at most half of it. tfjs runs on one thread, PyTorch on two, CNN Studio on the GEMM threads its row names',
      '(`cnn bench` defaults to all cores).',
      '',
      ...gflops,
      '',
      ...(realTable.length > 0
        ? [
            `## Real networks: torchvision at ${REAL_SIZE}×${REAL_SIZE}, batch 1 (inference)`,
            '',
            'Exported by scripts/torchvision-zoo/export.py (seeded random weights, opset 17, batch norms kept as nodes) and imported',
            'with our importer; ours times the imported .cnn.json (`cnn bench … --mode infer --batch 1`, with and without',
            '`--unfolded`), ONNX Runtime Web the same ONNX file (its own graph optimisations on, which fold batch norms too).',
            '',
            ...realTable,
            '',
          ]
        : []),
      '## How each backend runs',
      '- **CNN Studio**: `node dist/cli.js bench bench/<model>.cnn.json --mode … --batch … --seconds S --json`, once per run',
      '  (each process warms up for 1 s); training is forward, fused softmax cross-entropy, backward and SGD on every',
      '  parameter, the loss read back each step; inference is the forward pass, the outputs read back.',
      '- **tfjs-wasm / tfjs-cpu**: `bench/tfjs.ts --backend wasm|cpu`: the model in tfjs ops (`tf.fused.conv2d` and',
      '  `tf.fused.matMul` with bias and ReLU, `tf.maxPool`), `optimizer.minimize` with `tf.train.sgd(0.01)` on',
      '  `tf.losses.softmaxCrossEntropy`, `dataSync()` of the loss or the softmax outputs. wasm loads the package\'s own',
      '  .wasm files (`setWasmPaths`, offline), without threads, with SIMD. Its missing `Conv2DBackpropFilter` is',
      '  registered from its own ops (bench/tfjsWasmConvFilter.ts: a stride-1 conv2d of x with batch and channels',
      '  swapped by dy, dilated by the stride), checked against tfjs-cpu\'s kernel before any timing.',
      '- **PyTorch**: `/usr/bin/python3 bench/torch_bench.py`: NCHW `nn.Sequential`, `torch.set_num_threads(2)`,',
      '  `F.cross_entropy`, `torch.optim.SGD(lr=0.01)`, `loss.item()`; inference under `torch.no_grad()`.',
      '- **ONNX Runtime Web** (inference only): `bench/ort.ts`, onnxruntime-web in Node with its own .wasm files from',
      '  node_modules (no network), `numThreads = 2`, SIMD, `graphOptimizationLevel: \'all\'`; for the two bench models our',
      '  ONNX export of the same network (NHWC input, seeded initial weights), outputs read back and summed each run.',
      '- CNN Studio\'s inference folds batch norms into the convolution before them (engine/fold.ts), as `cnn predict` does.',
      '',
    ].join('\n');
    writeFileSync(resolve(values.results), md);
    console.log(`wrote ${values.results}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
