// One Endpoint for every channel (extension ↔ webview, extension ↔ worker): requests with ids and
// replies, notifications, error replies, transfer lists. The transport is one abstract `post`, so the
// same class runs over `webview.postMessage`, `acquireVsCodeApi()`, `parentPort` or a test stub.

/** Transferable objects (ArrayBuffer, MessagePort…); typed loosely so this file needs neither DOM nor Node types. */
export type TransferList = readonly object[];

export interface Message {
  readonly type: string;
}

/** What actually travels: a message wrapped with its routing. */
export type Envelope =
  | { readonly kind: 'notify'; readonly msg: unknown }
  | { readonly kind: 'request'; readonly id: number; readonly msg: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: string };

export interface Transport {
  post(envelope: Envelope, transfer?: TransferList): void;
}

export interface EndpointOptions<In extends Message> {
  readonly transport: Transport;
  /** Handles notifications and requests; the return value (awaited) is the reply to a request. */
  readonly handle: (msg: In) => unknown;
  /** Validates untrusted input: returns the typed message, or a reason string to reject it. */
  readonly guard: (raw: unknown) => In | string;
  /** Called for dropped input (bad envelope, guard rejection of a notification, handler error on a notification). */
  readonly onDrop?: (reason: string) => void;
}

export class EndpointDisposedError extends Error {
  constructor() {
    super('endpoint disposed: the other side went away');
  }
}

export class Endpoint<Out extends Message, In extends Message> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private disposed = false;

  constructor(private readonly options: EndpointOptions<In>) {}

  notify(msg: Out, transfer?: TransferList): void {
    if (this.disposed) return;
    this.options.transport.post({ kind: 'notify', msg }, transfer);
  }

  /** The caller names the reply type; the channel's protocol file documents which reply each request gets. */
  request<R = unknown>(msg: Out, transfer?: TransferList): Promise<R> {
    if (this.disposed) return Promise.reject(new EndpointDisposedError());
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as R), reject });
      try {
        this.options.transport.post({ kind: 'request', id, msg }, transfer);
      } catch (e) {
        this.pending.delete(id);
        reject(toError(e));
      }
    });
  }

  /** Feed every raw incoming message here (from `onDidReceiveMessage`, `window.onmessage`, …). */
  receive(raw: unknown): void {
    if (this.disposed) return;
    const env = asEnvelope(raw);
    if (!env) return this.drop('not an envelope');
    if (env.kind === 'reply') {
      // Replies to requests we never sent (or already settled) are ignored: the other side may be stale.
      const p = this.pending.get(env.id);
      if (!p) return;
      this.pending.delete(env.id);
      if (env.ok) p.resolve(env.value);
      else p.reject(new Error(env.error));
      return;
    }
    const checked = this.options.guard(env.msg);
    if (typeof checked === 'string') {
      if (env.kind === 'request') this.reply(env.id, Promise.reject(new Error(checked)));
      return this.drop(checked);
    }
    let result: unknown;
    try {
      result = this.options.handle(checked);
    } catch (e) {
      result = Promise.reject(e);
    }
    if (env.kind === 'request') this.reply(env.id, result);
    else if (result instanceof Promise) result.catch((e: unknown) => this.drop(toError(e).message));
  }

  /** Rejects every pending request, so no caller waits forever on a panel or worker that is gone. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(new EndpointDisposedError());
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private reply(id: number, result: unknown): void {
    Promise.resolve(result).then(
      (value) => this.postReply({ kind: 'reply', id, ok: true, value }),
      (e: unknown) => this.postReply({ kind: 'reply', id, ok: false, error: toError(e).message }),
    );
  }

  private postReply(env: Envelope): void {
    if (this.disposed) return;
    try {
      this.options.transport.post(env);
    } catch (e) {
      this.drop(`reply failed: ${toError(e).message}`);
    }
  }

  private drop(reason: string): void {
    this.options.onDrop?.(reason);
  }
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function asEnvelope(raw: unknown): Envelope | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const validId = typeof r.id === 'number' && Number.isSafeInteger(r.id);
  switch (r.kind) {
    case 'notify':
      return { kind: 'notify', msg: r.msg };
    case 'request':
      return validId ? { kind: 'request', id: r.id as number, msg: r.msg } : undefined;
    case 'reply':
      if (!validId) return undefined;
      if (r.ok === true) return { kind: 'reply', id: r.id as number, ok: true, value: r.value };
      return { kind: 'reply', id: r.id as number, ok: false, error: typeof r.error === 'string' ? r.error : 'request failed' };
    default:
      return undefined;
  }
}

/** Re-exported so message handlers import it with their Endpoint. */
export { assertNever } from '../model/assertNever';
