// Host side of the kernels choice, shared by the CLI and the training worker: enables Node 20's relaxed SIMD
// (the engine is pure and cannot), gets the .wasm bytes, loads the best variant the runtime validates and installs
// it with setKernels, else keeps the JavaScript kernels and says why. The bytes come from a provider: the bundles
// register the ones esbuild inlined (src/data/wasmBundle.ts, imported by the entry points only, since tsx cannot
// import .wasm); unbundled runs (tsx: tests, bench/) read src/engine/wasm/build/, which `npm run build` fills.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { getKernels, jsKernels, setKernels, type Kernels } from '../engine/kernels';
import { createWasmKernels } from '../engine/kernels/wasm';
import { loadWasmBackend, WASM_FILES, WASM_VARIANTS, type WasmBinaries, type WasmVariant } from '../engine/wasm/backend';

/** `auto`: the best WebAssembly variant, else JavaScript. `wasm`: the same, but not getting it is an error for callers that ask. */
export const KERNEL_REQUESTS = ['auto', 'js', 'wasm', 'wasm-relaxed-simd', 'wasm-simd'] as const;
export type KernelsRequest = (typeof KERNEL_REQUESTS)[number];

export interface KernelsChoice {
  readonly kernels: Kernels;
  /** What runs: "js", "wasm-relaxed-simd" or "wasm-simd". */
  readonly name: string;
  /** Why the JavaScript kernels run although WebAssembly was wanted (absent when they were asked for). */
  readonly fallback?: string;
}

export type WasmBinaryProvider = () => WasmBinaries;

let provider: WasmBinaryProvider = builtBinaries;
const JS: KernelsChoice = { kernels: jsKernels, name: 'js' };
/** The choice installed last by useKernels/withKernels, for the one line that says which kernels run. */
let active: KernelsChoice = JS;
/** One backend (one WebAssembly.Memory) per variant and process: loading twice would only waste memory. */
const loaded = new Map<string, KernelsChoice>();

/** Where the .wasm bytes come from (the bundle entry points register the inlined ones). */
export function setWasmBinaryProvider(p: WasmBinaryProvider): void {
  provider = p;
  loaded.clear();
}

function builtBinaries(): WasmBinaries {
  const dir = join(__dirname, '../engine/wasm/build');
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

/** The kernels for `request`, never throwing: a WebAssembly failure falls back to JavaScript with the reason. */
export function loadKernels(request: KernelsRequest = 'auto'): KernelsChoice {
  if (request === 'js') return JS;
  const variant: WasmVariant | undefined = request === 'wasm-relaxed-simd' ? 'relaxed-simd' : request === 'wasm-simd' ? 'simd' : undefined;
  const key = variant ?? 'best';
  const cached = loaded.get(key);
  if (cached) return cached;
  let choice: KernelsChoice;
  try {
    // Node 20 validates relaxed SIMD only behind this flag (on by default in Electron 34); it applies to modules
    // compiled afterwards, so it must come before loadWasmBackend. Harmless where already on.
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    const r = loadWasmBackend(provider(), variant ? { variant } : {});
    choice = r.backend ? { kernels: createWasmKernels(r.backend), name: r.name } : { kernels: jsKernels, name: 'js', fallback: r.reason };
  } catch (e) {
    choice = { kernels: jsKernels, name: 'js', fallback: e instanceof Error ? e.message : String(e) };
  }
  loaded.set(key, choice);
  return choice;
}

/** Loads and installs the kernels every layer will use; returns the choice to report. */
export function useKernels(request: KernelsRequest = kernelsRequestFromEnv()): KernelsChoice {
  const choice = loadKernels(request);
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

/** The one line that says which kernels run: "kernels: wasm-relaxed-simd". */
export function describeKernels(choice: KernelsChoice): string {
  return `kernels: ${kernelsLabel(choice)}`;
}
