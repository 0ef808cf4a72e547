// Max pooling (also the engine of globalMaxPool2d): remembers each window's winner for backward.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { getKernels } from '../kernels';
import type { EngineLayer, Param } from '../layer';
import { reuse, sizeOf, type Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

export class MaxPool2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly c: number;
  private argmax?: Int32Array;
  private x?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;

  /** `window` overrides the layer's own (globalMaxPool2d pools one window covering the whole input). */
  constructor(info: LayerInfo, window?: Window2d) {
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.c = input[2]!;
    if (!window) layerOf(info, 'maxPool2d');
    this.g = window ?? windowOf(info);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const y = (this.y = reuse(this.y, [n, ...this.outShape]));
    if (this.argmax?.length !== y.data.length) this.argmax = new Int32Array(y.data.length);
    this.x = x;
    getKernels().maxPoolForward(x.data, y.data, this.argmax, n, this.g, this.c);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const dx = (this.dx = reuse(this.dx, x.shape));
    getKernels().maxPoolBackward(dy.data, this.argmax!, sizeOf(dy.shape), dx.data, sizeOf(x.shape));
    return dx;
  }
}
