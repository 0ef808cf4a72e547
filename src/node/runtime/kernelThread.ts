// A GEMM helper thread (bundled to dist/kernel-thread.js; started by ./kernelThreads): runs the pool's helper loop
// (engine/wasm/pool serveKernelJobs) on the control block it is given, reading its mailbox synchronously since it
// never returns to its event loop. A chunk that throws is reported and counted by the loop; an exit for any
// other reason (an uncaught error, process.exit) marks the control block and wakes the caller, so a GEMM
// waiting for this thread fails with the reason instead of hanging.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { CTRL, serveKernelJobs, type HelperIo, type PoolMessage } from '../../engine/wasm/threadPool';

export interface KernelThreadData {
  readonly ctrl: Int32Array;
  /** 0-based helper index (thread helper + 1 of the pool). */
  readonly helper: number;
  /** Messages from the pool (attach/detach) come in here; reports go out through it. */
  readonly port: MessagePort;
}

/** The helper loop over `data`; `instantiate` may be substituted (tests make a helper die inside a chunk). */
export function runGemmHelper(data: KernelThreadData, instantiate?: HelperIo['instantiate']): void {
  const { ctrl, helper, port } = data;
  let clean = false;
  process.on('exit', (code) => {
    if (clean) return;
    port.postMessage(`exited with code ${code}`);
    Atomics.store(ctrl, CTRL.DEAD, helper + 1);
    Atomics.notify(ctrl, CTRL.DONE);
  });
  // The module is compiled by the caller (where this flag was set); set here too in case this isolate checks.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  const receive = (): PoolMessage | undefined => receiveMessageOnPort(port)?.message as PoolMessage | undefined;
  serveKernelJobs(ctrl, helper, { receive, report: (message) => port.postMessage(message), ...(instantiate ? { instantiate } : {}) });
  clean = true;
  port.close();
}

if (require.main === module) runGemmHelper(workerData as KernelThreadData);
