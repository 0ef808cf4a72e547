// zeroPadding2D: zeros around each image, Keras ZeroPadding2D (sides from model/shapes' paddingSides); the
// gradient is the interior of dy.
import type { LayerInfo } from '../../model/analysis';
import { paddingSides } from '../../model/shapes';
import { field } from '../../model/spec';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import type { PadSides } from '../kernels/pad';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class ZeroPadding2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShape: Shape;
  private readonly outShape: Shape;
  private readonly sides: PadSides;
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = layerOf(info, 'zeroPadding2D');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    const [[top, bottom], [left, right]] = paddingSides(field('zeroPadding2D', layer.padding, 'padding'));
    this.sides = { top, bottom, left, right };
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = (this.n = batchOf(x, this.inShape, this.name));
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    const [h, w, c] = this.inShape as [number, number, number];
    getKernels().zeroPad(x.data, y.data, n, h, w, c, this.sides);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const n = lastForward(this.n, this.name);
    const dx = this.memory.buf('dx').tensor(n, this.inShape);
    const [h, w, c] = this.inShape as [number, number, number];
    getKernels().cropPadding(dy.data, dx.data, n, h, w, c, this.sides);
    return dx;
  }
}
