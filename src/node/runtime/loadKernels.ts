// Host side of the kernels choice, shared by the CLI and the training worker: enables Node 20's relaxed SIMD
// (the engine is pure and cannot), gets the .wasm bytes, loads the best variant the runtime validates and installs
// it with setKernels, else keeps the JavaScript kernels and says why. The bytes come from a provider: the bundles
// register the ones esbuild inlined (src/node/runtime/wasmBundle.ts, imported by the entry points only, since tsx cannot
// import .wasm); unbundled runs (tsx: tests, bench/) read src/engine/wasm/build/, which `npm run build` fills.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { getKernels, jsKernels, setKernels, type Kernels } from '../../engine/kernels';
import { createWasmKernels } from '../../engine/kernels/wasm';
import { loadWasmBackend, WASM_FILES, WASM_VARIANTS, type WasmBinaries, type WasmVariant } from '../../engine/wasm/backend';
import type { KernelThreadPool } from '../../engine/wasm/threadPool';
import { isSharedPoolOpen, sharedKernelThreadPool } from './kernelThreads';

/** `auto`: the best WebAssembly variant, else JavaScript. `wasm`: the same, but not getting it is an error for callers that ask. */
export const KERNEL_REQUESTS = ['auto', 'js', 'wasm', 'wasm-relaxed-simd', 'wasm-simd'] as const;
export type KernelsRequest = (typeof KERNEL_REQUESTS)[number];

export interface KernelsChoice {
  readonly kernels: Kernels;
  /** What runs: "js", "wasm-relaxed-simd" or "wasm-simd". */
  readonly name: string;
  /** Why the JavaScript kernels run although WebAssembly was wanted (absent when they were asked for). */
  readonly fallback?: string;
  /** Threads a GEMM runs on (1 for the JavaScript kernels), and their pool when more than one. */
  readonly threads: number;
  readonly pool?: KernelThreadPool;
}

export type WasmBinaryProvider = () => WasmBinaries;

let provider: WasmBinaryProvider = builtBinaries;
const JS: KernelsChoice = { kernels: jsKernels, name: 'js', threads: 1 };
/** The choice installed last by useKernels/withKernels, for the one line that says which kernels run. */
let active: KernelsChoice = JS;
/** One backend (one WebAssembly.Memory) per variant, thread count and process: loading twice would only waste memory. */
const loaded = new Map<string, KernelsChoice>();

/** Where the .wasm bytes come from (the bundle entry points register the inlined ones). */
export function setWasmBinaryProvider(p: WasmBinaryProvider): void {
  provider = p;
  loaded.clear();
}

function builtBinaries(): WasmBinaries {
  const dir = join(__dirname, '../../engine/wasm/build');
  const binaries: WasmBinaries = {};
  for (const v of WASM_VARIANTS) {
    const file = join(dir, WASM_FILES[v]);
    if (existsSync(file)) binaries[v] = readFileSync(file);
  }
  if (Object.keys(binaries).length === 0) throw new Error(`no .wasm in ${dir} (run npm run build)`);
  return binaries;
}

/** CNN_KERNELS=js|wasm|wasm-simd|… overrides the automatic choice (to compare, or to rule the wasm kernels out). */
export function kernelsRequestFromEnv(env: NodeJS.ProcessEnv = process.env): KernelsRequest {
  const v = env.CNN_KERNELS;
  return (KERNEL_REQUESTS as readonly string[]).includes(v ?? '') ? (v as KernelsRequest) : 'auto';
}

function variantOf(request: KernelsRequest): WasmVariant | undefined {
  return request === 'wasm-relaxed-simd' ? 'relaxed-simd' : request === 'wasm-simd' ? 'simd' : undefined;
}

function cacheKey(request: KernelsRequest, threads: number): string {
  return `${variantOf(request) ?? 'best'}×${threads}`;
}

/** The error WebAssembly gives when an engine's memory would pass its 4 GiB address space. */
export function isWasmMemoryExhausted(e: unknown): boolean {
  return e instanceof RangeError && /WebAssembly\.Memory\.grow|Maximum memory size exceeded|Out of memory: Cannot allocate Wasm memory/i.test(e.message);
}

/**
 * The kernels for `request`, never throwing: a WebAssembly failure falls back to JavaScript with the reason.
 * `threads` > 1 splits large GEMMs over the process's pool of that many threads (./kernelThreads).
 */
export function loadKernels(request: KernelsRequest = 'auto', threads = 1): KernelsChoice {
  if (request === 'js') return JS;
  const variant = variantOf(request);
  const key = cacheKey(request, threads);
  const cached = loaded.get(key);
  // Kernels whose thread pool was closed (closeSharedKernelThreadPools) are loaded again with a new pool.
  if (cached && (!cached.pool || isSharedPoolOpen(cached.pool))) return cached;
  let choice: KernelsChoice;
  try {
    // Node 20 validates relaxed SIMD only behind this flag (on by default in Electron 34); it applies to modules
    // compiled afterwards, so it must come before loadWasmBackend. Harmless where already on.
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    const pool = threads > 1 ? sharedKernelThreadPool(threads) : undefined;
    const r = loadWasmBackend(provider(), { ...(variant ? { variant } : {}), ...(pool ? { pool } : {}) });
    choice = r.backend
      ? { kernels: createWasmKernels(r.backend), name: r.name, threads, ...(pool ? { pool } : {}) }
      : { kernels: jsKernels, name: 'js', fallback: r.reason, threads: 1 };
  } catch (e) {
    choice = { kernels: jsKernels, name: 'js', fallback: e instanceof Error ? e.message : String(e), threads: 1 };
  }
  loaded.set(key, choice);
  return choice;
}

/**
 * loadKernels, then waits until the GEMM helper threads run, so the first step already splits. Helpers that
 * cannot start are a warning and one thread, not a failed run (the results are the same on any thread count).
 */
export async function loadKernelsWithThreads(request: KernelsRequest, threads: number, onWarning: (message: string) => void): Promise<KernelsChoice> {
  const choice = loadKernels(request, threads);
  try {
    await choice.pool?.ready();
    return choice;
  } catch (e) {
    onWarning(`${e instanceof Error ? e.message : String(e)}: running on 1 thread`);
    // A later call must not get the broken pool again.
    loaded.delete(cacheKey(request, threads));
    return loadKernels(request, 1);
  }
}

/** Loads and installs the kernels every layer will use; returns the choice to report. */
export function useKernels(request: KernelsRequest = kernelsRequestFromEnv(), threads = 1): KernelsChoice {
  const choice = loadKernels(request, threads);
  setKernels(choice.kernels);
  active = choice;
  return choice;
}

/** Runs `work` with `choice`'s kernels and restores the previous ones after (a CLI command called from a test
 *  must not switch the kernels of the tests that follow). */
export async function withKernels<T>(choice: KernelsChoice, work: () => Promise<T>): Promise<T> {
  const previous = { kernels: getKernels(), choice: active };
  setKernels(choice.kernels);
  active = choice;
  try {
    return await work();
  } finally {
    setKernels(previous.kernels);
    active = previous.choice;
  }
}

/** The kernels installed by the last useKernels/withKernels (JavaScript when none was). */
export function activeKernels(): KernelsChoice {
  return active;
}

/** "wasm-relaxed-simd", or "js (WebAssembly unavailable: …)". */
export function kernelsLabel(choice: KernelsChoice): string {
  return `${choice.name}${choice.fallback ? ` (WebAssembly unavailable: ${choice.fallback})` : ''}`;
}

/** "wasm-relaxed-simd, 2 threads": which kernels and how many GEMM threads. */
export function kernelsWithThreads(choice: KernelsChoice): string {
  return `${kernelsLabel(choice)}, ${choice.threads} thread${choice.threads === 1 ? '' : 's'}`;
}

/** The one line that says which kernels run: "kernels: wasm-relaxed-simd" (cnn bench says its threads apart). */
export function describeKernels(choice: KernelsChoice): string {
  return `kernels: ${kernelsLabel(choice)}`;
}

/** The same with the GEMM threads, for cnn train: "kernels: wasm-relaxed-simd, 2 threads". */
export function describeKernelsAndThreads(choice: KernelsChoice): string {
  return `kernels: ${kernelsWithThreads(choice)}`;
}
