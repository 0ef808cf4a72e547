// `npx tsx scripts/torchvision-zoo/importTime.ts [N…] [--timeout S]`: how `cnn import` time grows with the number
// of nodes. For each N (default 100, 1000, 3000, 10000) chain.py writes a valid N-node chain (Conv 1×1 and Relu in
// turn); `node dist/cli.js import` converts it in a process of its own, timed from start to exit (Node's start-up,
// about 0.1 s, included), killed after the timeout. Prints one line per N and the time per node. Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PYTHON, ZOO_DIR } from './check';

const ROOT = resolve(__dirname, '../..');

function main(): number {
  const args = process.argv.slice(2);
  const t = args.indexOf('--timeout');
  const timeout = t >= 0 ? Number(args.splice(t, 2)[1]) : 600;
  const sizes = args.length ? args.map(Number) : [100, 1000, 3000, 10000];
  if (!sizes.every((n) => Number.isInteger(n) && n > 0) || !(timeout > 0)) {
    console.error('usage: importTime.ts [N…] [--timeout S]');
    return 2;
  }
  const cli = join(ROOT, 'dist/cli.js');
  if (!existsSync(cli)) {
    console.error('importTime: dist/cli.js is missing: run npm run build');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cnn-chain-'));
  try {
    for (const n of sizes) {
      const onnx = join(dir, `chain${n}.onnx`);
      const made = spawnSync(PYTHON, [join(ZOO_DIR, 'chain.py'), String(n), onnx], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`chain.py ${n}: ${made.stderr.trim().split('\n').pop()}`);
      const started = performance.now();
      const r = spawnSync(process.execPath, [cli, 'import', onnx, '-o', join(dir, `chain${n}.cnn.json`), '--force'], { encoding: 'utf8', timeout: timeout * 1000 });
      const seconds = (performance.now() - started) / 1000;
      const outcome = r.signal ? `killed after ${seconds.toFixed(0)} s (--timeout ${timeout})` : r.status === 0 ? 'ok' : `exit ${r.status}: ${r.stderr.trim().split('\n')[0]}`;
      console.log(`${String(n).padStart(6)} nodes  ${(statSync(onnx).size / 1024).toFixed(0).padStart(6)} KB  ${seconds.toFixed(2).padStart(7)} s  ${((seconds / n) * 1000).toFixed(2).padStart(6)} ms/node  ${outcome}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exit(main());
