// Max pooling (also the engine of globalMaxPool2d): remembers each window's winner for backward.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { getKernels } from '../kernels';
import type { Arena } from '../arena';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import { sizeOf, type Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

export class MaxPool2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly c: number;
  readonly memory: LayerMemory;
  private x?: Tensor;
  /** Whether the last forward pass recorded the winners (training does). */
  private indexed = false;

  /** `window` overrides the layer's own (globalMaxPool2d pools one window covering the whole input). */
  constructor(info: LayerInfo, arena: Arena, window?: Window2d) {
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.c = input[2]!;
    if (!window) layerOf(info, 'maxPool2d');
    this.g = window ?? windowOf(info);
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor, training = true): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    this.x = x;
    // Inference needs the maxima only, not the winners.
    this.indexed = training;
    getKernels().maxPoolForward(x.data, y.data, training ? this.memory.buf('argmax').i32() : undefined, n, this.g, this.c);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    if (!this.indexed) {
      // After an inference pass (a standalone layer's: a network refuses backward then) the winners are found
      // again; the maxima go to dx, which backward overwrites (y may be another buffer's memory by now).
      const outSize = sizeOf(dy.shape);
      if (dx.data.length < outSize) throw new Error(`layer ${this.name}: backward needs a training forward pass first`);
      getKernels().maxPoolForward(x.data, dx.data.subarray(0, outSize), this.memory.buf('argmax').i32(), x.shape[0]!, this.g, this.c);
      this.indexed = true;
    }
    getKernels().maxPoolBackward(dy.data, this.memory.buf('argmax').i32(), dx.data, x.shape[0]!, this.g, this.c);
    return dx;
  }
}
