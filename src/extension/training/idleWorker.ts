// A worker thread kept for requests outside a training run (explanations of the saved weights): started on the
// first request, reused while requests keep coming (the worker keeps the loaded network, so moving through cells
// with the arrow keys is one breakdown each, not a worker start and a weights load), ended after a quiet spell.
// No 'vscode' here: unit tests drive it with a real worker thread.
import type { ResourceLimits } from 'node:worker_threads';
import { EndpointDisposedError } from '../../protocol/endpoint';
import type { HostToWorker } from '../../protocol/worker';
import { WorkerClient } from './workerClient';

export interface IdleWorkerOptions {
  readonly resourceLimits?: ResourceLimits;
  /** How long the thread outlives its last reply. */
  readonly idleMs?: number;
  readonly onDrop?: (reason: string) => void;
}

export class IdleWorker {
  private client?: WorkerClient;
  private timer?: NodeJS.Timeout;
  private pending = 0;

  constructor(
    private readonly workerPath: string,
    private readonly options: IdleWorkerOptions = {},
  ) {}

  /** The worker's reply; rejects with its error reply, or when the thread dies meanwhile. */
  async request<R>(msg: HostToWorker): Promise<R> {
    clearTimeout(this.timer);
    const client = this.client ?? this.start();
    this.pending++;
    try {
      return await client.request<R>(msg);
    } catch (e) {
      // The thread died under the request: say why (its exit), not that the channel closed.
      if (e instanceof EndpointDisposedError) throw new Error((await client.ended) ?? 'the explanation worker ended before it answered');
      throw e;
    } finally {
      this.pending--;
      if (this.pending === 0 && this.client === client) this.timer = setTimeout(() => void this.dispose(), this.options.idleMs ?? 60_000);
    }
  }

  /** Whether a thread is up (tests). */
  get running(): boolean {
    return this.client !== undefined;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.terminate();
  }

  private start(): WorkerClient {
    const client = new WorkerClient(this.workerPath, { resourceLimits: this.options.resourceLimits, onDrop: this.options.onDrop, onMessage: () => undefined });
    this.client = client;
    // A thread that dies on its own (out of memory) is replaced by the next request.
    void client.ended.then(() => {
      if (this.client === client) this.client = undefined;
    });
    return client;
  }
}
