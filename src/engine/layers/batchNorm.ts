// Batch normalisation over the last axis. Training: batch mean and (biased) variance over all other axes, and
// moving = momentum·moving + (1 − momentum)·batch, as Keras. Inference: the moving statistics. A frozen batch norm
// (trainable: false) runs as in inference in training too, its statistics unchanged (Keras' rule since TF 2.0).
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import { createParams, LayerMemory, type ArenaParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { sizeOf, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class BatchNorm implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  /** A frozen batch norm trains as it infers. */
  readonly trainingDiffers: boolean;
  readonly gamma: ArenaParam;
  readonly beta: ArenaParam;
  readonly movingMean: ArenaParam;
  readonly movingVariance: ArenaParam;
  private readonly momentum: number;
  readonly epsilon: number;
  private readonly inShape: readonly number[];
  private readonly c: number;
  /** Float64 buffers: 'stats' holds the last forward's mean [0, c) and 1/√(var + ε) [c, 2c) per channel,
   *  'sums' backward's Σdy [0, c) and Σdy·x̂ [c, 2c). */
  readonly memory: LayerMemory;
  private training = false;
  private readonly frozen: boolean;
  private x?: Tensor;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'batchNorm');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.c = this.inShape[this.inShape.length - 1]!;
    this.momentum = field('batchNorm', layer.momentum, 'momentum');
    this.epsilon = field('batchNorm', layer.epsilon, 'epsilon');
    const params = createParams(info, rng, arena);
    this.gamma = params.get('gamma');
    this.beta = params.get('beta');
    this.movingMean = params.get('movingMean');
    this.movingVariance = params.get('movingVariance');
    this.params = params.list;
    this.frozen = !this.gamma.trainable;
    this.trainingDiffers = !this.frozen;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    this.x = x;
    this.training = training && !this.frozen;
    const y = this.memory.buf('y').tensor(n, this.inShape);
    getKernels().batchNormForward(
      x.data, y.data, this.memory.buf('stats').f64(), this.gamma.value, this.beta.value,
      this.movingMean.value, this.movingVariance.value, sizeOf(x.shape), this.c, this.training, this.momentum, this.epsilon,
    );
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    if (this.frozen) {
      getKernels().batchNormInputBackward(dy.data, dx.data, this.memory.buf('stats').f64(), this.gamma.value, sizeOf(x.shape), this.c);
      return dx;
    }
    getKernels().batchNormBackward(
      x.data, dy.data, dx.data, this.memory.buf('stats').f64(), this.memory.buf('sums').f64(),
      this.gamma.value, this.gamma.grad, this.beta.grad, sizeOf(x.shape), this.c, this.training,
    );
    return dx;
  }
}
