// The Kernels whose GEMM runs in WebAssembly (the backend of ../wasm/backend), every other kernel still the
// JavaScript one. The engine owns its memory (DESIGN.md §6): networks and layers built with these kernels get a
// WasmArena (createArena: a memory of their own from the same module), so their operands are views of a wasm
// memory and the GEMM runs in place on byte offsets, no copies. Operands outside any wasm memory (a caller's
// array, a test's) take the staging path: copied into regions of this backend's arena and C copied back. The
// staging regions grow only when a larger operand is first seen.
import { WasmArena } from '../arena';
import { backendOfBuffer, type WasmBackend } from '../wasm/backend';
import type { gemm as jsGemm } from './gemm';
import { jsKernels, type Kernels } from './index';
import { createWasmOps, type OpCounts } from './wasmOps';

/** Headroom when a staging region grows, so a slowly rising size (e.g. the first few batch shapes) regrows rarely. */
const GROWTH = 1.25;

/** Three arena regions (A, B, C) reused by every call; sizes in floats. */
export class GemmStaging {
  private start: number;
  private end: number;
  private capA = 0;
  private capB = 0;
  private capC = 0;
  private pa = 0;
  private pb = 0;
  private pc = 0;
  /** How often the regions were (re)planned: stays put in steady state (tests check it). */
  plans = 0;
  /** GEMMs run in place on an arena's memory, and GEMMs that had to copy (tests check both). */
  inPlace = 0;
  copied = 0;

  constructor(private readonly backend: WasmBackend) {
    this.start = this.end = backend.mark();
  }

  /** Bytes of the arena the staging regions span. */
  get bytes(): number {
    return this.end - this.start;
  }

  /** Makes room for operands of these sizes (floats). */
  private reserve(a: number, b: number, c: number): void {
    if (a <= this.capA && b <= this.capB && c <= this.capC) return;
    const be = this.backend;
    const grow = (need: number, cap: number): number => (need <= cap ? cap : Math.ceil(need * GROWTH));
    this.capA = grow(a, this.capA);
    this.capB = grow(b, this.capB);
    this.capC = grow(c, this.capC);
    // Re-plan in place when nothing was allocated after us; otherwise (someone else planned above) move to the top.
    if (be.mark() === this.end) be.release(this.start);
    else this.start = be.mark();
    this.pa = be.alloc(this.capA);
    this.pb = be.alloc(this.capB);
    this.pc = be.alloc(this.capC);
    this.end = be.mark();
    this.plans++;
  }

  /** The JavaScript gemm's contract (see ./gemm), computed in WebAssembly. */
  readonly gemm: typeof jsGemm = (transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate, lda = transA ? m : k, ldb = transB ? k : n, ldc = n) => {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
      if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
      return;
    }
    const owner = backendOfBuffer(c.buffer);
    if (owner && a.buffer === c.buffer && b.buffer === c.buffer) {
      this.inPlace++;
      owner.gemm(transA, transB, m, n, k, a.byteOffset + aOff * 4, b.byteOffset + bOff * 4, c.byteOffset + cOff * 4, accumulate, lda, ldb, ldc);
      return;
    }
    this.copied++;
    // The span each operand covers with its leading dimension (the dense size when it is the dense one); C's gaps
    // go in and come back unchanged.
    const span = (rows: number, cols: number, ld: number): number => (rows - 1) * ld + cols;
    const sizeA = transA ? span(k, m, lda) : span(m, k, lda);
    const sizeB = transB ? span(n, k, ldb) : span(k, n, ldb);
    const sizeC = span(m, n, ldc);
    this.reserve(sizeA, sizeB, sizeC);
    const be = this.backend;
    // f32() after reserve: a grow there replaced the buffer.
    const mem = be.f32();
    mem.set(a.subarray(aOff, aOff + sizeA), this.pa >>> 2);
    mem.set(b.subarray(bOff, bOff + sizeB), this.pb >>> 2);
    if (accumulate || ldc !== n) mem.set(c.subarray(cOff, cOff + sizeC), this.pc >>> 2);
    be.gemm(transA, transB, m, n, k, this.pa, this.pb, this.pc, accumulate, lda, ldb, ldc);
    c.set(mem.subarray(this.pc >>> 2, (this.pc >>> 2) + sizeC), cOff);
  };
}

/** Kernels named after the backend (e.g. "wasm-relaxed-simd") with its GEMM, the ./wasmOps kernels and the JavaScript rest. */
export interface WasmKernels extends Kernels {
  readonly staging: GemmStaging;
  /** How often each ./wasmOps kernel ran in WebAssembly or fell back to JavaScript. */
  readonly ops: OpCounts;
}

export function createWasmKernels(backend: WasmBackend): WasmKernels {
  const staging = new GemmStaging(backend);
  const wasmOps = createWasmOps(jsKernels, staging.gemm);
  return { ...jsKernels, ...wasmOps.kernels, ops: wasmOps.counts, name: backend.name, createArena: () => new WasmArena(backend.spawn()), gemm: staging.gemm, staging };
}
