// The webview side of the training channel: an Endpoint over the VsCodeApi (shared/vscodeApi.ts). Speaks first (`ready`).
import { Endpoint } from '../../src/protocol/endpoint';
import { TRAINING_PROTOCOL_VERSION, type TrainingHostMessage, type TrainingViewMessage } from '../../src/protocol/training';
import { vsCodeApi } from '../shared/vscodeApi';

export interface TrainingHost {
  send(msg: TrainingViewMessage): void;
  /** A request: resolves with the host's reply, rejects with its error (explanations). */
  request<R>(msg: TrainingViewMessage): Promise<R>;
  getState(): unknown;
  setState(state: unknown): void;
}

/** A record over the union: a host message type left out is a compile error, not a message dropped at run time. */
const HOST_TYPES: readonly string[] = Object.keys({ init: true, run: true, progress: true, featureMaps: true, augmentedSamples: true, mapsError: true, fatal: true } satisfies Record<TrainingHostMessage['type'], true>);

export function connect(onMessage: (msg: TrainingHostMessage) => void): TrainingHost {
  const api = vsCodeApi();
  const endpoint = new Endpoint<TrainingViewMessage, TrainingHostMessage>({
    transport: { post: (env) => api.postMessage(env) },
    handle: onMessage,
    // The host is trusted; this only keeps a stale or foreign message from breaking the UI.
    guard: (raw) => {
      const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
      return typeof type === 'string' && HOST_TYPES.includes(type) ? (raw as TrainingHostMessage) : `unexpected message ${String(type)}`;
    },
    onDrop: (reason) => console.warn(`training view: ${reason}`),
  });
  window.addEventListener('message', (e: MessageEvent<unknown>) => endpoint.receive(e.data));
  endpoint.notify({ type: 'ready', protocolVersion: TRAINING_PROTOCOL_VERSION });
  return { send: (msg) => endpoint.notify(msg), request: (msg) => endpoint.request(msg), getState: () => api.getState(), setState: (s) => api.setState(s) };
}
