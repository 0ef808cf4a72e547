// The webview side of the .onnx view's channel: an Endpoint over the VsCodeApi.
import { Endpoint } from '../../src/protocol/endpoint';
import { ONNX_VIEW_PROTOCOL_VERSION, type OnnxConvertReply, type OnnxHostMessage, type OnnxWebviewMessage } from '../../src/protocol/onnxView';
import { vsCodeApi, type VsCodeApi } from '../shared/vscodeApi';

export interface OnnxHost {
  /** "Convert to .cnn.json": resolves with whether anything was written, rejects with the host's reason. */
  convert(): Promise<OnnxConvertReply>;
}

export function connect(onMessage: (msg: OnnxHostMessage) => void, api: VsCodeApi = vsCodeApi(), source: Window = window): OnnxHost {
  const endpoint = new Endpoint<OnnxWebviewMessage, OnnxHostMessage>({
    transport: { post: (env) => api.postMessage(env) },
    handle: onMessage,
    guard: guardHostMessage,
    onDrop: (reason) => console.warn(`onnx view: dropped host message: ${reason}`),
  });
  source.addEventListener('message', (e: MessageEvent<unknown>) => endpoint.receive(e.data));
  // The webview speaks first: the host posts nothing before this.
  endpoint.notify({ type: 'ready', protocolVersion: ONNX_VIEW_PROTOCOL_VERSION });
  return { convert: () => endpoint.request<OnnxConvertReply>({ type: 'convert' }) };
}

/** The host is trusted, but a stale or foreign message must not crash the view. */
function guardHostMessage(raw: unknown): OnnxHostMessage | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const m = raw as { type?: unknown; view?: unknown; message?: unknown };
  if ((m.type === 'init' || m.type === 'update') && typeof m.view === 'object' && m.view !== null) return raw as OnnxHostMessage;
  if (m.type === 'fatal' && typeof m.message === 'string') return raw as OnnxHostMessage;
  return `unexpected message ${String(m.type)}`;
}
