// Layer normalisation over the last axis (Keras LayerNormalization(axis=-1), PyTorch nn.LayerNorm(C) on
// channels-last values): each position's channels normalised by their own mean and variance, the same in training
// and inference.
import type { LayerInfo } from '../../model/analysis';
import { layerNormFields } from '../../model/layers/layerNormalization';
import type { Arena } from '../arena';
import { layerNormBackward, layerNormForward } from '../kernels/layerNorm';
import { createParams, gradOf, LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { sizeOf, type Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class LayerNormalization implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  /** Absent without `scale` / `center`. */
  readonly gamma?: Param;
  readonly beta?: Param;
  private readonly epsilon: number;
  private readonly inShape: readonly number[];
  private readonly c: number;
  /** Float64 buffers: 'stats' the last forward's mean and 1/√(var + ε) per position, 'sums' backward's per channel. */
  readonly memory: LayerMemory;
  private x?: Tensor;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'layerNormalization');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.c = this.inShape[this.inShape.length - 1]!;
    this.epsilon = layerNormFields(layer).epsilon;
    const params = createParams(info, rng, arena);
    this.gamma = params.optional('gamma');
    this.beta = params.optional('beta');
    this.params = params.list;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    this.x = x;
    const y = this.memory.buf('y').tensor(n, this.inShape);
    layerNormForward(x.data, y.data, this.memory.buf('stats').f64(), this.gamma?.value, this.beta?.value, sizeOf(x.shape) / this.c, this.c, this.epsilon);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    layerNormBackward(
      x.data, dy.data, dx.data, this.memory.buf('stats').f64(), this.memory.buf('sums').f64(), this.gamma?.value,
      gradOf(this.gamma), gradOf(this.beta), sizeOf(x.shape) / this.c, this.c,
    );
    return dx;
  }
}
