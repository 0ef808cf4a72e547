// One worker thread seen from the extension host: an Endpoint over the Worker, the `ready` handshake
// (nothing is posted before it), and one `ended` promise that settles however the worker goes away
// (clean exit, exception that escaped, out of memory, terminate). No 'vscode' here: unit tests use it.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { Endpoint } from '../../protocol/endpoint';
import { guardWorkerToHost, WORKER_PROTOCOL_VERSION, type HostToWorker, type WorkerToHost } from '../../protocol/worker';

export interface WorkerClientOptions {
  readonly resourceLimits?: ResourceLimits;
  /** Messages the worker sends after `ready`. */
  readonly onMessage: (msg: WorkerToHost) => void;
  readonly onDrop?: (reason: string) => void;
}

/** How a worker ended: undefined for a normal exit (code 0 or terminate()), else why it died. */
export type WorkerEnd = string | undefined;

export function describeWorkerFailure(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'the training worker ran out of memory; try a smaller batch size, input or model';
  return `the training worker failed: ${e instanceof Error ? e.message : String(e)}`;
}

export class WorkerClient {
  readonly ready: Promise<void>;
  readonly ended: Promise<WorkerEnd>;
  private readonly worker: Worker;
  private readonly endpoint: Endpoint<HostToWorker, WorkerToHost>;
  private terminated = false;

  constructor(workerPath: string, options: WorkerClientOptions) {
    this.worker = new Worker(workerPath, { resourceLimits: options.resourceLimits, stdout: false, stderr: false });
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.endpoint = new Endpoint({
      transport: { post: (env, transfer) => this.worker.postMessage(env, (transfer ?? []) as ArrayBuffer[]) },
      guard: guardWorkerToHost,
      handle: (msg) => {
        if (msg.type === 'ready') {
          if (msg.protocolVersion === WORKER_PROTOCOL_VERSION) readyResolve();
          else readyReject(new Error(`the training worker speaks protocol ${msg.protocolVersion}, the extension ${WORKER_PROTOCOL_VERSION}: reinstall CNN Studio`));
          return undefined;
        }
        options.onMessage(msg);
        return undefined;
      },
      onDrop: options.onDrop,
    });
    this.worker.on('message', (raw: unknown) => this.endpoint.receive(raw));
    let failure: WorkerEnd;
    this.worker.on('error', (e) => {
      failure = describeWorkerFailure(e);
    });
    this.ended = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.endpoint.dispose();
        const end = failure ?? (code === 0 || this.terminated ? undefined : `the training worker stopped unexpectedly (exit code ${code})`);
        readyReject(new Error(end ?? 'the training worker exited before it was ready'));
        resolve(end);
      });
    });
    // Nobody may be waiting on `ready` when the worker dies early; that is not an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async notify(msg: HostToWorker): Promise<void> {
    await this.ready;
    this.endpoint.notify(msg);
  }

  async request<R>(msg: HostToWorker): Promise<R> {
    await this.ready;
    return this.endpoint.request<R>(msg);
  }

  /** Ends the thread at once (between two instructions of the engine); checkpoints are atomic files. */
  async terminate(): Promise<void> {
    this.terminated = true;
    await this.worker.terminate();
  }

  get threadId(): number {
    return this.worker.threadId;
  }
}
