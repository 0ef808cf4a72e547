// One GEMM on several threads that share the backend's WebAssembly.Memory (DESIGN.md §6, threads). Pure: the
// host (src/node/runtime/kernelThreads.ts) starts the worker_threads and gives each the control block and a mailbox; this
// file holds the protocol, the partitioning and both loops (the calling thread's and a helper's).
//
// Protocol: one shared Int32Array. The caller writes the job (operands, sizes, which memory), bumps GEN and
// notifies; then every thread that is up, the caller included, claims chunks of C by compare-and-swap on CLAIM
// (the job's tag | next chunk) and counts each one computed in DONE; the caller returns when DONE reaches the
// job's chunk count. So the caller never waits for a helper to wake up, only for chunks in flight: on two cores
// shared with other work a descheduled helper costs one chunk, not its half. A helper that wakes late finds the
// tag changed (set before the next job's fields are written) and claims nothing, so it cannot run a stale job.
// Memories are attached lazily (the first threaded GEMM on a backend): an `attach` message per helper carries
// the module, the memory and that helper's packing scratch in it; helpers read messages synchronously (the host
// uses receiveMessageOnPort) when MAIL changed, since they never return to their event loop.
//
// Determinism: C is split into disjoint row blocks (or column panels), and each chunk is the same module's gemm
// on a sub-matrix with the same k and the same KC blocking, so every C element gets the same sum in the same
// order as on one thread: results are bit-identical for any thread count (test/integration/engine/threadPool.test.ts).
// Per-sample kernels (pooling, depthwise forward: OP_SAMPLES) split the batch into disjoint samples, each
// computed as on one thread: bit-identical too. A weight gradient with too few rows and columns to split (a first
// convolution's: 25 × 8 over k = 25,088) splits over k instead (OP_GEMM_SPLIT_K): each of gemm's KC slices is its
// own product into the backend's split scratch, and the caller adds them to C in slice order, as gemm does.
//
// Where the caller may block: Atomics.wait is fine on Node's main thread (the CLI) and in the training worker;
// the extension host's main thread never runs the engine.
import { kernelExports, NO_ACTIVATION, type ConvFn, type GemmFn, type KernelExports, type PackedGemmFn } from './abi';
import { runSamples, SAMPLE_GEOMETRY, SAMPLE_KERNELS, type ConvJob, type PackedGemmJob, type SampleExports, type SamplesJob } from './jobs';

/** The microkernel's tile (assembly/gemm.ts): parts are whole multiples of it, except the last. */
const MR = 4;
const NR = 8;
/** gemm's k slice (assembly/gemm.ts): the unit a split over k keeps whole, so sums stay in gemm's order. */
const KC = 256;
/** Below this many multiply-adds (m·n·k) a GEMM stays on the calling thread: a job costs a few µs (notify, claims). */
export const DEFAULT_MIN_MADDS = 1 << 20;
/** A per-sample job's work unit (a copy, a pooling tap) is a load or two, far less than a multiply-add's share of a
 *  GEMM's packing and tiles, yet splitting it costs the same few µs: these split from a sixteenth of the threshold
 *  (LeNet's pooling, 200K taps; its first patches, 627K copies). */
const SAMPLE_WORK_PER_MADD = 16;
/** Chunks per thread (balance under load) and the smallest chunk in units: a row chunk repacks all of op(B). */
const CHUNKS_PER_THREAD = 4;
const MIN_CHUNK_UNITS = 4;
/** A convolution forward chunk repacks only the kernel (k·outC floats): smaller chunks, a shorter wait at the end. */
const CONV_CHUNKS_PER_THREAD = 16;

// Control block layout (Int32Array indices). What one side spins on lives on a 64-byte cache line of its own: GEN
// (helpers spin on it between jobs), DONE (the caller spins on it at the end of a job), CLAIM (every thread's
// compare-and-swap per chunk); otherwise each chunk's write would take the line from under the other's spin.
export const CTRL = {
  /** The job number; helpers wait on it. */
  GEN: 0,
  /** Chunks of the current job computed (the caller waits on it). */
  DONE: 16,
  /** The job's tag (GEN's low TAG_BITS) << INDEX_BITS | the next chunk to claim. */
  CLAIM: 32,
  /** Chunks computed by helpers, all jobs (the rest the caller did): shows that helpers take part. */
  HELPED: 33,
  /** Helpers asleep in Atomics.wait (or about to be): the caller wakes them only then, a spinning one sees GEN. */
  SLEEPING: 48,
  /** 1 + the helper that exited (its exit handler sets it), 0 while all live. */
  DEAD: 49,
  /** 1 + the helper whose chunk threw (its report says why), 0 when none did. */
  FAILED: 50,
  /** Helpers that entered their loop: GEMMs split only once all have (a helper that fails to start is no hang). */
  READY: 51,
  MAIL: 52,
  // The job, written by the caller before GEN and read after a claim.
  OP: 64,
  MEMORY: 65,
  /** How many chunks the job has. */
  PARTS: 66,
  BY_ROWS: 67,
  TRANS_A: 68,
  TRANS_B: 69,
  M: 70,
  N: 71,
  K: 72,
  A: 73,
  LDA: 74,
  B: 75,
  LDB: 76,
  C: 77,
  LDC: 78,
  ACCUMULATE: 79,
  // OP_CONV's fields besides M (output rows), N (outC), K (patch length), A (x), B (w), C (z):
  CONV_COLS: 80,
  CONV_Y: 81,
  CONV_BIAS: 82,
  CONV_ACT: 83,
  CONV_KEEP: 84,
  /** alpha's float64 bits (two slots: low word first, as the platform's Float64Array lays them out). */
  CONV_ALPHA: 85,
  /** c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW; per-sample jobs' goes on: padBottom, padRight. */
  CONV_GEOMETRY: 87,
  /** A per-sample job's fourth operand (convBackwardData's dx). */
  D: 102,
  LENGTH: 103,
} as const;
const INDEX_BITS = 11;
/** How long a helper spins on GEN after a job before it sleeps. */
const HELPER_SPINS = 2048;
const TAG_MASK = (1 << 20) - 1;
export const OP_GEMM = 0;
export const OP_EXIT = 1;
/** The module's convForward over rows of the output (im2col + GEMM + bias and activation per block). */
export const OP_CONV = 2;
/** A per-sample kernel (SAMPLE_KERNELS) over chunks of the batch. */
export const OP_SAMPLES = 3;
/** The module's gemmPacked (B packed once, bias + activation fused) over row or column chunks of C. */
export const OP_GEMM_PACKED = 4;
/** A GEMM's KC slices, each its own product into the split scratch (C: the scratch, LDC: m·n). */
export const OP_GEMM_SPLIT_K = 5;

/** What the caller sends a helper through its mailbox. */
export type PoolMessage =
  | { readonly type: 'attach'; readonly id: number; readonly module: WebAssembly.Module; readonly memory: WebAssembly.Memory; readonly scratch: number }
  | { readonly type: 'detach'; readonly id: number };

/** The host's side of the helper threads. */
export interface PoolWorkers {
  /** Queues a message for helper h (0-based; thread h + 1 of the pool). */
  post(helper: number, message: PoolMessage): void;
  /** What helper h reported about its failure or exit, read without waiting (undefined when nothing came). */
  takeReport(helper: number): string | undefined;
  /** Settles once every helper entered its loop (resolves) or one exited (rejects with why). */
  readonly ready: Promise<void>;
  /** Ends the helpers (after OP_EXIT, or by force). */
  close(): Promise<void>;
}

/**
 * Start of chunk t of `parts` over `total` rows (or columns, samples), in whole units except at the end. Chunks
 * shrink linearly (weights parts, parts − 1, …, 1): threads claim them in order, so the last ones, which decide how
 * long a thread waits for the other at the end of a job, are the smallest.
 */
export function partStart(total: number, unit: number, parts: number, t: number): number {
  const units = Math.ceil(total / unit);
  // Σ_{i<t} (parts − i) over Σ_{i<parts} (parts − i).
  const weight = t * parts - (t * (t - 1)) / 2;
  return Math.min(total, unit * Math.floor((units * weight * 2) / (parts * (parts + 1))));
}

/**
 * How a GEMM splits: along the larger of m and n, since a row chunk makes its thread pack all of op(B) (k·n) and
 * a column chunk all of op(A) (m·k); into CHUNKS_PER_THREAD chunks a thread where the 4-row (8-column) units
 * allow chunks of MIN_CHUNK_UNITS, else fewer (at least one per thread while there are units).
 */
export function planSplit(m: number, n: number, threads: number, perThread = CHUNKS_PER_THREAD): { readonly parts: number; readonly byRows: boolean } {
  const byRows = m >= n;
  const units = byRows ? Math.ceil(m / MR) : Math.ceil(n / NR);
  const parts = Math.min(threads * perThread, Math.floor(units / MIN_CHUNK_UNITS));
  return { parts: Math.max(1, Math.min(units, Math.max(parts, threads))), byRows };
}

/**
 * Whether a GEMM splits over k rather than C: when C has fewer chunks than two a thread and k at least two slices,
 * for C += the product (a weight gradient) with C dense (`accumulateDense`; without accumulate C would start as the
 * first slice's product, whose −0 the slices' sum turns to +0), every slice's product fitting in `scratchFloats`.
 */
export function splitsOverK(m: number, n: number, k: number, threads: number, accumulateDense: boolean, scratchFloats: number): boolean {
  const slices = Math.ceil(k / KC);
  return accumulateDense && slices >= 2 && planSplit(m, n, threads).parts < 2 * threads && slices * m * n <= scratchFloats;
}

/**
 * What the pool uses of a backend (./backend's WasmBackend, which imports this file: so the pool names only
 * this): the module and memory the helpers instantiate, its checked exports, each thread's packing scratch.
 */
export interface PoolBackend {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** Thread t's packing scratch (byte offset; t < threads). */
  scratchFor(t: number): number;
  /** Where a split over k puts its slices' products (byte offset), and how many floats fit there. */
  readonly splitScratch: number;
  readonly splitScratchFloats: number;
}

/** What a helper's instantiate gives: gemm at least (a test's stand-in may have nothing else). */
export type HelperExports = Pick<KernelExports, 'gemm'> & Partial<KernelExports>;

function hasSampleKernels(k: HelperExports): k is HelperExports & SampleExports {
  return SAMPLE_KERNELS.every((name) => typeof k[name] === 'function');
}

/** One thread's kernels on one memory, and its packing scratch there. */
interface Target { readonly gemm: GemmFn; readonly conv?: ConvFn; readonly packed?: PackedGemmFn; readonly samples?: SampleExports; readonly scratch: number }

function targetOf(k: HelperExports, scratch: number): Target {
  return { gemm: k.gemm, conv: k.convForward, packed: k.gemmPacked, samples: hasSampleKernels(k) ? k : undefined, scratch };
}

/**
 * Claims and computes chunks of job `gen` until none is left (or the job is no longer current), counting each
 * in DONE, a failed one too after `onError` (so the caller sees the failure once it sees the count). The job's
 * fields are read after a successful claim only: the caller cannot move on before that chunk is counted, so
 * they are this job's.
 */
function runChunks(ctrl: Int32Array, gen: number, target: () => Target, onError: (e: unknown) => void): void {
  const tag = gen & TAG_MASK;
  for (;;) {
    const claim = Atomics.load(ctrl, CTRL.CLAIM);
    if (claim >>> INDEX_BITS !== tag) return;
    const t = claim & ((1 << INDEX_BITS) - 1);
    const parts = ctrl[CTRL.PARTS];
    if (t >= parts) return;
    if (Atomics.compareExchange(ctrl, CTRL.CLAIM, claim, claim + 1) !== claim) continue;
    try {
      const tg = target();
      const op = ctrl[CTRL.OP];
      if (op === OP_CONV) runConvPart(ctrl, t, parts, tg);
      else if (op === OP_SAMPLES) runSamplesPart(ctrl, t, parts, tg);
      else if (op === OP_GEMM_PACKED) runPackedPart(ctrl, t, parts, tg);
      else if (op === OP_GEMM_SPLIT_K) runSlicesPart(ctrl, t, parts, tg.gemm, tg.scratch);
      else runPart(ctrl, t, parts, tg.gemm, tg.scratch);
    } catch (e) {
      onError(e);
    } finally {
      if (Atomics.add(ctrl, CTRL.DONE, 1) === parts - 1) Atomics.notify(ctrl, CTRL.DONE);
    }
  }
}

/** Computes chunk t of `parts`; an empty one does nothing. */
function runPart(ctrl: Int32Array, t: number, parts: number, gemm: GemmFn, scratch: number): void {
  const transA = ctrl[CTRL.TRANS_A], transB = ctrl[CTRL.TRANS_B];
  const m = ctrl[CTRL.M], n = ctrl[CTRL.N], k = ctrl[CTRL.K];
  const lda = ctrl[CTRL.LDA], ldb = ctrl[CTRL.LDB], ldc = ctrl[CTRL.LDC];
  // Offsets are unsigned 32-bit byte addresses stored in an Int32Array.
  let a = ctrl[CTRL.A] >>> 0, b = ctrl[CTRL.B] >>> 0, c = ctrl[CTRL.C] >>> 0;
  if (ctrl[CTRL.BY_ROWS]) {
    const r0 = partStart(m, MR, parts, t), r1 = partStart(m, MR, parts, t + 1);
    if (r1 <= r0) return;
    // Rows r0… of op(A): rows of A, or columns of A stored [k×m] when transposed.
    a += (transA ? r0 : r0 * lda) * 4;
    c += r0 * ldc * 4;
    gemm(transA, transB, r1 - r0, n, k, a, lda, b, ldb, c, ldc, ctrl[CTRL.ACCUMULATE], scratch);
  } else {
    const c0 = partStart(n, NR, parts, t), c1 = partStart(n, NR, parts, t + 1);
    if (c1 <= c0) return;
    // Columns c0… of op(B): columns of B, or rows of B stored [n×k] when transposed.
    b += (transB ? c0 * ldb : c0) * 4;
    c += c0 * 4;
    gemm(transA, transB, m, c1 - c0, k, a, lda, b, ldb, c, ldc, ctrl[CTRL.ACCUMULATE], scratch);
  }
}

/** Computes KC slices chunk t of `parts`: slice s's product alone into C + s·m·n floats (row stride n). */
function runSlicesPart(ctrl: Int32Array, t: number, parts: number, gemm: GemmFn, scratch: number): void {
  const transA = ctrl[CTRL.TRANS_A], transB = ctrl[CTRL.TRANS_B];
  const m = ctrl[CTRL.M], n = ctrl[CTRL.N], k = ctrl[CTRL.K], lda = ctrl[CTRL.LDA], ldb = ctrl[CTRL.LDB];
  const a = ctrl[CTRL.A] >>> 0, b = ctrl[CTRL.B] >>> 0, c = ctrl[CTRL.C] >>> 0;
  const slices = Math.ceil(k / KC);
  for (let s = partStart(slices, 1, parts, t), end = partStart(slices, 1, parts, t + 1); s < end; s++) {
    const pc = s * KC;
    // Rows pc… of op(A) (columns, rows of A stored [k×m] when transposed) and of op(B).
    const as = a + (transA ? pc * lda : pc) * 4, bs = b + (transB ? pc : pc * ldb) * 4;
    gemm(transA, transB, m, n, Math.min(KC, k - pc), as, lda, bs, ldb, c + s * m * n * 4, n, 0, scratch);
  }
}

/** Writes a GEMM job's op(A) and op(B): transposes, sizes, offsets and row strides. */
function writeOperands(ctrl: Int32Array, transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number): void {
  ctrl[CTRL.TRANS_A] = +transA;
  ctrl[CTRL.TRANS_B] = +transB;
  ctrl[CTRL.M] = m;
  ctrl[CTRL.N] = n;
  ctrl[CTRL.K] = k;
  ctrl[CTRL.A] = a;
  ctrl[CTRL.LDA] = lda;
  ctrl[CTRL.B] = b;
  ctrl[CTRL.LDB] = ldb;
}

const alphaBits = new Float64Array(1);
const alphaInt = new Int32Array(alphaBits.buffer);

/** Writes a job's epilogue: bias (0: none), act (an ACTIVATION_CODES value or NO_ACTIVATION), alpha's float64 bits. */
function writeEpilogue(ctrl: Int32Array, bias: number, act: number, alpha: number): void {
  ctrl[CTRL.CONV_BIAS] = bias;
  ctrl[CTRL.CONV_ACT] = act;
  alphaBits[0] = alpha;
  ctrl[CTRL.CONV_ALPHA] = alphaInt[0]!;
  ctrl[CTRL.CONV_ALPHA + 1] = alphaInt[1]!;
}

/** The job's alpha (written by writeEpilogue). */
function readAlpha(ctrl: Int32Array): number {
  alphaInt[0] = ctrl[CTRL.CONV_ALPHA]!;
  alphaInt[1] = ctrl[CTRL.CONV_ALPHA + 1]!;
  return alphaBits[0]!;
}

/** Computes rows chunk t of `parts` of a convolution forward job. */
function runConvPart(ctrl: Int32Array, t: number, parts: number, target: Target): void {
  if (!target.conv) throw new Error('this module has no convForward');
  const m = ctrl[CTRL.M];
  const r0 = partStart(m, MR, parts, t), r1 = partStart(m, MR, parts, t + 1);
  if (r1 <= r0) return;
  const g = CTRL.CONV_GEOMETRY;
  target.conv(
    ctrl[CTRL.A] >>> 0, ctrl[CTRL.CONV_COLS] >>> 0, ctrl[CTRL.B] >>> 0, ctrl[CTRL.C] >>> 0, ctrl[CTRL.CONV_Y] >>> 0,
    ctrl[CTRL.CONV_BIAS] >>> 0, ctrl[CTRL.CONV_ACT], readAlpha(ctrl),
    ctrl[g], ctrl[g + 1], ctrl[g + 2], ctrl[g + 3], ctrl[g + 4], ctrl[g + 5], ctrl[g + 6], ctrl[g + 7], ctrl[g + 8],
    ctrl[g + 9], ctrl[g + 10], ctrl[g + 11], ctrl[g + 12], ctrl[CTRL.N], r0, r1, ctrl[CTRL.CONV_KEEP], target.scratch,
  );
}

/** Computes chunk t of `parts` of a packed GEMM job: rows r0…r1 of C (and y), or its columns c0…c1. */
function runPackedPart(ctrl: Int32Array, t: number, parts: number, target: Target): void {
  if (!target.packed) throw new Error('this module has no gemmPacked');
  const m = ctrl[CTRL.M], n = ctrl[CTRL.N], k = ctrl[CTRL.K], lda = ctrl[CTRL.LDA], ldc = ctrl[CTRL.LDC];
  let a = ctrl[CTRL.A] >>> 0, c = ctrl[CTRL.C] >>> 0, y = ctrl[CTRL.CONV_Y] >>> 0;
  let rows = m, c0 = 0, c1 = n;
  if (ctrl[CTRL.BY_ROWS]) {
    const r0 = partStart(m, MR, parts, t), r1 = partStart(m, MR, parts, t + 1);
    if (r1 <= r0) return;
    a += r0 * lda * 4;
    c += r0 * ldc * 4;
    y += r0 * ldc * 4;
    rows = r1 - r0;
  } else {
    c0 = partStart(n, NR, parts, t);
    c1 = partStart(n, NR, parts, t + 1);
    if (c1 <= c0) return;
  }
  target.packed(rows, n, k, a, lda, ctrl[CTRL.B] >>> 0, c, ldc, c0, c1, y, ctrl[CTRL.CONV_BIAS] >>> 0, ctrl[CTRL.CONV_ACT], readAlpha(ctrl), target.scratch);
}

/** Computes samples chunk t of `parts` of a per-sample job. */
function runSamplesPart(ctrl: Int32Array, t: number, parts: number, target: Target): void {
  if (!target.samples) throw new Error('this module has no per-sample kernels');
  const batch = ctrl[CTRL.M];
  const n0 = partStart(batch, 1, parts, t), n1 = partStart(batch, 1, parts, t + 1);
  if (n1 <= n0) return;
  const epilogue = { bias: ctrl[CTRL.CONV_BIAS] >>> 0, act: ctrl[CTRL.CONV_ACT], alpha: readAlpha(ctrl) };
  runSamples(target.samples, ctrl[CTRL.K], ctrl[CTRL.A] >>> 0, ctrl[CTRL.B] >>> 0, ctrl[CTRL.C] >>> 0, ctrl[CTRL.D] >>> 0, ctrl[CTRL.N], n0, n1, ctrl, CTRL.CONV_GEOMETRY, target.scratch, epilogue);
}

export interface KernelThreadPoolOptions {
  /** GEMMs with fewer multiply-adds run on the calling thread alone (default DEFAULT_MIN_MADDS). */
  readonly minMadds?: number;
}

/** Splits GEMMs over the calling thread and `threads − 1` helpers. One caller thread at a time. */
export class KernelThreadPool {
  readonly ctrl: Int32Array;
  readonly minMadds: number;
  /** Threaded GEMMs run so far (tests check that the pool was used). */
  jobs = 0;

  /** Chunks the helpers computed so far. */
  get helperChunks(): number {
    return Atomics.load(this.ctrl, CTRL.HELPED);
  }
  private readonly workers: PoolWorkers;
  private readonly ids = new WeakMap<PoolBackend, number>();
  private nextId = 1;
  private broken?: Error;
  private closed = false;
  /** The job being written (begin → run). */
  private gen = 0;
  /** Tells helpers to drop a memory once its backend is collected, so they do not keep it alive. */
  private readonly registry = new FinalizationRegistry<number>((id) => this.detach(id));

  /**
   * @param threads threads per GEMM, the caller included (1: no helpers)
   * @param start the host's starter of the `threads − 1` helpers, given the control block to pass them
   */
  constructor(readonly threads: number, start: (ctrl: Int32Array, helpers: number) => PoolWorkers, options: KernelThreadPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`KernelThreadPool: bad thread count ${threads}`);
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL.LENGTH * 4));
    this.minMadds = options.minMadds ?? DEFAULT_MIN_MADDS;
    this.workers = start(this.ctrl, threads - 1);
  }

  /** Whether this GEMM is worth splitting (and the helpers are up: until then the caller computes alone). */
  splits(m: number, n: number, k: number): boolean {
    return this.threads > 1 && m * n * k >= this.minMadds && planSplit(m, n, this.threads).parts > 1 && this.helpersUp();
  }

  /** splits() for a gemm job, which may split over k instead of C (see splitsK). */
  splitsGemm(backend: PoolBackend, m: number, n: number, k: number, ldc: number, accumulate: boolean): boolean {
    return this.threads > 1 && m * n * k >= this.minMadds &&
      (planSplit(m, n, this.threads).parts > 1 || this.splitsK(backend, m, n, k, ldc, accumulate)) && this.helpersUp();
  }

  /** Whether every helper entered its loop (or one died: a job then reports it instead of waiting). */
  private helpersUp(): boolean {
    return Atomics.load(this.ctrl, CTRL.READY) === this.threads - 1 || Atomics.load(this.ctrl, CTRL.DEAD) !== 0;
  }

  private splitsK(backend: PoolBackend, m: number, n: number, k: number, ldc: number, accumulate: boolean): boolean {
    return splitsOverK(m, n, k, this.threads, accumulate && ldc === n, backend.splitScratchFloats);
  }

  /** Whether a per-sample kernel of about `work` multiply-adds (or taps) over `batch` samples is worth splitting. */
  splitsSamples(batch: number, work: number): boolean {
    return this.threads > 1 && batch > 1 && work * SAMPLE_WORK_PER_MADD >= this.minMadds && this.helpersUp();
  }

  /** Resolves once every helper runs (GEMMs split from then on); rejects when one exited first. */
  ready(): Promise<void> {
    return this.workers.ready;
  }

  /**
   * C = (accumulate ? C : 0) + op(A)·op(B) on `backend`'s memory (the backend's contract, m, n, k > 0), split
   * over the threads. Throws when a helper failed or died, after every other part has finished.
   */
  gemm(
    backend: PoolBackend, transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: boolean,
  ): void {
    if (this.splitsK(backend, m, n, k, ldc, accumulate)) {
      const slices = Math.ceil(k / KC);
      const parts = Math.min(slices, this.threads * CHUNKS_PER_THREAD);
      const ctrl = this.begin(backend, OP_GEMM_SPLIT_K, parts);
      writeOperands(ctrl, transA, transB, m, n, k, a, lda, b, ldb);
      ctrl[CTRL.C] = backend.splitScratch;
      this.run(backend, parts);
      // C += slice 0, then slice 1, …: gemm's own order of adds.
      backend.exports.sumRows(backend.splitScratch, slices, m * n, c);
      return;
    }
    const { parts, byRows } = planSplit(m, n, this.threads);
    const ctrl = this.begin(backend, OP_GEMM, parts);
    ctrl[CTRL.BY_ROWS] = +byRows;
    writeOperands(ctrl, transA, transB, m, n, k, a, lda, b, ldb);
    ctrl[CTRL.C] = c;
    ctrl[CTRL.LDC] = ldc;
    ctrl[CTRL.ACCUMULATE] = +accumulate;
    this.run(backend, parts);
  }

  /** The module's gemmPacked over the whole of C, split into row or column chunks (as gemm) over the threads. */
  gemmPacked(backend: PoolBackend, job: PackedGemmJob): void {
    const { parts, byRows } = planSplit(job.m, job.n, this.threads);
    const ctrl = this.begin(backend, OP_GEMM_PACKED, parts);
    ctrl[CTRL.BY_ROWS] = +byRows;
    ctrl[CTRL.M] = job.m;
    ctrl[CTRL.N] = job.n;
    ctrl[CTRL.K] = job.k;
    ctrl[CTRL.A] = job.a;
    ctrl[CTRL.LDA] = job.lda;
    ctrl[CTRL.B] = job.packed;
    ctrl[CTRL.C] = job.c;
    ctrl[CTRL.LDC] = job.ldc;
    ctrl[CTRL.CONV_Y] = job.y;
    writeEpilogue(ctrl, job.bias, job.act, job.alpha);
    this.run(backend, parts);
  }

  /**
   * The module's convForward over all `job.rows` output rows of a convolution, split into row chunks over the
   * threads (each its own blocks of patches: disjoint rows of cols, or, without `keep`, the chunk's first rows).
   */
  conv(backend: PoolBackend, job: ConvJob): void {
    // By rows only: a chunk is whole output rows (its patches, their GEMM, their activation).
    const { parts } = planSplit(job.rows, 0, this.threads, CONV_CHUNKS_PER_THREAD);
    const ctrl = this.begin(backend, OP_CONV, parts);
    ctrl[CTRL.M] = job.rows;
    ctrl[CTRL.N] = job.outC;
    ctrl[CTRL.K] = job.k;
    ctrl[CTRL.A] = job.x;
    ctrl[CTRL.B] = job.w;
    ctrl[CTRL.C] = job.z;
    ctrl[CTRL.CONV_COLS] = job.cols;
    ctrl[CTRL.CONV_Y] = job.y;
    ctrl[CTRL.CONV_KEEP] = +job.keep;
    writeEpilogue(ctrl, job.bias, job.act, job.alpha);
    for (let i = 0; i < 13; i++) ctrl[CTRL.CONV_GEOMETRY + i] = job.geometry[i]!;
    this.run(backend, parts);
  }

  /** A per-sample kernel over `job.batch` samples, split into chunks of whole samples over the threads. */
  samples(backend: PoolBackend, job: SamplesJob): void {
    const kernel = SAMPLE_KERNELS.indexOf(job.kernel);
    if (kernel < 0) throw new Error(`no per-sample kernel ${job.kernel}`);
    const parts = Math.max(1, Math.min(job.batch, this.threads * CHUNKS_PER_THREAD));
    const ctrl = this.begin(backend, OP_SAMPLES, parts);
    ctrl[CTRL.M] = job.batch;
    ctrl[CTRL.K] = kernel;
    ctrl[CTRL.A] = job.a;
    ctrl[CTRL.B] = job.b;
    ctrl[CTRL.C] = job.c;
    ctrl[CTRL.D] = job.d ?? 0;
    ctrl[CTRL.N] = job.extra;
    writeEpilogue(ctrl, job.epilogue?.bias ?? 0, job.epilogue?.act ?? NO_ACTIVATION, job.epilogue?.alpha ?? 0);
    for (let i = 0; i < SAMPLE_GEOMETRY; i++) ctrl[CTRL.CONV_GEOMETRY + i] = job.geometry[i]!;
    this.run(backend, parts);
  }

  /** Starts writing a job: checks the pool, attaches the memory, sets the new claim tag; returns the block. */
  private begin(backend: PoolBackend, op: number, parts: number): Int32Array {
    if (this.broken) throw this.broken;
    if (this.closed) throw new Error('the GEMM thread pool is closed');
    const ctrl = this.ctrl;
    this.checkAlive();
    const id = this.attach(backend);
    this.gen = (Atomics.load(ctrl, CTRL.GEN) + 1) | 0;
    // The new tag first: from here a late helper of the previous job can claim nothing, whatever it read.
    Atomics.store(ctrl, CTRL.CLAIM, (this.gen & TAG_MASK) << INDEX_BITS);
    Atomics.store(ctrl, CTRL.DONE, 0);
    ctrl[CTRL.OP] = op;
    ctrl[CTRL.MEMORY] = id;
    ctrl[CTRL.PARTS] = parts;
    return ctrl;
  }

  /** Publishes the job written since begin(), computes chunks alongside the helpers, waits for the rest. */
  private run(backend: PoolBackend, parts: number): void {
    const ctrl = this.ctrl;
    const gen = this.gen;
    ctrl[CTRL.FAILED] = 0;
    Atomics.store(ctrl, CTRL.GEN, gen);
    // A futex wake costs microseconds a job; helpers still spinning see GEN change by themselves. (A helper that
    // counts itself asleep after this load then waits on the new GEN, which returns at once.)
    if (Atomics.load(ctrl, CTRL.SLEEPING) > 0) Atomics.notify(ctrl, CTRL.GEN);
    this.jobs++;
    let own: unknown;
    const target = targetOf(backend.exports, backend.scratchFor(0));
    runChunks(ctrl, gen, () => target, (e) => (own ??= e));
    this.waitForChunks(parts);
    if (own !== undefined) throw own;
    const failed = Atomics.load(ctrl, CTRL.FAILED);
    if (failed) throw new Error(`GEMM thread ${failed}: ${this.workers.takeReport(failed - 1) ?? 'failed'}`);
  }

  /** Ends the helpers; the pool refuses GEMMs afterwards. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ctrl = this.ctrl;
    ctrl[CTRL.OP] = OP_EXIT;
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    await this.workers.close();
  }

  private checkAlive(): void {
    const dead = Atomics.load(this.ctrl, CTRL.DEAD);
    if (!dead) return;
    const why = this.workers.takeReport(dead - 1);
    this.broken = new Error(`GEMM worker thread ${dead} exited${why ? `: ${why}` : ''}; training cannot continue on ${this.threads} threads`);
    throw this.broken;
  }

  /** Until every chunk is computed (those in flight on helpers), or a helper died. */
  private waitForChunks(parts: number): void {
    const ctrl = this.ctrl;
    // Chunks in flight usually end about when the caller's last one does: a short spin saves a futex round trip.
    for (let spin = 0; spin < 4096; spin++) if (Atomics.load(ctrl, CTRL.DONE) === parts) return;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done === parts) return;
      this.checkAlive();
      // The timeout bounds the wait should a helper die between the check and the wait (its exit handler
      // notifies, but that may come just before we sleep).
      Atomics.wait(ctrl, CTRL.DONE, done, 100);
    }
  }

  /** The id under which helpers know `backend`'s memory, sending it to them on first use. */
  private attach(backend: PoolBackend): number {
    const known = this.ids.get(backend);
    if (known !== undefined) return known;
    const id = this.nextId++;
    for (let h = 0; h < this.threads - 1; h++) {
      this.workers.post(h, { type: 'attach', id, module: backend.module, memory: backend.memory, scratch: backend.scratchFor(h + 1) });
    }
    Atomics.add(this.ctrl, CTRL.MAIL, 1);
    this.ids.set(backend, id);
    this.registry.register(backend, id);
    return id;
  }

  private detach(id: number): void {
    if (this.closed) return;
    for (let h = 0; h < this.threads - 1; h++) this.workers.post(h, { type: 'detach', id });
    Atomics.add(this.ctrl, CTRL.MAIL, 1);
  }
}

/** A helper thread's side: its mailbox and how it reports a failure before counting down. */
export interface HelperIo {
  /** The next queued message, without waiting (undefined when none is queued). */
  receive(): PoolMessage | undefined;
  report(message: string): void;
  /** Instantiates the module on an attached memory (default: WebAssembly.Instance; tests substitute one). */
  instantiate?(module: WebAssembly.Module, memory: WebAssembly.Memory): HelperExports;
}

/**
 * A helper's loop (thread `helper + 1`): waits for a job, claims and computes chunks of it; returns on OP_EXIT.
 * Never returns to the event loop in between, so it reads its mailbox itself.
 */
export function serveKernelJobs(ctrl: Int32Array, helper: number, io: HelperIo): void {
  const memories = new Map<number, Target>();
  let seen = 0;
  let mail = 0;
  Atomics.add(ctrl, CTRL.READY, 1);
  for (;;) {
    // Jobs come back to back in a training step: a short spin saves the caller most futex wake-ups.
    for (let spin = 0; spin < HELPER_SPINS && Atomics.load(ctrl, CTRL.GEN) === seen; spin++);
    if (Atomics.load(ctrl, CTRL.GEN) === seen) {
      Atomics.add(ctrl, CTRL.SLEEPING, 1);
      Atomics.wait(ctrl, CTRL.GEN, seen);
      Atomics.sub(ctrl, CTRL.SLEEPING, 1);
    }
    const gen = Atomics.load(ctrl, CTRL.GEN);
    if (gen === seen) continue; // spurious wake-up
    seen = gen;
    if (ctrl[CTRL.OP] === OP_EXIT) return;
    // Attach messages are queued before MAIL is bumped, and MAIL before GEN: after reading GEN they are here.
    const m = Atomics.load(ctrl, CTRL.MAIL);
    if (m !== mail) {
      mail = m;
      for (let msg = io.receive(); msg; msg = io.receive()) {
        if (msg.type === 'attach') {
          const exports = io.instantiate ? io.instantiate(msg.module, msg.memory) : kernelExports(new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }));
          memories.set(msg.id, targetOf(exports, msg.scratch));
        } else memories.delete(msg.id);
      }
    }
    runChunks(ctrl, gen, () => {
      const target = memories.get(ctrl[CTRL.MEMORY]);
      if (!target) throw new Error(`no memory ${ctrl[CTRL.MEMORY]} attached`);
      Atomics.add(ctrl, CTRL.HELPED, 1);
      return target;
    }, (e) => {
      io.report(e instanceof Error ? e.message : String(e));
      Atomics.store(ctrl, CTRL.FAILED, helper + 1);
    });
  }
}
