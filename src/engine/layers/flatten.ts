// Flatten: NHWC is already row-major channels-last, so only the shape changes; the data is shared.
import type { LayerInfo } from '../../model/analysis';
import type { EngineLayer, Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class Flatten implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private n?: number;

  constructor(info: LayerInfo) {
    layerOf(info, 'flatten');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
  }

  forward(x: Tensor): Tensor {
    this.n = batchOf(x, this.inShape, this.name);
    return { shape: [this.n, ...this.outShape], data: x.data };
  }

  backward(dy: Tensor): Tensor {
    return { shape: [lastForward(this.n, this.name), ...this.inShape], data: dy.data };
  }
}
