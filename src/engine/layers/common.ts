// Small helpers shared by the layer files: reading LayerInfo, and field defaults from the spec table.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { Layer, LayerType, Shape } from '../../model/types';
import type { ActivationName } from '../../model/types';
import { getKernels } from '../kernels';
import type { Tensor } from '../tensor';

export function shapes(info: LayerInfo): { readonly input: Shape; readonly output: Shape } {
  if (!info.inputShape || !info.outputShape) throw new Error(`layer ${info.name}: shapes are unknown`);
  return { input: info.inputShape, output: info.outputShape };
}

export function windowOf(info: LayerInfo): Window2d {
  if (!info.window) throw new Error(`layer ${info.name}: window geometry is missing`);
  return info.window;
}

/** The layer as its own type, or a clear error when the factory routed the wrong one. */
export function layerOf<T extends LayerType>(info: LayerInfo, ...types: T[]): Extract<Layer, { readonly type: T }> {
  if (!(types as LayerType[]).includes(info.layer.type)) throw new Error(`layer ${info.name}: expected ${types.join('/')}, got ${info.layer.type}`);
  return info.layer as Extract<Layer, { readonly type: T }>;
}

export function batchOf(x: Tensor, sample: Shape, who: string): number {
  const ok = x.shape.length === sample.length + 1 && sample.every((d, i) => x.shape[i + 1] === d);
  if (!ok) throw new Error(`layer ${who}: input must be [N, ${sample.join(', ')}], got [${x.shape.join(', ')}]`);
  return x.shape[0]!;
}

export function lastForward<T>(value: T | undefined, who: string): T {
  if (value === undefined) throw new Error(`layer ${who}: backward() called before forward()`);
  return value;
}

/** A folded layer's epilogue (engine/fold.ts) in place on its output y, rows × cols: y ← act(y + bias) (no bias: act(y)).
 *  Element-wise activations only (the fold never fuses softmax). */
export function foldedEpilogue(y: Tensor, bias: Float32Array | undefined, act: ActivationName, alpha: number, rows: number, cols: number): void {
  const kr = getKernels();
  if (act === 'linear') {
    if (bias) kr.addBias(y.data, bias, rows, cols);
  }
  else kr.biasActivationForward(act, y.data, bias, y.data, rows, cols, alpha);
}
