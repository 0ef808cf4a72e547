// One GEMM on several threads that share the backend's WebAssembly.Memory (DESIGN.md §6, threads). Pure: the
// host (src/data/gemmPool.ts) starts the worker_threads and gives each the control block and a mailbox; this
// file holds the protocol, the partitioning and both loops (the calling thread's and a helper's).
//
// Protocol: one shared Int32Array. The caller writes the job (operands, sizes, which memory), sets PENDING to
// the number of helpers, bumps GEN and notifies; every helper wakes (Atomics.wait on GEN), computes its part,
// decrements PENDING and notifies the caller on the last one, while the caller computes part 0 itself and then
// waits for PENDING = 0. A new job is only posted after PENDING reached 0, so no helper can miss a generation.
// Memories are attached lazily (the first threaded GEMM on a backend): an `attach` message per helper carries
// the module, the memory and that helper's packing scratch in it; helpers read messages synchronously (the host
// uses receiveMessageOnPort) when MAIL changed, since they never return to their event loop.
//
// Determinism: C is split into disjoint row blocks (or column panels), and each part is the same module's gemm
// on a sub-matrix with the same k and the same KC blocking, so every C element gets the same sum in the same
// order as on one thread: results are bit-identical for any thread count (test/unit/engine/gemmPool.test.ts).
//
// Where the caller may block: Atomics.wait is fine on Node's main thread (the CLI) and in the training worker;
// the extension host's main thread never runs the engine.
import type { WasmBackend } from './backend';

/** The microkernel's tile (assembly/gemm.ts): parts are whole multiples of it, except the last. */
const MR = 4;
const NR = 8;
/** Below this many multiply-adds (m·n·k) a GEMM stays on the calling thread: waking helpers costs ~10–50 µs. */
export const DEFAULT_MIN_MADDS = 1 << 20;

// Control block layout (Int32Array indices).
export const CTRL = {
  GEN: 0,
  PENDING: 1,
  /** 1 + the helper that exited (its exit handler sets it), 0 while all live. */
  DEAD: 2,
  /** 1 + the helper whose part threw (its report says why), 0 when none did. */
  FAILED: 3,
  OP: 4,
  MAIL: 5,
  MEMORY: 6,
  PARTS: 7,
  BY_ROWS: 8,
  TRANS_A: 9,
  TRANS_B: 10,
  M: 11,
  N: 12,
  K: 13,
  A: 14,
  LDA: 15,
  B: 16,
  LDB: 17,
  C: 18,
  LDC: 19,
  ACCUMULATE: 20,
  LENGTH: 24,
} as const;
export const OP_GEMM = 0;
export const OP_EXIT = 1;

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
  /** Ends the helpers (after OP_EXIT, or by force). */
  close(): Promise<void>;
}

/** The module's gemm export (byte offsets, strides in floats, booleans as 0/1). */
type GemmFn = (
  transA: number, transB: number, m: number, n: number, k: number,
  a: number, lda: number, b: number, ldb: number, c: number, ldc: number,
  accumulate: number, scratch: number,
) => void;

/** Start of part t of `parts` over `total` rows (or columns), in whole units except at the end. */
export function partStart(total: number, unit: number, parts: number, t: number): number {
  const units = Math.ceil(total / unit);
  return Math.min(total, unit * Math.floor((units * t) / parts));
}

/**
 * How a GEMM splits: along the larger of m and n, since a row split makes each thread pack all of op(B) (k·n)
 * and a column split all of op(A) (m·k); into at most as many parts as there are 4-row (8-column) units.
 */
export function planSplit(m: number, n: number, threads: number): { readonly parts: number; readonly byRows: boolean } {
  const byRows = m >= n;
  const units = byRows ? Math.ceil(m / MR) : Math.ceil(n / NR);
  return { parts: Math.max(1, Math.min(threads, units)), byRows };
}

/** Runs part t of the job in `ctrl` with `gemm` and this thread's scratch; an empty part does nothing. */
function runPart(ctrl: Int32Array, t: number, gemm: GemmFn, scratch: number): void {
  const parts = ctrl[CTRL.PARTS];
  if (t >= parts) return;
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

export interface GemmPoolOptions {
  /** GEMMs with fewer multiply-adds run on the calling thread alone (default DEFAULT_MIN_MADDS). */
  readonly minMadds?: number;
}

/** Splits GEMMs over the calling thread and `threads − 1` helpers. One caller thread at a time. */
export class GemmPool {
  readonly ctrl: Int32Array;
  readonly minMadds: number;
  /** Threaded GEMMs run so far (tests check that the pool was used). */
  jobs = 0;
  private readonly workers: PoolWorkers;
  private readonly ids = new WeakMap<WasmBackend, number>();
  private nextId = 1;
  private broken?: Error;
  private closed = false;
  /** Tells helpers to drop a memory once its backend is collected, so they do not keep it alive. */
  private readonly registry = new FinalizationRegistry<number>((id) => this.detach(id));

  /**
   * @param threads threads per GEMM, the caller included (1: no helpers)
   * @param start the host's starter of the `threads − 1` helpers, given the control block to pass them
   */
  constructor(readonly threads: number, start: (ctrl: Int32Array, helpers: number) => PoolWorkers, options: GemmPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`GemmPool: bad thread count ${threads}`);
    this.ctrl = new Int32Array(new SharedArrayBuffer(CTRL.LENGTH * 4));
    this.minMadds = options.minMadds ?? DEFAULT_MIN_MADDS;
    this.workers = start(this.ctrl, threads - 1);
  }

  /** Whether this GEMM is worth splitting. */
  splits(m: number, n: number, k: number): boolean {
    return this.threads > 1 && m * n * k >= this.minMadds && planSplit(m, n, this.threads).parts > 1;
  }

  /**
   * C = (accumulate ? C : 0) + op(A)·op(B) on `backend`'s memory (the backend's contract, m, n, k > 0), split
   * over the threads. Throws when a helper failed or died, after every other part has finished.
   */
  gemm(
    backend: WasmBackend, transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: boolean,
  ): void {
    if (this.broken) throw this.broken;
    if (this.closed) throw new Error('the GEMM thread pool is closed');
    const ctrl = this.ctrl;
    this.checkAlive();
    const id = this.attach(backend);
    const { parts, byRows } = planSplit(m, n, this.threads);
    ctrl[CTRL.OP] = OP_GEMM;
    ctrl[CTRL.MEMORY] = id;
    ctrl[CTRL.PARTS] = parts;
    ctrl[CTRL.BY_ROWS] = +byRows;
    ctrl[CTRL.TRANS_A] = +transA;
    ctrl[CTRL.TRANS_B] = +transB;
    ctrl[CTRL.M] = m;
    ctrl[CTRL.N] = n;
    ctrl[CTRL.K] = k;
    ctrl[CTRL.A] = a;
    ctrl[CTRL.LDA] = lda;
    ctrl[CTRL.B] = b;
    ctrl[CTRL.LDB] = ldb;
    ctrl[CTRL.C] = c;
    ctrl[CTRL.LDC] = ldc;
    ctrl[CTRL.ACCUMULATE] = +accumulate;
    ctrl[CTRL.FAILED] = 0;
    // Every helper takes part (one with an empty range just counts down): no helper can skip a generation.
    Atomics.store(ctrl, CTRL.PENDING, this.threads - 1);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    this.jobs++;
    try {
      runPart(ctrl, 0, backend.gemmPart, backend.scratchFor(0));
    } finally {
      this.waitForHelpers();
    }
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

  private waitForHelpers(): void {
    const ctrl = this.ctrl;
    // Helpers usually finish about when the caller does: a short spin saves a futex round trip.
    for (let spin = 0; spin < 4096; spin++) if (Atomics.load(ctrl, CTRL.PENDING) === 0) return;
    for (;;) {
      const pending = Atomics.load(ctrl, CTRL.PENDING);
      if (pending === 0) return;
      this.checkAlive();
      // The timeout bounds the wait should a helper die between the check and the wait (its exit handler
      // notifies, but that may come just before we sleep).
      Atomics.wait(ctrl, CTRL.PENDING, pending, 100);
    }
  }

  /** The id under which helpers know `backend`'s memory, sending it to them on first use. */
  private attach(backend: WasmBackend): number {
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
}

/**
 * A helper's loop (thread `helper + 1`): waits for a generation, runs its part, counts down; returns on OP_EXIT.
 * Never returns to the event loop in between, so it reads its mailbox itself.
 */
export function serveGemms(ctrl: Int32Array, helper: number, io: HelperIo): void {
  const memories = new Map<number, { readonly gemm: GemmFn; readonly scratch: number }>();
  let seen = 0;
  let mail = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL.GEN, seen);
    const gen = Atomics.load(ctrl, CTRL.GEN);
    if (gen === seen) continue; // spurious wake-up
    seen = gen;
    if (ctrl[CTRL.OP] === OP_EXIT) return;
    try {
      const m = Atomics.load(ctrl, CTRL.MAIL);
      if (m !== mail) {
        mail = m;
        for (let msg = io.receive(); msg; msg = io.receive()) {
          if (msg.type === 'attach') {
            const instance = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } });
            memories.set(msg.id, { gemm: instance.exports.gemm as GemmFn, scratch: msg.scratch });
          } else memories.delete(msg.id);
        }
      }
      const target = memories.get(ctrl[CTRL.MEMORY]);
      if (!target) throw new Error(`no memory ${ctrl[CTRL.MEMORY]} attached`);
      runPart(ctrl, helper + 1, target.gemm, target.scratch);
    } catch (e) {
      io.report(e instanceof Error ? e.message : String(e));
      Atomics.store(ctrl, CTRL.FAILED, helper + 1);
    } finally {
      if (Atomics.sub(ctrl, CTRL.PENDING, 1) === 1) Atomics.notify(ctrl, CTRL.PENDING);
    }
  }
}
