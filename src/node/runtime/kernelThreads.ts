// Host side of the GEMM thread pool (engine/wasm/pool): starts the helper worker_threads and gives each the
// control block and a MessageChannel port. The calling thread reads the helpers' reports with
// receiveMessageOnPort, since it waits for them synchronously. Helpers are unref'd: an idle pool never keeps the
// process alive (mocha and the CLI exit without closing it), and close() ends them cleanly.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CTRL, KernelThreadPool, OP_EXIT, type KernelThreadPoolOptions, type PoolMessage, type PoolWorkers } from '../../engine/wasm/threadPool';
import type { KernelThreadData } from './kernelThread';

/** The most threads a setting or option may ask for. */
export const MAX_THREADS = 64;

/** All cores: the default of `cnnStudio.training.threads`, `cnn train --threads` and `cnn bench --threads`. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
}

/** The helper's entry: the bundle beside this one (dist/kernel-thread.js), else the source under tsx. */
function defaultEntry(): string {
  const bundled = join(__dirname, 'kernel-thread.js');
  const source = join(__dirname, 'kernelThread.ts');
  // Neither: the bundled name, so that the helpers' start-up failure (a warning, one thread) names it.
  return existsSync(bundled) || !existsSync(source) ? bundled : source;
}

/** Starts `helpers` helper threads on `ctrl` (the KernelThreadPool's starter). `entry` is a worker file (tests pass shims). */
export function startKernelThreads(ctrl: Int32Array, helpers: number, entry: string = defaultEntry()): PoolWorkers {
  // A .ts entry runs under tsx (tests, bench/) with tsx's require hook alone: inheriting the tsx CLI's
  // `--import loader.mjs` makes Node load the entry as ESM and refuse the .ts extension.
  const execArgv = entry.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : undefined;
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  const notes: (string | undefined)[] = [];
  for (let h = 0; h < helpers; h++) {
    const { port1, port2 } = new MessageChannel();
    const data: KernelThreadData = { ctrl, helper: h, port: port2 };
    const worker = new Worker(entry, { workerData: data, transferList: [port2], execArgv, name: `cnn-gemm-${h + 1}` });
    worker.unref();
    port1.unref();
    // An 'error' without a listener would crash this process; the helper's exit handler reports it too.
    worker.on('error', (e) => (notes[h] = e.message));
    exits.push(new Promise((resolve) => worker.once('exit', (code) => {
      // An exit the helper could not report itself (terminated, out of memory) breaks the pool for the next call.
      if (Atomics.load(ctrl, CTRL.OP) !== OP_EXIT && !Atomics.load(ctrl, CTRL.DEAD)) {
        notes[h] ??= `exited with code ${code}`;
        Atomics.store(ctrl, CTRL.DEAD, h + 1);
        Atomics.notify(ctrl, CTRL.DONE);
      }
      resolve();
    })));
    ports.push(port1);
    workers.push(worker);
  }
  const ready = new Promise<void>((resolve, reject) => {
    const poll = (): void => {
      const dead = Atomics.load(ctrl, CTRL.DEAD);
      if (dead) reject(new Error(`GEMM worker thread ${dead} ${notes[dead - 1] ?? 'exited'}`));
      else if (Atomics.load(ctrl, CTRL.READY) >= helpers) resolve();
      else setTimeout(poll, 2); // ref'd: awaiting ready() keeps the process up; it settles within a worker's start
    };
    poll();
  });
  // Whoever does not await it (a GEMM reports the failure itself) must not see an unhandled rejection.
  ready.catch(() => undefined);
  return {
    ready,
    post: (h: number, message: PoolMessage) => ports[h]!.postMessage(message),
    takeReport: (h: number) => {
      let text = notes[h];
      for (let r = receiveMessageOnPort(ports[h]!); r; r = receiveMessageOnPort(ports[h]!)) text = String(r.message);
      notes[h] = text;
      return text;
    },
    close: async () => {
      // OP_EXIT was posted: helpers return from their loop; a stuck one is terminated after a grace period.
      const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 2000).unref());
      if ((await Promise.race([Promise.all(exits), timeout])) === 'late') await Promise.all(workers.map((w) => w.terminate()));
      for (const p of ports) p.close();
    },
  };
}

/** A new pool of `threads` threads (the caller and threads − 1 helpers). */
export function createKernelThreadPool(threads: number, options: KernelThreadPoolOptions & { readonly entry?: string } = {}): KernelThreadPool {
  return new KernelThreadPool(threads, (ctrl, helpers) => startKernelThreads(ctrl, helpers, options.entry), options);
}

const shared = new Map<number, KernelThreadPool>();

/** The process's pool of `threads` threads, started on first use (the kernels loader shares it across backends). */
export function sharedKernelThreadPool(threads: number): KernelThreadPool {
  let pool = shared.get(threads);
  if (!pool) {
    pool = createKernelThreadPool(threads);
    shared.set(threads, pool);
  }
  return pool;
}

/** Whether `pool` is still one of the process's shared pools (closeSharedKernelThreadPools ends them). */
export function isSharedPoolOpen(pool: KernelThreadPool): boolean {
  return [...shared.values()].includes(pool);
}

/** Closes every shared pool (tests; a process may also just exit). */
export async function closeSharedKernelThreadPools(): Promise<void> {
  const pools = [...shared.values()];
  shared.clear();
  await Promise.all(pools.map((p) => p.close()));
}
