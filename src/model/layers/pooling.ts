// What max and average pooling share: the window over each channel, Keras' strides default.
import { isWindowError, window2d } from '../geometry';
import type { IntOrPair, LayerBase, Shape, ShapeError, WindowPadding } from './base';
import { orDefault } from './convolution';
import { needsSpatial, type ShapeResult } from './def';
import type { LayerSpec } from './fields';

export interface PoolFields extends LayerBase {
  readonly poolSize?: IntOrPair;
  /** Defaults to poolSize, as in Keras. */
  readonly strides?: IntOrPair;
  readonly padding?: WindowPadding;
  /** PyTorch's ceil_mode. */
  readonly ceilMode?: boolean;
}

/** `dilation`: maxPool2d's dilationRate (1 for average pooling, which has none). */
export function poolShape(spec: LayerSpec, type: string, layer: PoolFields, input: Shape, errors: ShapeError[], dilation: IntOrPair = 1): ShapeResult | undefined {
  const spatial = needsSpatial(type, input, errors);
  if (!spatial) return undefined;
  const [h, w, c] = spatial;
  const pool = orDefault(spec, layer.poolSize, 'poolSize');
  const win = window2d(h, w, pool, layer.strides ?? pool, dilation, orDefault(spec, layer.padding, 'padding'), {
    kernelField: 'poolSize', ceilMode: orDefault(spec, layer.ceilMode, 'ceilMode'), pool: true,
  });
  if (isWindowError(win)) {
    errors.push({ code: 'kernel-too-large', message: win.error.replace(/^(dilated )?kernel/, '$1pool window'), field: win.field });
    return undefined;
  }
  return { output: [win.outH, win.outW, c], window: win };
}
