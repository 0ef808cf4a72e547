// Batch normalisation over the last axis. Training: batch mean and (biased) variance over all other axes, and
// moving = momentum·moving + (1 − momentum)·batch, as Keras. Inference: the moving statistics.
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { createParam, LayerMemory, type EngineLayer, type Param } from '../layer';
import { sizeOf, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class BatchNorm implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly gamma: Param;
  readonly beta: Param;
  readonly movingMean: Param;
  readonly movingVariance: Param;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly inShape: readonly number[];
  private readonly c: number;
  /** Float64 buffers: 'stats' holds the last forward's mean [0, c) and 1/√(var + ε) [c, 2c) per channel,
   *  'sums' backward's Σdy [0, c) and Σdy·x̂ [c, 2c). */
  readonly memory: LayerMemory;
  private training = false;
  private x?: Tensor;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = layerOf(info, 'batchNorm');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.c = this.inShape[this.inShape.length - 1]!;
    this.momentum = field('batchNorm', layer.momentum, 'momentum');
    this.epsilon = field('batchNorm', layer.epsilon, 'epsilon');
    this.gamma = createParam(`${info.name}.gamma`, [this.c], true, arena);
    this.beta = createParam(`${info.name}.beta`, [this.c], true, arena);
    this.movingMean = createParam(`${info.name}.movingMean`, [this.c], false, arena);
    this.movingVariance = createParam(`${info.name}.movingVariance`, [this.c], false, arena);
    this.gamma.value.fill(1);
    this.movingVariance.value.fill(1);
    this.params = [this.gamma, this.beta, this.movingMean, this.movingVariance];
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    const { c } = this;
    const st = this.memory.buf('stats').f64();
    const size = sizeOf(x.shape);
    const m = size / c;
    const xd = x.data;
    this.x = x;
    this.training = training;
    if (training) {
      // Two passes in float64: mean, then variance about it (no catastrophic cancellation).
      st.fill(0, 0, 2 * c);
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) st[j] += xd[o + j]!;
      for (let j = 0; j < c; j++) st[j] /= m;
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) { const d = xd[o + j]! - st[j]!; st[c + j] += d * d; }
      const mom = this.momentum;
      const mm = this.movingMean.value;
      const mv = this.movingVariance.value;
      for (let j = 0; j < c; j++) {
        const v = st[c + j]! / m;
        mm[j] = mom * mm[j]! + (1 - mom) * st[j]!;
        mv[j] = mom * mv[j]! + (1 - mom) * v;
        st[c + j] = 1 / Math.sqrt(v + this.epsilon);
      }
    } else {
      for (let j = 0; j < c; j++) {
        st[j] = this.movingMean.value[j]!;
        st[c + j] = 1 / Math.sqrt(this.movingVariance.value[j]! + this.epsilon);
      }
    }
    const y = this.memory.buf('y').tensor(n, this.inShape);
    const yd = y.data;
    const g = this.gamma.value;
    const b = this.beta.value;
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) yd[o + j] = (xd[o + j]! - st[j]!) * st[c + j]! * g[j]! + b[j]!;
    }
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const { c } = this;
    const st = this.memory.buf('stats').f64();
    const sm = this.memory.buf('sums').f64();
    const size = sizeOf(x.shape);
    const m = size / c;
    const xd = x.data;
    const gd = dy.data;
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    const d = dx.data;
    const g = this.gamma.value;
    // Σ dy and Σ dy·x̂ per channel give dβ, dγ and, in training, the terms from the batch statistics.
    sm.fill(0, 0, 2 * c);
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) {
        const gy = gd[o + j]!;
        sm[j] += gy;
        sm[c + j] += gy * (xd[o + j]! - st[j]!) * st[c + j]!;
      }
    }
    for (let j = 0; j < c; j++) {
      this.beta.grad[j] += sm[j]!;
      this.gamma.grad[j] += sm[c + j]!;
    }
    if (!this.training) {
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) d[o + j] = gd[o + j]! * g[j]! * st[c + j]!;
      return dx;
    }
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) {
        const xhat = (xd[o + j]! - st[j]!) * st[c + j]!;
        d[o + j] = (g[j]! * st[c + j]! / m) * (m * gd[o + j]! - sm[j]! - xhat * sm[c + j]!);
      }
    }
    return dx;
  }
}
