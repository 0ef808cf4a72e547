// Depthwise 2-D convolution: kernel [kh, kw, inC, depthMultiplier] as Keras; output channel c·mult + m.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
import { Activation } from '../activations';
import { glorotUniform } from '../init';
import { getKernels } from '../kernels';
import { createParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { reuse, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

export class DepthwiseConv2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: Param;
  readonly bias?: Param;
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly c: number;
  private readonly mult: number;
  private readonly act: Activation;
  private x?: Tensor;
  private z?: Tensor;
  private dx?: Tensor;

  constructor(info: LayerInfo, rng: Rng) {
    const layer = layerOf(info, 'depthwiseConv2d');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.g = windowOf(info);
    this.c = this.inShape[2]!;
    this.mult = field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
    this.activation = field('depthwiseConv2d', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    const shape = [this.g.kh, this.g.kw, this.c, this.mult];
    this.kernel = createParam(`${info.name}.kernel`, shape, true);
    glorotUniform(this.kernel.value, shape, rng);
    if (field('depthwiseConv2d', layer.useBias, 'useBias')) this.bias = createParam(`${info.name}.bias`, [this.c * this.mult], true);
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const kr = getKernels();
    const oc = this.c * this.mult;
    const z = (this.z = reuse(this.z, [n, this.g.outH, this.g.outW, oc]));
    this.x = x;
    kr.depthwiseForward(x.data, this.kernel.value, z.data, n, this.g, this.c, this.mult);
    if (this.bias) kr.addBias(z.data, this.bias.value, n * this.g.outH * this.g.outW, oc);
    return this.act.forward(z);
  }

  backward(dy: Tensor): Tensor {
    return this.backwardPreActivation(this.act.backward(dy));
  }

  preActivation(): Tensor {
    return lastForward(this.z, this.name);
  }

  backwardPreActivation(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const n = x.shape[0]!;
    const kr = getKernels();
    const dx = (this.dx = reuse(this.dx, x.shape));
    if (this.bias) kr.sumRows(dz.data, n * this.g.outH * this.g.outW, this.c * this.mult, this.bias.grad);
    kr.depthwiseBackward(x.data, this.kernel.value, dz.data, dx.data, this.kernel.grad, n, this.g, this.c, this.mult);
    return dx;
  }
}
