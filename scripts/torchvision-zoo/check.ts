// The torchvision zoo check, shared by `npm run zoo` (scripts/torchvision-zoo/zoo.ts) and the CI subset
// (test/integration/interop/torchvisionZoo.test.ts): export.py makes each network's .onnx file and PyTorch's class
// probabilities on a real photo; `cnn import` and `cnn predict` then run on them, and the probabilities are compared.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ZOO_DIR = __dirname;
export const PYTHON = '/usr/bin/python3';
/** Debian's python3-skimage ships real photos; chelsea.png is a cat (300×451 RGB). */
export const DEFAULT_PHOTO = '/usr/lib/python3/dist-packages/skimage/data/chelsea.png';
/** The bound on |p_ours − p_PyTorch| for every class. */
export const MAX_PROBABILITY_DIFF = 1e-4;
/**
 * Random networks give nearly uniform probabilities (each ≈ 1/1000 ± 2 %), so |Δp| ≤ 1e-4 alone would pass a
 * wrong network. Log-probabilities are the logits up to a shift: they must agree to 1e-3 of their spread too.
 */
export const MAX_LOG_PROBABILITY_DIFF = 1e-3;

export type BatchNormMode = 'folded' | 'kept';
export type Opset = 13 | 17;

/** One torchvision classifier as export.py --list describes it. */
export interface Classifier {
  readonly name: string;
  readonly params: number;
  /** The smallest input side the network takes (torchvision's min_size). */
  readonly minSize: number;
  /** The input side it runs at by default (224; inception_v3 299). */
  readonly size: number;
}

/** What export.py wrote for one network (reference.json). */
export interface ExportedNet {
  readonly name: string;
  readonly dir: string;
  readonly size: number;
  readonly params: number;
  readonly nodes: number;
  /** BatchNormalization nodes in the file, and batch norms PyTorch's forward ran. */
  readonly bnNodes: number;
  readonly bnRun: number;
  readonly onnxBytes: number;
  readonly probabilities: readonly number[];
  /** The original network's logits on the photo, and on batch.bin (the photo and coffee.png), [2][classes]. */
  readonly logits: readonly number[];
  readonly batchLogits: readonly (readonly number[])[];
  readonly seconds: { readonly build: number; readonly forward: number; readonly export: number };
  readonly cached: boolean;
}

/** A network export.py made, or why it could not. */
export type Exported = ExportedNet | { readonly name: string; readonly error: string };

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly seconds: number;
  /** Peak resident memory of the process, when it ran in one of its own. */
  readonly peakMB?: number;
}

/** Runs `cnn <args>`: in a process of its own (the script) or in this one (the test). */
export type RunCli = (args: readonly string[]) => Promise<CliRun>;

export interface Comparison {
  /** max |p_ours − p_PyTorch| over the classes. */
  readonly probability: number;
  /** max |log p_ours − log p_PyTorch|, and the spread it is measured against: max(1, max |log p − mean log p|). */
  readonly logProbability: number;
  readonly logScale: number;
  readonly top1Agrees: boolean;
  readonly pass: boolean;
}

export type Outcome = 'pass' | 'mismatch' | 'import' | 'predict' | 'export' | 'round trip';

/** What `npm run zoo -- --round-trips` keeps of roundTrips.ts's result (or the error that stopped it). */
export interface RoundTripSummary {
  readonly problems: readonly string[];
  readonly seconds: number;
  /** max |Δ| of ONNX Runtime on our export vs the original file, of model.py vs PyTorch, and the worst gradient's
   *  relative error (worst for its bound) and that bound: max(1e-3, 2 × PyTorch float32's own error there). */
  readonly onnx?: number;
  readonly pytorch?: number;
  readonly gradient?: number;
  readonly gradientBound?: number;
}

/** Runs the round trips on the imported model file (`cnn import`'s output, weights beside it). */
export type RunRoundTrips = (modelPath: string, exported: ExportedNet) => Promise<RoundTripSummary>;

export interface ZooResult {
  readonly name: string;
  readonly outcome: Outcome;
  /** The first line that says what went wrong (the import's problems are indented lines after a header). */
  readonly message?: string;
  /** Every problem `cnn import` listed. */
  readonly problems?: readonly string[];
  readonly exported?: ExportedNet;
  readonly importRun?: CliRun;
  readonly predictRun?: CliRun;
  readonly comparison?: Comparison;
  readonly roundTrip?: RoundTripSummary;
}

/** export.py --list: every CNN classifier of the installed torchvision (transformers left out). */
export async function listClassifiers(): Promise<Classifier[]> {
  const list: Classifier[] = [];
  for await (const line of pythonLines(['--list'])) list.push(JSON.parse(line) as Classifier);
  if (list.length === 0) throw new Error('export.py --list printed no classifiers');
  return list;
}

export interface ExportOptions {
  readonly cache: string;
  readonly opset: Opset;
  readonly bn: BatchNormMode;
  readonly photo?: string;
  /** Networks with their input side. */
  readonly nets: readonly { readonly name: string; readonly size: number }[];
  /** Lines export.py writes to stderr (progress, warnings). */
  readonly onStderr?: (line: string) => void;
}

/**
 * Exports the networks (or reads them from the cache), yielding each as soon as it is ready. When export.py dies
 * (the kernel's OOM killer on a big network), the network it was on is an export failure with the reason and a new
 * export.py goes on with the rest.
 */
export async function* exportNets(options: ExportOptions): AsyncGenerator<Exported> {
  mkdirSync(options.cache, { recursive: true });
  let rest = [...options.nets];
  while (rest.length > 0) {
    const args = ['--cache', options.cache, '--opset', String(options.opset), '--bn', options.bn, '--photo', options.photo ?? DEFAULT_PHOTO, ...rest.map((n) => `${n.name}:${n.size}`)];
    try {
      for await (const line of pythonLines(args, options.onStderr)) {
        const e = JSON.parse(line) as Exported;
        rest = rest.filter((n) => n.name !== e.name);
        yield e;
      }
      return;
    } catch (e) {
      const failed = rest.shift();
      if (!failed) throw e;
      yield { name: failed.name, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
    }
  }
}

async function* pythonLines(args: readonly string[], onStderr?: (line: string) => void): AsyncGenerator<string> {
  const child = spawn(PYTHON, [join(ZOO_DIR, 'export.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => {
    stderr.push(l);
    onStderr?.(l);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  for await (const line of createInterface({ input: child.stdout })) if (line.trim()) yield line;
  const code = await exited;
  if (spawnError) throw new Error(`${PYTHON} export.py: ${spawnError.message}`);
  if (code !== 0) throw new Error(`export.py exited with ${code}: ${stderr.slice(-5).join('\n')}`);
}

/** The probabilities `cnn predict --json --top 1000` printed for one image, by class index. */
export function parsePredictJson(out: string, classes: number): number[] {
  const parsed = JSON.parse(out) as { top?: { index: number; probability: number }[]; error?: string }[];
  const entry = parsed[0];
  if (!entry?.top) throw new Error(entry?.error ?? 'cnn predict printed no result');
  if (entry.top.length !== classes) throw new Error(`cnn predict gave ${entry.top.length} classes, PyTorch ${classes}`);
  const p = new Array<number>(classes).fill(NaN);
  for (const t of entry.top) p[t.index] = t.probability;
  return p;
}

export function compareProbabilities(ours: readonly number[], theirs: readonly number[]): Comparison {
  const log = (p: number): number => Math.log(Math.max(p, 1e-30));
  const theirLog = theirs.map(log);
  const mean = theirLog.reduce((a, b) => a + b, 0) / theirLog.length;
  const logScale = Math.max(1, ...theirLog.map((l) => Math.abs(l - mean)));
  let probability = ours.length === theirs.length ? 0 : Infinity;
  let logProbability = probability;
  for (let i = 0; i < theirs.length; i++) {
    // NaN (a class missing from ours) must fail: Math.max would keep it, a comparison would not.
    const d = Math.abs(ours[i]! - theirs[i]!);
    probability = Number.isNaN(d) ? Infinity : Math.max(probability, d);
    const dl = Math.abs(log(ours[i]!) - theirLog[i]!);
    logProbability = Number.isNaN(dl) ? Infinity : Math.max(logProbability, dl);
  }
  const argmax = (p: readonly number[]): number => p.reduce((best, v, i) => (v > p[best]! ? i : best), 0);
  const top1Agrees = argmax(ours) === argmax(theirs);
  const pass = probability <= MAX_PROBABILITY_DIFF && logProbability <= MAX_LOG_PROBABILITY_DIFF * logScale;
  return { probability, logProbability, logScale, top1Agrees, pass };
}

/** `cnn import` then `cnn predict` on the photo, compared with PyTorch, then (given `runRoundTrips`) the round trips
 *  when that passed. The imported files go to `workDir`. */
export async function checkNetwork(exported: Exported, runCli: RunCli, workDir: string, runRoundTrips?: RunRoundTrips): Promise<ZooResult> {
  const name = exported.name;
  if ('error' in exported) return { name, outcome: 'export', message: exported.error };
  mkdirSync(workDir, { recursive: true });
  const modelPath = join(workDir, `${name}.cnn.json`);
  try {
    const importRun = await runCli(['import', join(exported.dir, 'model.onnx'), '-o', modelPath, '--force']);
    if (importRun.code !== 0) {
      const lines = importRun.err.split('\n').filter((l) => l.trim() && !/: note: /.test(l));
      const problems = lines.filter((l) => /^\s/.test(l)).map((l) => l.trim());
      const message = problems[0] ?? lines[0] ?? `exit code ${importRun.code}`;
      return { name, outcome: 'import', message, problems, exported, importRun };
    }
    const predictRun = await runCli(['predict', modelPath, join(exported.dir, 'photo.png'), '--top', String(exported.probabilities.length), '--json']);
    if (predictRun.code !== 0) {
      return { name, outcome: 'predict', message: predictRun.err.split('\n').find((l) => l.trim()) ?? `exit code ${predictRun.code}`, exported, importRun, predictRun };
    }
    let ours: number[];
    try {
      ours = parsePredictJson(predictRun.out, exported.probabilities.length);
    } catch (e) {
      return { name, outcome: 'predict', message: e instanceof Error ? e.message : String(e), exported, importRun, predictRun };
    }
    const comparison = compareProbabilities(ours, exported.probabilities);
    if (!comparison.pass) return { name, outcome: 'mismatch', exported, importRun, predictRun, comparison };
    if (!runRoundTrips) return { name, outcome: 'pass', exported, importRun, predictRun, comparison };
    const roundTrip = await runRoundTrips(modelPath, exported);
    const outcome = roundTrip.problems.length ? 'round trip' : 'pass';
    return { name, outcome, ...(roundTrip.problems[0] ? { message: roundTrip.problems[0] } : {}), exported, importRun, predictRun, comparison, roundTrip };
  } finally {
    for (const f of [modelPath, modelPath.replace(/\.cnn\.json$/, '.safetensors')]) if (existsSync(f)) rmSync(f);
  }
}
