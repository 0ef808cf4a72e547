// What max and average pooling share: the window over each channel, Keras' strides default.
import { isWindowError, window2d } from '../geometry';
import type { IntOrPair, LayerBase, Padding, Shape, ShapeError } from './base';
import { orDefault } from './convolution';
import { needsSpatial, type ShapeResult } from './def';
import type { LayerSpec } from './fields';

export interface PoolFields extends LayerBase {
  readonly poolSize?: IntOrPair;
  /** Defaults to poolSize, as in Keras. */
  readonly strides?: IntOrPair;
  readonly padding?: Padding;
}

export function poolShape(spec: LayerSpec, type: string, layer: PoolFields, input: Shape, errors: ShapeError[]): ShapeResult | undefined {
  const spatial = needsSpatial(type, input, errors);
  if (!spatial) return undefined;
  const [h, w, c] = spatial;
  const pool = orDefault(spec, layer.poolSize, 'poolSize');
  const win = window2d(h, w, pool, layer.strides ?? pool, 1, orDefault(spec, layer.padding, 'padding'), 'poolSize');
  if (isWindowError(win)) {
    errors.push({ code: 'kernel-too-large', message: win.error.replace(/^kernel/, 'pool window'), field: win.field });
    return undefined;
  }
  return { output: [win.outH, win.outW, c], window: win };
}
