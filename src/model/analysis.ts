// The result of the one shape function (`inferShapes` in shapes.ts). Every view — designer table,
// hover, inlay hints, diagnostics, CLI summary — and the engine read this, never their own arithmetic.
import type { Window2d } from './geometry';
import type { Layer, LayerType, Shape } from './types';

export interface ShapeError {
  readonly message: string;
  /** The layer field that causes it, when one does (e.g. 'kernelSize'); otherwise the layer as a whole. */
  readonly field?: string;
  /** A machine-readable kind, so quick fixes can offer the obvious repair. */
  readonly code: 'kernel-too-large' | 'needs-flatten' | 'needs-spatial' | 'too-large' | 'bad-input';
}

export interface ParamCount {
  readonly trainable: number;
  readonly nonTrainable: number;
}

export interface LayerInfo {
  readonly index: number;
  readonly type: LayerType;
  /** `name` from the file, or `<type>_<index>`. */
  readonly name: string;
  readonly layer: Layer;
  /** undefined when an earlier error left it unknown. */
  readonly inputShape?: Shape;
  readonly outputShape?: Shape;
  /** Window geometry for conv / depthwise / pooling layers. */
  readonly window?: Window2d;
  readonly params: ParamCount;
  /** Multiply-adds per sample (0 where unknown). */
  readonly macs: number;
  /** Output elements per sample (0 where unknown). */
  readonly outputElements: number;
  readonly errors: readonly ShapeError[];
}

export interface Totals {
  readonly params: number;
  readonly trainable: number;
  readonly nonTrainable: number;
  /** float32 weights */
  readonly weightBytes: number;
  readonly macs: number;
  /** Sum of every layer's output elements per sample, input included, as float32 bytes. */
  readonly activationBytesPerSample: number;
}

export interface ModelAnalysis {
  readonly inputShape: Shape;
  readonly layers: readonly LayerInfo[];
  readonly outputShape?: Shape;
  readonly totals: Totals;
  /** true when no layer has an error */
  readonly ok: boolean;
}
