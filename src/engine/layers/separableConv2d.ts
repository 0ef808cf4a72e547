// Separable 2-D convolution, as Keras SeparableConv2D: a depthwise convolution (kernel [kh, kw, inC,
// depthMultiplier], no bias) into `mid`, then a pointwise 1×1 convolution (kernel [1, 1, inC·depthMultiplier,
// filters]) as one GEMM over the batch, then bias and activation once. `mid` is kept for the pointwise kernel's
// gradient; `dmid` (the depthwise output's gradient) is backward scratch.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { field } from '../../model/spec';
import type { ActivationName, Shape } from '../../model/types';
import { Activation } from '../activations';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import { createParams, gradOf, LayerMemory, type ArenaParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

export class SeparableConv2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly depthwiseKernel: ArenaParam;
  readonly pointwiseKernel: ArenaParam;
  readonly bias?: ArenaParam;
  readonly memory: LayerMemory;
  private readonly g: Window2d;
  private readonly inShape: Shape;
  private readonly outShape: Shape;
  private readonly midShape: Shape;
  private readonly c: number;
  private readonly mult: number;
  /** Channels of the depthwise output, inC·depthMultiplier. */
  private readonly midC: number;
  private readonly filters: number;
  private readonly act: Activation;
  private readonly linear: boolean;
  private x?: Tensor;
  private z?: Tensor;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'separableConv2d');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.g = windowOf(info);
    this.c = input[2]!;
    this.mult = field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
    this.midC = this.c * this.mult;
    this.midShape = [this.g.outH, this.g.outW, this.midC];
    this.filters = layer.filters;
    this.activation = field('separableConv2d', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    this.linear = this.activation === 'linear';
    const params = createParams(info, rng, arena);
    this.depthwiseKernel = params.get('depthwiseKernel');
    this.pointwiseKernel = params.get('pointwiseKernel');
    this.bias = params.optional('bias');
    this.params = params.list;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const kr = getKernels();
    const mem = this.memory;
    mem.ensure(n);
    this.x = x;
    const mid = mem.buf('mid').tensor(n, this.midShape);
    kr.depthwiseForward(x.data, this.depthwiseKernel.value, mid.data, n, this.g, this.c, this.mult);
    const z = (this.z = mem.buf(this.linear ? 'y' : 'z').tensor(n, this.outShape));
    kr.gemm(false, false, n * this.g.outH * this.g.outW, this.filters, this.midC, mid.data, 0, this.pointwiseKernel.value, 0, z.data, 0, false);
    return this.act.forward(z, this.linear ? undefined : mem.buf('y'), this.bias?.value);
  }

  backward(dy: Tensor): Tensor {
    // The bias gradient is summed in the activation's backward pass (one pass over dz).
    return this.weightsBackward(this.act.backward(dy, this.linear ? undefined : this.memory.buf('dz'), gradOf(this.bias)));
  }

  preActivation(): Tensor {
    return lastForward(this.z, this.name);
  }

  backwardPreActivation(dz: Tensor): Tensor {
    if (this.bias?.trainable) getKernels().sumRows(dz.data, dz.shape[0]! * this.g.outH * this.g.outW, this.filters, this.bias.grad);
    return this.weightsBackward(dz);
  }

  /** Both kernels' gradients and dx from dLoss/d(pre-activation); the bias gradient is done by the caller. */
  private weightsBackward(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const n = x.shape[0]!;
    const kr = getKernels();
    const rows = n * this.g.outH * this.g.outW;
    const mid = this.memory.buf('mid').view();
    const dmid = this.memory.buf('dmid').view();
    // dPointwise[midC×filters] += midᵀ · dz;  dmid = dz · pointwiseᵀ
    if (this.pointwiseKernel.trainable) kr.gemm(true, false, this.midC, this.filters, rows, mid, 0, dz.data, 0, this.pointwiseKernel.grad, 0, true);
    kr.gemm(false, true, rows, this.midC, this.filters, dz.data, 0, this.pointwiseKernel.value, 0, dmid, 0, false);
    const dx = this.memory.buf('dx').tensor(n, this.inShape);
    if (this.depthwiseKernel.trainable) kr.depthwiseBackward(x.data, this.depthwiseKernel.value, dmid, dx.data, this.depthwiseKernel.grad, n, this.g, this.c, this.mult);
    else kr.depthwiseInputBackward(this.depthwiseKernel.value, dmid, dx.data, n, this.g, this.c, this.mult);
    return dx;
  }
}
