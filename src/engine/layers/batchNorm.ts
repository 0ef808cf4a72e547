// Batch normalisation over the last axis. Training: batch mean and (biased) variance over all other axes, and
// moving = momentum·moving + (1 − momentum)·batch, as Keras. Inference: the moving statistics.
import type { LayerInfo } from '../../model/analysis';
import { createParam, type EngineLayer, type Param } from '../layer';
import { reuse, sizeOf, type Tensor } from '../tensor';
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
  /** Per channel of the last forward: mean and 1/√(var + ε). */
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private readonly sumDy: Float64Array;
  private readonly sumDyXhat: Float64Array;
  private training = false;
  private x?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;

  constructor(info: LayerInfo) {
    const layer = layerOf(info, 'batchNorm');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.c = this.inShape[this.inShape.length - 1]!;
    this.momentum = field('batchNorm', layer.momentum, 'momentum');
    this.epsilon = field('batchNorm', layer.epsilon, 'epsilon');
    this.gamma = createParam(`${info.name}.gamma`, [this.c], true);
    this.beta = createParam(`${info.name}.beta`, [this.c], true);
    this.movingMean = createParam(`${info.name}.movingMean`, [this.c], false);
    this.movingVariance = createParam(`${info.name}.movingVariance`, [this.c], false);
    this.gamma.value.fill(1);
    this.movingVariance.value.fill(1);
    this.params = [this.gamma, this.beta, this.movingMean, this.movingVariance];
    this.mean = new Float64Array(this.c);
    this.invStd = new Float64Array(this.c);
    this.sumDy = new Float64Array(this.c);
    this.sumDyXhat = new Float64Array(this.c);
  }

  forward(x: Tensor, training: boolean): Tensor {
    batchOf(x, this.inShape, this.name);
    const { c, mean, invStd } = this;
    const size = sizeOf(x.shape);
    const m = size / c;
    const xd = x.data;
    this.x = x;
    this.training = training;
    if (training) {
      // Two passes in float64: mean, then variance about it (no catastrophic cancellation).
      mean.fill(0);
      invStd.fill(0);
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) mean[j] += xd[o + j]!;
      for (let j = 0; j < c; j++) mean[j] /= m;
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) { const d = xd[o + j]! - mean[j]!; invStd[j] += d * d; }
      const mom = this.momentum;
      const mm = this.movingMean.value;
      const mv = this.movingVariance.value;
      for (let j = 0; j < c; j++) {
        const v = invStd[j]! / m;
        mm[j] = mom * mm[j]! + (1 - mom) * mean[j]!;
        mv[j] = mom * mv[j]! + (1 - mom) * v;
        invStd[j] = 1 / Math.sqrt(v + this.epsilon);
      }
    } else {
      for (let j = 0; j < c; j++) {
        mean[j] = this.movingMean.value[j]!;
        invStd[j] = 1 / Math.sqrt(this.movingVariance.value[j]! + this.epsilon);
      }
    }
    const y = (this.y = reuse(this.y, x.shape));
    const yd = y.data;
    const g = this.gamma.value;
    const b = this.beta.value;
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) yd[o + j] = (xd[o + j]! - mean[j]!) * invStd[j]! * g[j]! + b[j]!;
    }
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const { c, mean, invStd } = this;
    const size = sizeOf(x.shape);
    const m = size / c;
    const xd = x.data;
    const gd = dy.data;
    const dx = (this.dx = reuse(this.dx, x.shape));
    const d = dx.data;
    const g = this.gamma.value;
    // Σ dy and Σ dy·x̂ per channel give dβ, dγ and, in training, the terms from the batch statistics.
    const { sumDy, sumDyXhat } = this;
    sumDy.fill(0);
    sumDyXhat.fill(0);
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) {
        const gy = gd[o + j]!;
        sumDy[j] += gy;
        sumDyXhat[j] += gy * (xd[o + j]! - mean[j]!) * invStd[j]!;
      }
    }
    for (let j = 0; j < c; j++) {
      this.beta.grad[j] += sumDy[j]!;
      this.gamma.grad[j] += sumDyXhat[j]!;
    }
    if (!this.training) {
      for (let o = 0; o < size; o += c) for (let j = 0; j < c; j++) d[o + j] = gd[o + j]! * g[j]! * invStd[j]!;
      return dx;
    }
    for (let o = 0; o < size; o += c) {
      for (let j = 0; j < c; j++) {
        const xhat = (xd[o + j]! - mean[j]!) * invStd[j]!;
        d[o + j] = (g[j]! * invStd[j]! / m) * (m * gd[o + j]! - sumDy[j]! - xhat * sumDyXhat[j]!);
      }
    }
    return dx;
  }
}
