// GEMM throughput in one run: the JavaScript reference gemm, the WebAssembly SIMD gemm (plain and relaxed SIMD)
// and @tensorflow/tfjs-backend-cpu's matMul, on the shapes the layers produce (conv forward as one batched GEMM,
// its weight and input gradients, dense). Not a test: numbers vary with the machine and its load; each figure is
// the best of --reps runs, the runs of the implementations interleaved so that load spreads evenly. Each wasm
// variant runs once per entry of --threads (the thread pool of src/engine/wasm/threadPool.ts, every GEMM split).
//   npx tsx bench/gemm.ts [--reps N] [--filter TEXT] [--threads 1,2] [--no-tfjs]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gemm as jsGemm } from '../src/engine/kernels/gemm';
import { createRng } from '../src/engine/rng';
import { loadWasmBackend, type WasmBackend, type WasmVariant } from '../src/engine/wasm/backend';
import { createKernelThreadPool } from '../src/node/runtime/kernelThreads';
import { enableRelaxedSimd, readWasmBinaries } from '../test/unit/engine/wasmHelpers';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    filter: { type: 'string', default: '' },
    threads: { type: 'string', default: '1,2' },
    'no-tfjs': { type: 'boolean', default: false },
  },
});
const reps = Number(args.reps);
const threadCounts = args.threads.split(',').map(Number);

interface Case { name: string; transA: boolean; transB: boolean; m: number; n: number; k: number }
const B = 32; // batch
const CASES: Case[] = [
  { name: 'conv 5×5×6→16 fwd (LeNet, 28×28)', transA: false, transB: false, m: B * 28 * 28, n: 16, k: 150 },
  { name: '  its dW = colsᵀ·dY', transA: true, transB: false, m: 150, n: 16, k: B * 28 * 28 },
  { name: '  its dcols = dY·Wᵀ', transA: false, transB: true, m: B * 28 * 28, n: 150, k: 16 },
  { name: 'conv 3×3×3→32 fwd (VGG, 32×32)', transA: false, transB: false, m: B * 32 * 32, n: 32, k: 27 },
  { name: 'conv 3×3×32→32 fwd (VGG, 32×32)', transA: false, transB: false, m: B * 32 * 32, n: 32, k: 288 },
  { name: '  its dW = colsᵀ·dY', transA: true, transB: false, m: 288, n: 32, k: B * 32 * 32 },
  { name: '  its dcols = dY·Wᵀ', transA: false, transB: true, m: B * 32 * 32, n: 288, k: 32 },
  { name: 'dense 4096→128 fwd', transA: false, transB: false, m: B, n: 128, k: 4096 },
  { name: 'square 512³', transA: false, transB: false, m: 512, n: 512, k: 512 },
].filter((c) => c.name.includes(args.filter));

enableRelaxedSimd();
const binaries = readWasmBinaries();
const backends: { be: WasmBackend; name: string }[] = [];
const pools = threadCounts.map((t) => (t > 1 ? createKernelThreadPool(t, { minMadds: 0 }) : undefined));
void Promise.all(pools.map((p) => p?.ready())).then(main);
function main(): void {
  for (const variant of ['simd', 'relaxed-simd'] as WasmVariant[]) {
    threadCounts.forEach((threads, i) => {
      const pool = pools[i];
      const r = loadWasmBackend(binaries, { variant, ...(pool ? { pool } : {}) });
      if (r.backend) backends.push({ be: r.backend, name: `${r.backend.name} ×${threads}` });
      else if (i === 0) console.log(`wasm-${variant}: unavailable (${r.reason})`);
    });
  }

  const rng = createRng(7);
  const random = (len: number): Float32Array => Float32Array.from({ length: len }, () => 2 * rng.next() - 1);
  const time = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return (performance.now() - t0) / 1000;
  };

  const names = ['js', ...backends.map((b) => b.name), ...(args['no-tfjs'] ? [] : ['tfjs-cpu'])];
  console.log(`GFLOP/s (2·M·N·K / best of ${reps}); js and tfjs-cpu on one thread, wasm on ×N threads; ratios against js\n`);
  console.log(['case'.padEnd(36), 'M×N×K'.padEnd(18), ...names.map((n) => n.padStart(22))].join(''));
  for (const c of CASES) {
    const { transA, transB, m, n, k } = c;
    const a = random(m * k), b = random(k * n), cOut = new Float32Array(m * n);
    const runs: (() => void)[] = [() => jsGemm(transA, transB, m, n, k, a, 0, b, 0, cOut, 0, false)];
    for (const { be } of backends) {
      const mark = be.mark();
      const pa = be.alloc(a.length), pb = be.alloc(b.length), pc = be.alloc(m * n);
      be.f32().set(a, pa >>> 2);
      be.f32().set(b, pb >>> 2);
      runs.push(() => be.gemm(transA, transB, m, n, k, pa, pb, pc, false));
      void mark; // buffers stay until the end of the run
    }
    if (!args['no-tfjs']) {
      const ta = tf.tensor2d(a, transA ? [k, m] : [m, k]);
      const tb = tf.tensor2d(b, transB ? [n, k] : [k, n]);
      runs.push(() => tf.tidy(() => void tf.matMul(ta, tb, transA, transB).dataSync()));
    }
    const best = runs.map(() => Infinity);
    for (const r of runs) r(); // warm-up
    for (let rep = 0; rep < reps; rep++) runs.forEach((r, i) => (best[i] = Math.min(best[i]!, time(r))));
    const gflops = best.map((t) => (2 * m * n * k) / t / 1e9);
    const cells = gflops.map((g, i) => `${g.toFixed(1)}${i > 0 ? ` (${(g / gflops[0]!).toFixed(1)}×)` : ''}`.padStart(22));
    console.log([c.name.padEnd(36), `${m}×${n}×${k}`.padEnd(18), ...cells].join(''));
  }
  void Promise.all(pools.map((p) => p?.close()));
}
