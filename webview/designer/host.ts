// The webview side of the designer channel: an Endpoint over the VsCodeApi (shared/vscodeApi.ts), behind a
// small interface so tests and the e2e harness can substitute the transport.
import { Endpoint } from '../../src/protocol/endpoint';
import { PROTOCOL_VERSION, type DesignerView, type HostMessage, type IntentMessage, type IntentReply, type ViewPatch, type WebviewMessage } from '../../src/protocol/designer';
import { vsCodeApi, type VsCodeApi } from '../shared/vscodeApi';

export interface Host {
  /** Sends an intent; resolves when the document was edited (or the command ran), rejects with the host's reason. */
  send(intent: IntentMessage): Promise<IntentReply>;
  /** Asks for the whole view again (`ready` once more): a patch came for a view this page does not show. */
  resync(): void;
  getState(): unknown;
  setState(state: unknown): void;
  dispose(): void;
}

export function connect(onMessage: (msg: HostMessage) => void, api: VsCodeApi = vsCodeApi(), source: Window = window): Host {
  const endpoint = new Endpoint<WebviewMessage, HostMessage>({
    transport: { post: (env) => api.postMessage(env) },
    handle: onMessage,
    guard: guardHostMessage,
    onDrop: (reason) => console.warn(`designer: dropped host message: ${reason}`),
  });
  const listener = (e: MessageEvent<unknown>): void => endpoint.receive(e.data);
  source.addEventListener('message', listener);
  // The webview speaks first: the host posts nothing before this.
  endpoint.notify({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  return {
    send: (intent) => endpoint.request<IntentReply>(intent),
    resync: () => endpoint.notify({ type: 'ready', protocolVersion: PROTOCOL_VERSION }),
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
    dispose: () => {
      source.removeEventListener('message', listener);
      endpoint.dispose();
    },
  };
}

/** The host is trusted, but a stale or foreign message must not crash the UI. */
function guardHostMessage(raw: unknown): HostMessage | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const m = raw as { type?: unknown; view?: unknown; documentVersion?: unknown; message?: unknown };
  if ((m.type === 'init' || m.type === 'update') && isViewObject(m.view) && typeof m.documentVersion === 'number') return raw as HostMessage;
  if (m.type === 'patch' && typeof m.documentVersion === 'number' && typeof (raw as { base?: unknown }).base === 'number' && isPatch((raw as { patch?: unknown }).patch)) return raw as HostMessage;
  if (m.type === 'fatal' && typeof m.message === 'string') return raw as HostMessage;
  if (m.type === 'select' && Number.isInteger((raw as { index?: unknown }).index)) return raw as HostMessage;
  return `unexpected message ${String(m.type)}`;
}

function isPatch(v: unknown): v is ViewPatch {
  const p = v as Partial<Record<keyof ViewPatch, unknown>> | null;
  return typeof p === 'object' && p !== null && typeof p.set === 'object' && p.set !== null && Array.isArray(p.removed) && Array.isArray(p.rows) && Array.isArray(p.layers) && typeof p.rowCount === 'number' && typeof p.layerCount === 'number';
}

function isViewObject(v: unknown): v is DesignerView {
  return typeof v === 'object' && v !== null;
}

