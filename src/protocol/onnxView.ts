// The .onnx view's channel: extension host ↔ the read-only ONNX view. The webview speaks first (`ready`); the host
// answers with `init`, then `update` whenever the file changes on disk. The only intent is "Convert to
// .cnn.json", a request answered with an `OnnxConvertReply`. The view is the file's whole graph, node by node (the
// host builds it from src/interop/onnx/inspect.ts, whose shapes these types mirror: this file imports no other room).
// Kept free of any one rendering, so a graph diagram can draw the same data.

/** Bump on any incompatible change to the messages below. */
export const ONNX_VIEW_PROTOCOL_VERSION = 1;

/** A tensor's dimensions: a number where fixed, the symbol ("batch") or "?" where not. */
export type DimsView = readonly (number | string)[];

export interface TensorView {
  readonly name: string;
  /** "float32", "int64", …; "?" when the file does not say. */
  readonly type: string;
  readonly dims?: DimsView;
}

/** What the importer made of a node (src/interop/onnx/inspect.ts NodeStatus). */
export type NodeStatusView = 'converted' | 'constant' | 'fused' | 'unsupported' | 'skipped' | 'unchecked';

export interface NodeView {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain?: string;
  readonly inputs: readonly string[];
  /** One per input; undefined where neither the file nor the importer knows it (or the input is absent). */
  readonly inputShapes: readonly (DimsView | undefined)[];
  readonly outputs: readonly string[];
  /** One per output; undefined where neither the file nor the importer knows it. */
  readonly outputShapes: readonly (DimsView | undefined)[];
  readonly params: number;
  readonly status: NodeStatusView;
  /** converted: the layers it became, e.g. ["zeroPadding2D", "conv2d + relu"]. */
  readonly layers?: readonly string[];
  /** fused: the node whose layer took it. */
  readonly fusedInto?: number;
  /** unsupported: why; skipped: the unsupported node it comes after. */
  readonly reason?: string;
  readonly blockedBy?: number;
}

export interface OnnxGraphView {
  readonly producer: string;
  readonly irVersion: number;
  readonly opset: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly graphName: string;
  readonly description: string;
  readonly inputs: readonly TensorView[];
  readonly outputs: readonly TensorView[];
  readonly nodes: readonly NodeView[];
  /** Every float initializer's elements, each counted once. */
  readonly params: number;
  readonly initializers: number;
  readonly unsupported: number;
  /** Problems of the model as a whole (its input, output, an initializer). */
  readonly problems: readonly string[];
  readonly notes: readonly string[];
}

export type OnnxView =
  /** `convertible`: nothing is unsupported and the model is complete: "Convert to .cnn.json" writes `convertTo`. */
  | { readonly kind: 'graph'; readonly file: string; readonly convertTo: string; readonly convertible: boolean; readonly graph: OnnxGraphView }
  /** The file cannot be read as an ONNX model: `problem` is one line. */
  | { readonly kind: 'unreadable'; readonly file: string; readonly problem: string };

// ---- host → webview

export type OnnxHostMessage =
  | { readonly type: 'init'; readonly protocolVersion: number; readonly view: OnnxView }
  | { readonly type: 'update'; readonly view: OnnxView }
  /** The two sides cannot talk (version mismatch): the webview shows this and stops. */
  | { readonly type: 'fatal'; readonly message: string };

// ---- webview → host

export type OnnxWebviewMessage =
  | { readonly type: 'ready'; readonly protocolVersion: number }
  /** Request: write `<stem>.cnn.json` + its weights beside the file and open it. */
  | { readonly type: 'convert' };

/** The reply to `convert`: false when nothing was written (the host said why, or the user kept the files). */
export interface OnnxConvertReply {
  readonly converted: boolean;
}

/** The webview is untrusted (DESIGN.md §4): only these two messages, with exactly their fields' types. */
export function guardOnnxWebviewMessage(raw: unknown): OnnxWebviewMessage | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return Number.isSafeInteger(m.protocolVersion) && (m.protocolVersion as number) >= 0 ? { type: 'ready', protocolVersion: m.protocolVersion as number } : 'ready: bad protocolVersion';
    case 'convert':
      return { type: 'convert' };
    default:
      return `the .onnx view is read-only: ${JSON.stringify(m.type)} is not accepted`;
  }
}

/** The host's answer to `ready`: the first message it ever posts. */
export function onnxHandshake(ready: { readonly protocolVersion: number }, view: OnnxView): OnnxHostMessage {
  if (ready.protocolVersion !== ONNX_VIEW_PROTOCOL_VERSION) {
    return { type: 'fatal', message: `The .onnx view (protocol ${ready.protocolVersion}) does not match the extension (protocol ${ONNX_VIEW_PROTOCOL_VERSION}): reopen the editor.` };
  }
  return { type: 'init', protocolVersion: ONNX_VIEW_PROTOCOL_VERSION, view };
}
