// Fully connected layer: y = x · kernel + bias with kernel [in, out] as Keras. Applies to the last axis.
import type { LayerInfo } from '../../model/analysis';
import type { ActivationName } from '../../model/types';
import { Activation } from '../activations';
import { glorotUniform } from '../init';
import { getKernels } from '../kernels';
import { createParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { reuse, sizeOf, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class Dense implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: Param;
  readonly bias?: Param;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly inF: number;
  private readonly outF: number;
  private readonly act: Activation;
  private x?: Tensor;
  private z?: Tensor;
  private dx?: Tensor;

  constructor(info: LayerInfo, rng: Rng) {
    const layer = layerOf(info, 'dense');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.inF = input[input.length - 1]!;
    this.outF = layer.units;
    this.activation = field('dense', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    this.kernel = createParam(`${info.name}.kernel`, [this.inF, this.outF], true);
    glorotUniform(this.kernel.value, this.kernel.shape, rng);
    if (field('dense', layer.useBias, 'useBias')) this.bias = createParam(`${info.name}.bias`, [this.outF], true);
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const rows = sizeOf(x.shape) / this.inF;
    const kr = getKernels();
    const z = (this.z = reuse(this.z, [n, ...this.outShape]));
    this.x = x;
    kr.gemm(false, false, rows, this.outF, this.inF, x.data, 0, this.kernel.value, 0, z.data, 0, false);
    if (this.bias) kr.addBias(z.data, this.bias.value, rows, this.outF);
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
    const rows = sizeOf(x.shape) / this.inF;
    const kr = getKernels();
    const dx = (this.dx = reuse(this.dx, x.shape));
    if (this.bias) kr.sumRows(dz.data, rows, this.outF, this.bias.grad);
    kr.gemm(true, false, this.inF, this.outF, rows, x.data, 0, dz.data, 0, this.kernel.grad, 0, true);
    kr.gemm(false, true, rows, this.inF, this.outF, dz.data, 0, this.kernel.value, 0, dx.data, 0, false);
    return dx;
  }
}
