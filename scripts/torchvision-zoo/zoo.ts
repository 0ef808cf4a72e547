// `npm run zoo -- [--only resnet18,vgg*] [--opset 13|17|13,17] [--bn folded|kept|folded,kept] [--size N]
//                  [--max-params N] [--all] [--no-cache] [--json FILE] [--round-trips]`
// Every CNN classifier of torchvision (Debian's python3-torchvision 0.14) with random seeded weights, exported to
// ONNX by export.py at each opset with batch norm folded (TrainingMode.EVAL) and kept (PRESERVE), then
// `node dist/cli.js import` and `node dist/cli.js predict` on a real photo, compared with PyTorch's probabilities.
// --round-trips adds, for each network that predicts right, roundTrips.ts (our ONNX export in ONNX Runtime, model.py
// in PyTorch, one SGD step's gradients vs autograd) in a process of its own.
// Prints a table (network × opset × batch norm), the failures grouped by message, and a summary; exit 1 when any
// network that ran does not pass. Exported files stay in .torchvision-zoo/ (ignored by git) for the next run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkNetwork, exportNets, listClassifiers, type BatchNormMode, type Classifier, type CliRun, type Opset, type RoundTripSummary, type RunCli, type RunRoundTrips, type ZooResult } from './check';
import { formatTable, groupFailures, summaryLine } from './report';

const ROOT = resolve(__dirname, '../..');
/** Above this many parameters a network runs only with --all. vgg19_bn (143.7 M) takes about 2.5 GB and a minute in
 *  `cnn import` + `cnn predict`; convnext_large (198 M) and regnet_y_128gf (645 M, more than ONNX's 2 GB protobuf)
 *  are left out by default. */
const DEFAULT_MAX_PARAMS = 150e6;

const USAGE = 'usage: npm run zoo -- [--only NAME,PREFIX*,…] [--opset 13|17|13,17] [--bn folded|kept|folded,kept] [--size N] [--max-params N] [--all] [--no-cache] [--json FILE] [--timeout S] [--round-trips]';

function fail(message: string): never {
  console.error(`zoo: ${message}\n${USAGE}`);
  process.exit(2);
}

function listOf<T extends string | number>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').map((s) => s.trim());
  const out = items.map((s) => allowed.find((a) => String(a) === s) ?? fail(`--${what} takes ${allowed.join(' or ')} (comma-separated), got "${s}"`));
  return [...new Set(out)];
}

function positive(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${what} takes a positive number, got "${value}"`);
  return n;
}

/** `node dist/cli.js …` under /usr/bin/time for the peak memory, killed after `timeout` seconds. */
function processCli(cli: string, timeout: number): RunCli {
  return (args) =>
    new Promise<CliRun>((done) => {
      const started = performance.now();
      const child = spawn('/usr/bin/time', ['-f', '@zoo-time %M', process.execPath, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout * 1000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const seconds = (performance.now() - started) / 1000;
        const time = /@zoo-time (\d+)\s*$/.exec(err);
        const rest = err.replace(/(Command (exited with non-zero status|terminated by signal) \d+\n)?@zoo-time \d+\s*$/, '');
        const killed = signal ? `killed (${signal}) after ${seconds.toFixed(0)} s${signal === 'SIGKILL' && seconds >= timeout ? ` (--timeout ${timeout})` : ''}\n` : '';
        done({ code: code ?? 1, out, err: killed + rest, seconds, ...(time ? { peakMB: Number(time[1]) / 1024 } : {}) });
      });
    });
}

/** roundTripCli.ts under tsx, killed after `timeout` seconds; its failure to run is a problem of the row. */
function processRoundTrips(timeout: number, work: string): RunRoundTrips {
  return (modelPath, exported) =>
    new Promise<RoundTripSummary>((done) => {
      const started = performance.now();
      const args = [join(__dirname, 'roundTripCli.ts'), exported.dir, modelPath, join(work, `${exported.name}-roundtrip`)];
      const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout * 1000);
      const failed = (why: string): RoundTripSummary => ({ problems: [why], seconds: (performance.now() - started) / 1000 });
      child.on('error', (e) => done(failed(`roundTripCli.ts: ${e.message}`)));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const line = out.trim().split('\n').pop() ?? '';
        if (code === 0 && line.startsWith('{')) return done(JSON.parse(line) as RoundTripSummary);
        const why = signal ? `killed (${signal}) after ${((performance.now() - started) / 1000).toFixed(0)} s` : (err.trim().split('\n').filter((l) => !/npm warn/.test(l)).pop() ?? `exit ${code}`);
        done(failed(`roundTripCli.ts: ${why}`));
      });
    });
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        only: { type: 'string' },
        opset: { type: 'string', default: '17' },
        bn: { type: 'string', default: 'folded,kept' },
        size: { type: 'string' },
        'max-params': { type: 'string' },
        all: { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        cache: { type: 'string', default: join(ROOT, '.torchvision-zoo') },
        json: { type: 'string' },
        timeout: { type: 'string', default: '900' },
        'round-trips': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    return 0;
  }
  const opsets = listOf<Opset>(v.opset, [13, 17], 'opset');
  const modes = listOf<BatchNormMode>(v.bn, ['folded', 'kept'], 'bn');
  const size = positive(v.size, 'size');
  const maxParams = positive(v['max-params'], 'max-params') ?? DEFAULT_MAX_PARAMS;
  const timeout = positive(v.timeout, 'timeout')!;
  const cli = join(ROOT, 'dist/cli.js');
  if (!existsSync(cli)) fail('dist/cli.js is missing: run `npm run build` (npm run zoo does)');

  const all = await listClassifiers();
  const wanted = v.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((w) => !all.some((c) => (w.endsWith('*') ? c.name.startsWith(w.slice(0, -1)) : c.name === w)));
  if (unknown?.length) fail(`not a torchvision CNN classifier: ${unknown.join(', ')} (they are: ${all.map((c) => c.name).join(', ')})`);
  const chosen = wanted ? all.filter((c) => wanted.some((w) => (w.endsWith('*') ? c.name.startsWith(w.slice(0, -1)) : c.name === w))) : all;
  const skipped = chosen.filter((c) => !v.all && c.params > maxParams);
  const nets = chosen.filter((c) => !skipped.includes(c)).map((c: Classifier) => ({ name: c.name, size: Math.max(size ?? c.size, c.minSize) }));
  console.log(`zoo: ${nets.length} of torchvision's ${all.length} CNN classifiers × opset ${opsets.join(', ')} × batch norm ${modes.join(', ')}; photo chelsea.png; |Δp| ≤ 1e-4 and |Δlog p| ≤ 1e-3 of the log-probabilities' spread`);
  for (const s of skipped) console.log(`zoo: skipped ${s.name}: ${(s.params / 1e6).toFixed(1)} M parameters > --max-params ${(maxParams / 1e6).toFixed(0)} M (--all runs it)`);

  const runCli = processCli(cli, timeout);
  const work = mkdtempSync(join(tmpdir(), 'cnn-zoo-'));
  const rows: { opset: Opset; bn: BatchNormMode; result: ZooResult }[] = [];
  const started = performance.now();
  try {
    for (const opset of opsets) {
      for (const bn of modes) {
        for await (const exported of exportNets({ cache: v.cache, opset, bn, nets, onStderr: (l) => l.startsWith('export.py:') || console.error(`  ${l}`) })) {
          const result = await checkNetwork(exported, runCli, work, v['round-trips'] ? processRoundTrips(timeout, work) : undefined);
          rows.push({ opset, bn, result });
          console.log(formatTable([{ opset, bn, result }], false));
          if (v['no-cache'] && 'dir' in exported) rmSync(exported.dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${formatTable(rows, true)}\n`);
  const groups = groupFailures(rows);
  if (groups) console.log(`${groups}\n`);
  console.log(summaryLine(rows, skipped.length, (performance.now() - started) / 1000));
  if (v.json) {
    writeFileSync(v.json, JSON.stringify(rows.map(({ opset, bn, result }) => ({ opset, bn, ...result, exported: result.exported && { ...result.exported, probabilities: undefined } })), null, 1));
  }
  return rows.every((r) => r.result.outcome === 'pass') ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`zoo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
