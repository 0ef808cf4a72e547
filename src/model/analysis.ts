// The result of the one shape function (`inferShapes` in shapes.ts). Every view — designer table,
// hover, inlay hints, diagnostics, CLI summary — and the engine read this, never their own arithmetic.
import type { Window2d } from './geometry';
import type { LayerInput, ShapeError } from './layers/base';
import type { Layer, LayerType, Shape } from './types';

export type { LayerInput, ShapeError } from './layers/base';

export interface ParamCount {
  readonly trainable: number;
  readonly nonTrainable: number;
}

export interface LayerInfo {
  readonly index: number;
  readonly type: LayerType;
  /** `name` from the file, or defaultLayerName(type, index). */
  readonly name: string;
  readonly layer: Layer;
  /** Every input, in order: `inputs` resolved, else the previous layer (the model input for the first). */
  readonly inputs: readonly LayerInput[];
  /** The first input's shape (the only one but for merge layers); undefined when an earlier error left it unknown. */
  readonly inputShape?: Shape;
  readonly outputShape?: Shape;
  /** Window geometry for conv / depthwise / pooling layers. */
  readonly window?: Window2d;
  readonly params: ParamCount;
  /** Multiply-adds per sample (0 where unknown). */
  readonly macs: number;
  /** Output elements per sample (0 where unknown). */
  readonly outputElements: number;
  /** Indices of the layers that read this layer's output, in file order. */
  readonly consumers: readonly number[];
  /** Errors and warnings (severity 'warning'). */
  readonly errors: readonly ShapeError[];
}

/** A layer that failed validation: what is known of it without a usable config. */
export interface InvalidLayerInfo {
  readonly index: number;
  readonly name: string;
  readonly invalid: true;
  readonly inputs: readonly LayerInput[];
  readonly consumers: readonly number[];
  /** Its naming and reference problems (the validator reports the rest), so they show before the layer is fixed. */
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
  /** The layers that validated, in file order (with `ok`, every layer). */
  readonly layers: readonly LayerInfo[];
  /** One entry per layer of the file, in file order, invalid ones included: entries[i].index === i. */
  readonly entries: readonly (LayerInfo | InvalidLayerInfo)[];
  readonly outputShape?: Shape;
  readonly totals: Totals;
  /** true when no layer has an error (warnings allowed) */
  readonly ok: boolean;
}
