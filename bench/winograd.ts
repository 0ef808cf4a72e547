// Winograd F(2×2, 3×3) against im2col + GEMM for 3×3 stride-1 'same' convolutions over a sweep of channels and
// image sizes: the measurement behind the rule in src/model/layers/winograd.ts. Each case times the same layer
// planned both ways, interleaved (off, on, off, on …), with its input and upstream gradient in the layer's own
// memory (so that the WebAssembly kernels run in place, as in a network). Not a test: numbers vary with the machine.
//   npx tsx bench/winograd.ts [--kernels auto|js|wasm…] [--threads N] [--seconds S] [--rounds R]
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { allocBuf } from '../src/engine/arena';
import { setKernels } from '../src/engine/kernels';
import { createLayer } from '../src/engine/layers';
import { createRng } from '../src/engine/rng';
import { tensor, type Tensor } from '../src/engine/tensor';
import { analyze } from '../src/model/shapes';
import { setWinograd, usesWinograd } from '../src/model/layers/winograd';
import type { Shape } from '../src/model/types';
import { loadKernelsWithThreads, type KernelsRequest } from '../src/node/runtime/loadKernels';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values } = parseArgs({ options: { kernels: { type: 'string' }, threads: { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' } } });
const seconds = Number(values.seconds ?? 0.3);
const rounds = Number(values.rounds ?? 2);

/** [channels in, filters, height = width, batch] */
const CASES: [number, number, number, number][] = [];
for (const c of [8, 16, 32, 64, 128, 256]) for (const h of [4, 8, 16, 32]) CASES.push([c, c, h, h >= 32 ? 8 : h >= 16 ? 16 : 32]);
CASES.push([3, 64, 32, 8], [64, 128, 16, 16], [128, 256, 8, 32], [256, 512, 4, 32], [512, 512, 2, 32], [512, 512, 14, 1], [256, 256, 28, 1], [64, 64, 56, 1]);

function layerOf(c: number, k: number, h: number, batch: number, winograd: boolean): { infer: () => void; train: () => void; wino: boolean } {
  setWinograd(winograd ? 'always' : 'off');
  try {
    const input: Shape = [h, h, c];
    const info = analyze(input, [{ type: 'conv2d', filters: k, kernelSize: 3, padding: 'same', activation: 'relu' }]).layers[0]!;
    const rng = createRng(1);
    const layer = createLayer(info, rng.fork());
    const fill = (shape: number[]): Tensor => {
      const t = tensor(shape, allocBuf(layer.memory.arena, shape.reduce((a, b) => a * b, 1)).view());
      for (let i = 0; i < t.data.length; i++) t.data[i] = 2 * rng.next() - 1;
      return t;
    };
    const x = fill([batch, ...input]);
    const dy = fill([batch, h, h, k]);
    layer.forward(x, false);
    return {
      infer: () => void layer.forward(x, false),
      train: () => {
        layer.forward(x, true);
        layer.backward(dy);
      },
      wino: layer.memory.has('wino'),
    };
  } finally {
    setWinograd('auto');
  }
}

/** ms per run: the mean over runs for at least `seconds` after one warm-up run. */
function time(run: () => void): number {
  run();
  const start = performance.now();
  let n = 0;
  do {
    run();
    n++;
  } while (performance.now() - start < seconds * 1000);
  return (performance.now() - start) / n;
}

async function main(): Promise<void> {
  const choice = await loadKernelsWithThreads((values.kernels ?? 'auto') as KernelsRequest, Number(values.threads ?? 2), (m) => console.warn(m));
  setKernels(choice.kernels);
  console.log(`kernels ${choice.name}, ${choice.threads} thread(s); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('cin→cout  h×w  batch | infer ms: im2col winograd speedup | train ms: im2col winograd speedup');
  for (const [c, k, h, batch] of CASES) {
    setWinograd('auto');
    const ruled = usesWinograd(analyze([h, h, c], [{ type: 'conv2d', filters: k, kernelSize: 3, padding: 'same' }]).layers[0]!.window, 1, c, k);
    const direct = layerOf(c, k, h, batch, false);
    const wino = layerOf(c, k, h, batch, true);
    const best = { di: Infinity, wi: Infinity, dt: Infinity, wt: Infinity };
    // Interleaved rounds, the best of each: the machine is shared.
    for (let r = 0; r < rounds; r++) {
      best.di = Math.min(best.di, time(direct.infer));
      best.wi = Math.min(best.wi, time(wino.infer));
      best.dt = Math.min(best.dt, time(direct.train));
      best.wt = Math.min(best.wt, time(wino.train));
    }
    const f = (v: number): string => v.toFixed(2).padStart(8);
    console.log(
      `${`${c}→${k}`.padEnd(9)} ${`${h}×${h}`.padStart(5)} ${String(batch).padStart(5)} | ${f(best.di)} ${f(best.wi)} ${(best.di / best.wi).toFixed(2).padStart(6)}× | ${f(best.dt)} ${f(best.wt)} ${(best.dt / best.wt).toFixed(2).padStart(6)}×  rule: ${ruled ? 'winograd' : 'im2col'}`,
    );
  }
  await choice.pool?.close();
}

void main();
