// Supervises training workers: one run per model file, each in its own worker thread, so an exception or
// out-of-memory ends that run with a message and never the extension host. Stop asks the worker to stop
// between batches (it keeps the last checkpoint) and terminates it if it does not within a grace period.
// No 'vscode' here: unit tests drive it with a real worker thread.
import type { ResourceLimits } from 'node:worker_threads';
import {
  WORKER_PROTOCOL_VERSION,
  type DoneView,
  type HostToWorker,
  type Prediction,
  type RunOptions,
  type SampleRef,
  type WorkerToHost,
} from '../../protocol/worker';
import { WorkerClient } from './workerClient';

export type RunOutcome = { readonly kind: 'done'; readonly result: DoneView } | { readonly kind: 'error'; readonly message: string };

export interface StartRequest {
  readonly modelPath: string;
  readonly modelText: string;
  readonly options: RunOptions;
  readonly inspect?: SampleRef;
}

export interface SupervisorOptions {
  readonly resourceLimits?: ResourceLimits;
  /** After a stop request, how long the worker may take to finish its batch before it is terminated. */
  readonly stopGraceMs?: number;
  readonly onDrop?: (reason: string) => void;
}

export class SupervisedRun {
  readonly done: Promise<RunOutcome>;
  private stopping?: Promise<RunOutcome>;

  constructor(
    readonly key: string,
    private readonly client: WorkerClient,
    private readonly graceMs: number,
    outcome: Promise<RunOutcome>,
  ) {
    this.done = outcome;
  }

  /** Resolves with the run's outcome; a stopped run's outcome is `done` with status "stopped". */
  stop(): Promise<RunOutcome> {
    this.stopping ??= (async () => {
      void this.client.notify({ type: 'stop' }).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.graceMs)));
      const first = await Promise.race([this.done, late]);
      clearTimeout(timer);
      if (first === 'late') await this.client.terminate();
      return this.done;
    })();
    return this.stopping;
  }

  /** A request to the running worker (explanations of the current weights, between two batches). */
  request<R>(msg: HostToWorker): Promise<R> {
    return this.client.request<R>(msg);
  }

  inspect(sample: SampleRef, modelPath: string, modelText: string): void {
    void this.client.notify({ type: 'inspect', sample, modelPath, modelText }).catch(() => undefined);
  }
}

export class TrainingSupervisor {
  private readonly runs = new Map<string, SupervisedRun>();

  constructor(
    private readonly workerPath: string,
    private readonly options: SupervisorOptions = {},
  ) {}

  running(key: string): SupervisedRun | undefined {
    return this.runs.get(key);
  }

  get activeKeys(): string[] {
    return [...this.runs.keys()];
  }

  /** Starts a run in a fresh worker; throws when `key` already has one (the caller asks the user first). */
  start(key: string, request: StartRequest, onMessage: (msg: WorkerToHost) => void): SupervisedRun {
    if (this.runs.has(key)) throw new Error(`${key} is already training`);
    let settle!: (o: RunOutcome) => void;
    const outcome = new Promise<RunOutcome>((resolve) => (settle = resolve));
    let settled = false;
    const finish = (o: RunOutcome): void => {
      if (settled) return;
      settled = true;
      if (this.runs.get(key) === run) this.runs.delete(key);
      settle(o);
      // The worker has nothing left to do; end the thread (also after an error it reported itself).
      void client.terminate();
    };
    const client = new WorkerClient(this.workerPath, {
      resourceLimits: this.options.resourceLimits,
      onDrop: this.options.onDrop,
      onMessage: (msg) => {
        onMessage(msg);
        if (msg.type === 'done') finish({ kind: 'done', result: msg.result });
        else if (msg.type === 'error') finish({ kind: 'error', message: msg.message });
      },
    });
    void client.ended.then((end) => finish({ kind: 'error', message: end ?? 'the training worker ended before the run finished' }));
    const run = new SupervisedRun(key, client, this.options.stopGraceMs ?? 5000, outcome);
    this.runs.set(key, run);
    const start: HostToWorker = { type: 'start', protocolVersion: WORKER_PROTOCOL_VERSION, ...request };
    client.notify(start).catch((e: unknown) => finish({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
    return run;
  }

  /** A short-lived worker for work outside a run (feature maps of the saved weights, predictions). */
  async oneShot<R>(work: (client: WorkerClient, messages: (listener: (msg: WorkerToHost) => void) => void) => Promise<R>): Promise<R> {
    let listener: (msg: WorkerToHost) => void = () => undefined;
    const client = new WorkerClient(this.workerPath, { resourceLimits: this.options.resourceLimits, onDrop: this.options.onDrop, onMessage: (m) => listener(m) });
    try {
      const ended = client.ended.then((end) => Promise.reject(new Error(end ?? 'the worker ended early')));
      ended.catch(() => undefined);
      return await Promise.race([work(client, (l) => (listener = l)), ended]);
    } finally {
      await client.terminate();
    }
  }

  predict(modelPath: string, modelText: string, file: string, top = 5): Promise<Prediction> {
    return this.oneShot((client) => client.request<Prediction>({ type: 'predict', modelPath, modelText, file, top }));
  }

  /** Feature maps of the saved weights (no run): resolves with the worker's `featureMaps` or rejects with its error. */
  inspectSaved(modelPath: string, modelText: string, sample: SampleRef): Promise<Extract<WorkerToHost, { type: 'featureMaps' }>> {
    return this.oneShot(
      (client, messages) =>
        new Promise((resolve, reject) => {
          messages((m) => {
            if (m.type === 'featureMaps') resolve(m);
            else if (m.type === 'error' || m.type === 'mapsError') reject(new Error(m.message));
          });
          client.notify({ type: 'inspect', modelPath, modelText, sample }).catch(reject);
        }),
    );
  }

  /** Stops every run (deactivate): each keeps its last checkpoint. */
  async dispose(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.stop()));
  }
}
