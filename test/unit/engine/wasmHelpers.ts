// Host side of the WebAssembly backend for tests and benchmarks: the .wasm bytes from src/engine/wasm/build
// (built by `npm run build`; built here on demand when missing) and Node 20's relaxed-SIMD flag.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { Rng } from '../../../src/engine/rng';
import assert from 'node:assert/strict';
import { createWasmKernels, type WasmKernels } from '../../../src/engine/kernels/wasm';
import { loadWasmBackend, WASM_FILES, WASM_VARIANTS, type WasmBackend, type WasmBinaries, type WasmVariant } from '../../../src/engine/wasm/backend';

const root = join(__dirname, '../../..');
const buildDir = join(root, 'src/engine/wasm/build');

/** Node 20 has relaxed SIMD behind a flag; it takes effect for modules validated/compiled after this call. */
export function enableRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

export function readWasmBinaries(): WasmBinaries {
  if (WASM_VARIANTS.some((v) => !existsSync(join(buildDir, WASM_FILES[v])))) {
    try {
      execFileSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`the WebAssembly kernels are not built and scripts/build-wasm.mjs failed (run npm run build): ${err.stderr?.toString() || err.message}`);
    }
  }
  const binaries: WasmBinaries = {};
  for (const v of WASM_VARIANTS) binaries[v] = readFileSync(join(buildDir, WASM_FILES[v]));
  return binaries;
}

/** Seeded values in [-1, 1). */
export function random(len: number, rng: Rng): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = 2 * rng.next() - 1;
  return x;
}

/** Copies `data` into a fresh arena buffer of `be`; returns its byte offset. */
export function put(be: WasmBackend, data: Float32Array): number {
  const ptr = be.alloc(data.length);
  be.f32().set(data, ptr >>> 2);
  return ptr;
}

/** A backend of its own (the best variant, or the one named) and its kernels. */
export function freshBackend(variant?: WasmVariant): { backend: WasmBackend; kernels: WasmKernels } {
  const r = loadWasmBackend(readWasmBinaries(), variant ? { variant } : {});
  assert.ok(r.backend, `WebAssembly (${variant ?? 'best'}) loads here`);
  return { backend: r.backend, kernels: createWasmKernels(r.backend) };
}

/** Regions of one backend's memory; views() once every region is reserved (a grow replaces the buffer). */
export class Regions {
  private readonly ptrs: number[] = [];
  private readonly sizes: number[] = [];
  constructor(private readonly be: WasmBackend) {}
  add(floats: number): number {
    this.ptrs.push(this.be.alloc(Math.max(floats, 1)));
    this.sizes.push(floats);
    return this.ptrs.length - 1;
  }
  views(): Float32Array[] {
    return this.ptrs.map((p, i) => this.be.f32At(p, this.sizes[i]!));
  }
  i32(k: number): Int32Array {
    return new Int32Array(this.be.memory.buffer, this.ptrs[k]!, this.sizes[k]!);
  }
  release(): void {
    this.be.release(this.ptrs[0]!);
  }
}
