// Average pooling (also the engine of globalAvgPool2d); padding is not counted in the average unless countIncludePad.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { countsPadding } from '../../model/layers/avgPool2d';
import { getKernels } from '../kernels';
import type { Arena } from '../arena';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

export class AvgPool2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly c: number;
  /** countIncludePad: divide by the window's taps in the padded input. */
  private readonly countPad: boolean;
  readonly memory: LayerMemory;
  private x?: Tensor;

  /** `window` overrides the layer's own (globalAvgPool2d pools one window covering the whole input). */
  constructor(info: LayerInfo, arena: Arena, window?: Window2d) {
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.c = input[2]!;
    this.countPad = window ? false : countsPadding(layerOf(info, 'avgPool2d'));
    this.g = window ?? windowOf(info);
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    this.x = x;
    getKernels().avgPoolForward(x.data, y.data, n, this.g, this.c, this.countPad);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    getKernels().avgPoolBackward(dy.data, dx.data, x.shape[0]!, this.g, this.c, this.countPad);
    return dx;
  }
}
