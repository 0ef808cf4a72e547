// What the diagram (diagram.ts) draws, as types without the DOM: the .onnx view's adapter (webview/onnx/graph.ts)
// makes one and is unit-tested without a browser.
import type { GraphRow } from './graphModel';
import type { VolumeRow } from './volumePlan';

/** A node of the picture: a layer of the designer's view (RowView has all this), a node of an .onnx graph. */
export interface DiagramRow extends GraphRow, VolumeRow {
  readonly outputShape?: readonly number[];
  readonly inputs: readonly { readonly index?: number; readonly error?: string }[];
  /** Drawn red (an unsupported ONNX node, a layer that does not fit), amber; the messages are its tooltip. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** What the diagram draws: the designer's view is one; the .onnx view makes one from its graph. */
export interface DiagramView {
  readonly rows: readonly DiagramRow[];
  readonly inputShape?: readonly number[];
  /** Each layer's settings (kernel and pool sizes), for the volumes picture; absent: the graph only. */
  readonly layers?: readonly unknown[];
}
