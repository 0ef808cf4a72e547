// ONNX Runtime Web (onnxruntime-web: WebAssembly SIMD, the fastest engine that runs in our runtime) timing inference
// on an ONNX file, by bench/timing.ts's protocol (1 s warm-up, then R runs of S seconds; awaited runs).
//   node --import tsx bench/ort.ts FILE.onnx --shape 3,224,224 --batch 1 --seconds S --runs R [--threads 2]
// The package's own .wasm files are loaded from node_modules (no network). Prints one JSON line, as bench/tfjs.ts.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { createRng } from '../src/engine/rng';
import { median } from './timing';

const WARMUP_MS = 1000;

async function timeRunsAsync(step: () => Promise<number>, batch: number, seconds: number, runs: number): Promise<number[]> {
  const warm = performance.now();
  do await step();
  while (performance.now() - warm < WARMUP_MS);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    let steps = 0;
    let elapsed = 0;
    do {
      await step();
      steps++;
      elapsed = performance.now() - start;
    } while (elapsed < seconds * 1000);
    rates.push((steps * batch * 1000) / elapsed);
  }
  return rates;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { shape: { type: 'string' }, batch: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' }, threads: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.shape) throw new Error('usage: bench/ort.ts FILE.onnx --shape d1,d2,d3 [--batch N] [--seconds S] [--runs R] [--threads T]');
  const sample = values.shape.split(',').map(Number);
  const batch = Number(values.batch ?? 1);
  const threads = Number(values.threads ?? 2);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = pathToFileURL(`${dirname(require.resolve('onnxruntime-web'))}/`).href;
  const session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const rng = createRng(2);
  const data = new Float32Array(batch * sample.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [batch, ...sample]) };
  const output = session.outputNames[0]!;
  const step = async (): Promise<number> => {
    const r = await session.run(feeds);
    const y = r[output]!.data as Float32Array;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]!;
    return sum;
  };
  const rates = await timeRunsAsync(step, batch, Number(values.seconds ?? 3), Number(values.runs ?? 3));
  console.log(JSON.stringify({
    backend: `ONNX Runtime Web ${ort.env.versions.web ?? ''} (wasm SIMD, ${threads} threads)`,
    samples_per_s: median(rates),
    runs: rates,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  }));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
