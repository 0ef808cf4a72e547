// rescaling and normalization: fixed per-channel y = x · scale + offset, no parameters. The constants come from
// the model file (the registry's helpers compute normalization's in float64, then they are rounded once to float32).
import type { LayerInfo } from '../../model/analysis';
import { normalizationAffine } from '../../model/layers/normalization';
import { rescalingFields } from '../../model/layers/rescaling';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { affineChannels, affineChannelsBackward } from '../kernels/affine';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class ChannelAffine implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly shape: Shape;
  private readonly scale: Float32Array;
  private readonly offset: Float32Array;
  /** Positions per sample: the values over the channels. */
  private readonly positions: number;
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = layerOf(info, 'rescaling', 'normalization');
    this.shape = shapes(info).input;
    const channels = this.shape[this.shape.length - 1]!;
    if (layer.type === 'rescaling') {
      const { scale, offset } = rescalingFields(layer);
      this.scale = new Float32Array(channels).fill(scale);
      this.offset = new Float32Array(channels).fill(offset);
    } else {
      const { scale, offset } = normalizationAffine(layer, channels);
      this.scale = Float32Array.from(scale);
      this.offset = Float32Array.from(offset);
    }
    let size = 1;
    for (const d of this.shape) size *= d;
    this.positions = size / channels;
    this.name = info.name;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = (this.n = batchOf(x, this.shape, this.name));
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.shape);
    affineChannels(x.data, y.data, n * this.positions, this.scale, this.offset);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const n = lastForward(this.n, this.name);
    const dx = this.memory.buf('dx').tensor(n, this.shape);
    affineChannelsBackward(dy.data, dx.data, n * this.positions, this.scale);
    return dx;
  }
}
