// channelSlice: channels [start, end) of the last axis (Python's x[..., start:end]); the gradient is dy in those
// channels and zero elsewhere.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import { sizeOf, type Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class ChannelSlice implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShape: Shape;
  private readonly outShape: Shape;
  private readonly start: number;
  private readonly inC: number;
  private readonly outC: number;
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = layerOf(info, 'channelSlice');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.start = layer.start;
    this.inC = input[input.length - 1]!;
    this.outC = output[output.length - 1]!;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = (this.n = batchOf(x, this.inShape, this.name));
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    getKernels().copyColumnsFrom(x.data, y.data, sizeOf(x.shape) / this.inC, this.outC, this.inC, this.start);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const n = lastForward(this.n, this.name);
    const dx = this.memory.buf('dx').tensor(n, this.inShape);
    dx.data.fill(0);
    getKernels().copyColumnsInto(dy.data, dx.data, sizeOf(dx.shape) / this.inC, this.outC, this.inC, this.start);
    return dx;
  }
}
