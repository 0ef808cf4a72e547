// channelShuffle: a fixed permutation of the channels; the gradient goes back through the inverse permutation.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { shuffleChannels, unshuffleChannels } from '../kernels/shuffle';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class ChannelShuffle implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly shape: Shape;
  private readonly groups: number;
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    this.groups = layerOf(info, 'channelShuffle').groups;
    this.shape = shapes(info).input;
    this.name = info.name;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = (this.n = batchOf(x, this.shape, this.name));
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.shape);
    const [h, w, c] = this.shape as [number, number, number];
    shuffleChannels(x.data, y.data, n * h * w, c, this.groups);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const n = lastForward(this.n, this.name);
    const dx = this.memory.buf('dx').tensor(n, this.shape);
    const [h, w, c] = this.shape as [number, number, number];
    unshuffleChannels(dy.data, dx.data, n * h * w, c, this.groups);
    return dx;
  }
}
