// What the three convolutions share: the sliding window over the input, validated with exact numbers.
import { isWindowError, window2d, type Window2d } from '../geometry';
import type { ActivationName, IntOrPair, Shape, ShapeError, WindowPadding } from './base';
import { needsSpatial, type ShapeResult } from './def';
import { specDefault, type LayerSpec } from './fields';

export interface ConvFields {
  readonly type: string;
  readonly kernelSize: IntOrPair;
  readonly strides?: IntOrPair;
  readonly padding?: WindowPadding;
  readonly dilationRate?: IntOrPair;
  readonly useBias?: boolean;
  readonly activation?: ActivationName;
}

/** The field's value, or its default in `spec`. */
export function orDefault<V>(spec: LayerSpec, value: V | undefined, field: string): V {
  return value !== undefined ? value : (specDefault(spec, field) as V);
}

/** The sliding window of a convolution over its input, and the input's channels; undefined after reporting why not. */
export function convWindow(spec: LayerSpec, layer: ConvFields, input: Shape, errors: ShapeError[]): { win: Window2d; c: number } | undefined {
  const spatial = needsSpatial(layer.type, input, errors);
  if (!spatial) return undefined;
  const [h, w, c] = spatial;
  const win = window2d(
    h, w, layer.kernelSize,
    orDefault(spec, layer.strides, 'strides'),
    orDefault(spec, layer.dilationRate, 'dilationRate'),
    orDefault(spec, layer.padding, 'padding'),
  );
  if (isWindowError(win)) {
    errors.push({ code: 'kernel-too-large', message: win.error, field: win.field });
    return undefined;
  }
  return { win, c };
}

export function convResult(win: Window2d, channels: number, macsPerPixel: number): ShapeResult {
  return { output: [win.outH, win.outW, channels], window: win, macs: win.outH * win.outW * macsPerPixel };
}
