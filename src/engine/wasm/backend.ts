// The WebAssembly SIMD backend: one WebAssembly.Memory that the backend owns, a bump arena in it, and the kernels
// of the module built from ./assembly (scripts/build-wasm.mjs), which take byte offsets into that memory.
// Pure: the host (CLI, worker, tests) reads the .wasm bytes and, in Node 20, enables relaxed SIMD with
// v8.setFlagsFromString('--experimental-wasm-relaxed-simd') before calling createWasmBackend.
//
// Buffers are planned, not allocated per step: a network reserves its activations, gradients, parameters and
// scratch once (alloc), possibly releasing a plan to a mark and re-planning for another batch size. Offsets are
// bytes, 64-aligned. memory.grow detaches every Float32Array over the old buffer, so hold offsets, never views:
// f32() hands out the current view and re-creates it after a grow.
//
// The memory is shared (the module is built with --sharedMemory) so the kernel threads of ./threadPool can run on it.
// Grow on a shared memory differs (checked on Node 20): old views are not detached, they keep the old length
// and still alias the memory; `memory.buffer` stays the same SharedArrayBuffer until a grow, then is a new one
// of the new length (also in a thread that did not grow it, on its next read). So re-reading `memory.buffer`
// after alloc remains right. Also: a view over it posted with postMessage is shared, not copied: slice first.

import { kernelExports, type KernelExports } from './abi';
import { runSamples, SAMPLE_KERNELS, type ConvJob, type PackedGemmJob, type SamplesJob } from './jobs';
import type { KernelThreadPool, PoolBackend } from './threadPool';

/** Best first. */
export const WASM_VARIANTS = ['relaxed-simd', 'simd'] as const;
export type WasmVariant = (typeof WASM_VARIANTS)[number];
/** The file each variant is built to, in src/engine/wasm/build/ (kept in step with scripts/build-wasm.mjs). */
export const WASM_FILES: Readonly<Record<WasmVariant, string>> = {
  'relaxed-simd': 'kernels-relaxed-simd.wasm',
  simd: 'kernels-simd.wasm',
};
export type WasmBinaries = Partial<Record<WasmVariant, WebAssembly.Bytes>>;

const PAGE = 65536;
/** A shared memory needs a maximum: the whole 32-bit space by default (V8 reserves address space, not RAM). */
const MAX_PAGES = 65536;
const ALIGN = 64;
/** The split-over-k scratch of a threaded backend (512 KiB): a first convolution's weight gradient from 3 channels
 *  on 32×32 images, batch 32, needs 110,592 floats (128 slices of 27 × 32). */
const SPLIT_SCRATCH_FLOATS = 1 << 17;

export interface WasmBackendOptions {
  /** Use this variant instead of the best one WebAssembly.validate accepts. */
  readonly variant?: WasmVariant;
  /** Pages (64 KiB) of the memory at creation; more are grown on demand by alloc. */
  readonly initialPages?: number;
  /** Upper bound in pages (default: the engine's 4 GiB). */
  readonly maximumPages?: number;
  /** Splits large GEMMs over threads on this memory (one packing scratch per thread); inherited by spawn. */
  readonly pool?: KernelThreadPool;
}

export type WasmLoadResult =
  | { readonly backend: WasmBackend; readonly name: string }
  | { readonly backend: undefined; readonly name: 'js'; readonly reason: string };

/** The best variant this runtime accepts among the binaries given, or undefined. */
export function selectWasmVariant(binaries: WasmBinaries): WasmVariant | undefined {
  return WASM_VARIANTS.find((v) => {
    const bytes = binaries[v];
    return bytes !== undefined && WebAssembly.validate(bytes);
  });
}

/**
 * Instantiates the best (or the requested) variant over a new memory. Never throws for an unsupported runtime:
 * the result says why, so the caller falls back to the JavaScript kernels and can say which kernels run.
 */
export function loadWasmBackend(binaries: WasmBinaries, options: WasmBackendOptions = {}): WasmLoadResult {
  if (typeof WebAssembly !== 'object') return { backend: undefined, name: 'js', reason: 'no WebAssembly in this runtime' };
  const variant = options.variant ?? selectWasmVariant(binaries);
  const bytes = variant && binaries[variant];
  if (variant && !bytes) return { backend: undefined, name: 'js', reason: `no wasm-${variant} binary given` };
  if (!variant || !bytes) {
    const tried = WASM_VARIANTS.filter((v) => binaries[v]).join(', ') || 'none given';
    return { backend: undefined, name: 'js', reason: `no WebAssembly variant validates here (tried: ${tried})` };
  }
  if (!WebAssembly.validate(bytes)) {
    return { backend: undefined, name: 'js', reason: `wasm-${variant} does not validate here` };
  }
  const backend = new WasmBackend(variant, new WebAssembly.Module(bytes), options);
  return { backend, name: backend.name };
}

/** Which backend owns a memory's current buffer: lets the kernels run in place on operands that live in one. */
const owners = new WeakMap<ArrayBufferLike, WasmBackend>();

/** The backend whose memory `buffer` is (its current buffer), if any. */
export function backendOfBuffer(buffer: ArrayBufferLike): WasmBackend | undefined {
  return owners.get(buffer);
}

export class WasmBackend implements PoolBackend {
  /** Which kernels run, e.g. "wasm-relaxed-simd". */
  readonly name: string;
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the GEMM packing scratch (planned once, for any sizes): thread 0's, the others' follow. */
  readonly gemmScratch: number;
  readonly pool?: KernelThreadPool;
  private readonly scratchStride: number;
  /** A weight gradient split over k (./threadPool): its slices' products. */
  readonly splitScratch: number;
  readonly splitScratchFloats: number;
  /** The instance's exports over this memory, checked against ./abi: the kernels of ../kernels/wasmOps call
   *  the non-GEMM ones, ./threadPool runs the calling thread's part of a split job with them. */
  readonly exports: KernelExports;
  private readonly base: number;
  private top: number;
  private view: Float32Array;
  private viewI32: Int32Array;

  constructor(readonly variant: WasmVariant, readonly module: WebAssembly.Module, options: WasmBackendOptions = {}) {
    this.memory = new WebAssembly.Memory({ initial: options.initialPages ?? 32, maximum: options.maximumPages ?? MAX_PAGES, shared: true });
    this.pool = options.pool;
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = kernelExports(instance);
    if (this.exports.relaxed() !== (variant === 'relaxed-simd' ? 1 : 0)) throw new Error(`the wasm-${variant} binary is not that variant`);
    this.name = `wasm-${variant}`;
    this.base = alignUp(this.exports.heapBase());
    this.top = this.base;
    this.view = new Float32Array(this.memory.buffer);
    this.viewI32 = new Int32Array(this.memory.buffer);
    owners.set(this.memory.buffer, this);
    // Sizes beyond one cache block need no more scratch: this is the maximum.
    const big = 1 << 30;
    this.scratchStride = alignUp(this.exports.scratchBytes(big, big, big));
    this.gemmScratch = this.alloc(((this.pool?.threads ?? 1) * this.scratchStride) / 4);
    this.splitScratchFloats = this.pool && this.pool.threads > 1 ? SPLIT_SCRATCH_FLOATS : 0;
    this.splitScratch = this.splitScratchFloats > 0 ? this.alloc(this.splitScratchFloats) : 0;
  }

  /** Thread t's packing scratch (t < pool.threads). */
  scratchFor(t: number): number {
    return this.gemmScratch + t * this.scratchStride;
  }

  /**
   * A per-sample kernel over the whole batch (byte offsets), split by samples over the pool's threads when its
   * `work` (multiply-adds or taps) is large enough: bit-identical either way.
   */
  samples(job: SamplesJob, work: number): void {
    if (((job.a | job.b | job.c) & 3) !== 0) throw new RangeError(`${job.kernel}: offsets must be multiples of 4 bytes`);
    if (this.pool && this.pool.splitsSamples(job.batch, work)) {
      this.pool.samples(this, job);
      return;
    }
    runSamples(this.exports, SAMPLE_KERNELS.indexOf(job.kernel), job.a, job.b, job.c, job.d ?? 0, job.extra, 0, job.batch, job.geometry, 0, this.gemmScratch, job.epilogue);
  }

  /**
   * A convolution's forward pass on this memory (byte offsets): patches, GEMM and bias + activation block by
   * block (see assembly/gemm.ts convForward), split by output rows over the pool's threads when large enough.
   */
  convForward(job: ConvJob): void {
    if (((job.x | job.cols | job.w | job.z | job.y | job.bias) & 3) !== 0) throw new RangeError('convForward: offsets must be multiples of 4 bytes');
    if (this.pool && this.pool.splits(job.rows, job.outC, job.k)) {
      this.pool.conv(this, job);
      return;
    }
    const g = job.geometry;
    this.exports.convForward(
      job.x, job.cols, job.w, job.z, job.y, job.bias, job.act, job.alpha,
      g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, g[5]!, g[6]!, g[7]!, g[8]!, g[9]!, g[10]!, g[11]!, g[12]!,
      job.outC, 0, job.rows, +job.keep, this.gemmScratch,
    );
  }

  /** A new backend of the same variant over a memory of its own (one per network: its arena). */
  spawn(options: WasmBackendOptions = { initialPages: 1 }): WasmBackend {
    return new WasmBackend(this.variant, this.module, { pool: this.pool, ...options });
  }

  /** A Float32Array over the whole memory (element i = bytes 4i…4i+3): use it at once, do not keep it across alloc. */
  f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) {
      this.view = new Float32Array(this.memory.buffer);
      // V8 also hands out a new buffer object for a shared memory when ANOTHER shared memory grows (checked on
      // Node 20): register it, or backendOfBuffer would miss views made from it.
      owners.set(this.memory.buffer, this);
    }
    return this.view;
  }

  /** An Int32Array over the whole memory (same caveat as f32()). */
  i32(): Int32Array {
    if (this.viewI32.buffer !== this.memory.buffer) this.viewI32 = new Int32Array(this.f32().buffer);
    return this.viewI32;
  }

  /** A view of `floats` floats at byte offset `ptr` (same caveat as f32()). */
  f32At(ptr: number, floats: number): Float32Array {
    return this.f32().subarray(ptr >>> 2, (ptr >>> 2) + floats);
  }

  /** Reserves `floats` floats, 64-byte aligned, growing the memory if needed; returns the byte offset. Contents are unspecified. */
  alloc(floats: number): number {
    if (!Number.isInteger(floats) || floats < 0) throw new RangeError(`alloc: bad size ${floats}`);
    const ptr = this.top;
    const end = alignUp(ptr + floats * 4);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      owners.set(this.memory.buffer, this);
    }
    this.top = end;
    return ptr;
  }

  /** The arena's current top, to release back to. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark` (the memory keeps its size: planning again reuses it). */
  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RangeError(`release: mark ${mark} outside the arena`);
    this.top = mark;
  }

  /** Bytes the arena uses (scratch included) and the memory's size. */
  get usedBytes(): number {
    return this.top;
  }

  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** B [k×n] (row stride ldb floats) packed at dst for gemmPacked (roundUp(n, 8)·k floats). */
  packB(b: number, ldb: number, n: number, k: number, dst: number): void {
    if (((b | dst) & 3) !== 0) throw new RangeError('packB: offsets must be multiples of 4 bytes');
    this.exports.packB(b, ldb, n, k, dst);
  }

  /** C = A·B with B packed by packB, then the job's bias + activation; split over the pool's threads as gemm is
   *  (bit-identical on any count, and to gemm followed by biasActivation). */
  gemmPacked(job: PackedGemmJob): void {
    if (((job.a | job.packed | job.c | job.y | job.bias) & 3) !== 0) throw new RangeError('gemmPacked: offsets must be multiples of 4 bytes');
    if (job.m <= 0 || job.n <= 0 || job.k <= 0) throw new RangeError(`gemmPacked: bad sizes ${job.m}×${job.n}×${job.k}`);
    if (this.pool && this.pool.splits(job.m, job.n, job.k)) this.pool.gemmPacked(this, job);
    else this.exports.gemmPacked(job.m, job.n, job.k, job.a, job.lda, job.packed, job.c, job.ldc, 0, job.n, job.y, job.bias, job.act, job.alpha, this.gemmScratch);
  }

  /**
   * C = (accumulate ? C : 0) + op(A)·op(B), the JavaScript gemm's contract over byte offsets: op(A) is m×k, stored
   * [m×k] (or [k×m] when transA); op(B) is k×n, stored [k×n] (or [n×k] when transB); C is [m×n]. Leading dimensions
   * (row strides in floats) default to the dense ones. The buffers must not overlap each other or the scratch.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: number, b: number, c: number, accumulate: boolean,
    lda = transA ? m : k, ldb = transB ? k : n, ldc = n,
  ): void {
    if (((a | b | c) & 3) !== 0) throw new RangeError('gemm: offsets must be multiples of 4 bytes');
    if (this.pool && k > 0 && this.pool.splitsGemm(this, m, n, k, ldc, accumulate)) this.pool.gemm(this, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    else this.exports.gemm(+transA, +transB, m, n, k, a, lda, b, ldb, c, ldc, +accumulate, this.gemmScratch);
  }
}

function alignUp(x: number): number {
  return Math.ceil(x / ALIGN) * ALIGN;
}
