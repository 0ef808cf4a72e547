// Fully connected layer: y = x · kernel + bias with kernel [in, out] as Keras. Applies to the last axis.
import type { LayerInfo } from '../../model/analysis';
import type { ActivationName } from '../../model/types';
import { Activation } from '../activations';
import { getKernels } from '../kernels';
import type { Arena } from '../arena';
import { createParams, gradOf, LayerMemory, type ArenaParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { sizeOf, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, foldedEpilogue, lastForward, layerOf, shapes } from './common';

export class Dense implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: ArenaParam;
  readonly bias?: ArenaParam;
  readonly memory: LayerMemory;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly inF: number;
  private readonly outF: number;
  private readonly act: Activation;
  private readonly linear: boolean;
  private x?: Tensor;
  private z?: Tensor;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'dense');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.outShape = output;
    this.inF = input[input.length - 1]!;
    this.outF = layer.units;
    this.activation = field('dense', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    this.linear = this.activation === 'linear';
    const params = createParams(info, rng, arena);
    this.kernel = params.get('kernel');
    this.bias = params.optional('bias');
    this.params = params.list;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const rows = sizeOf(x.shape) / this.inF;
    const kr = getKernels();
    const mem = this.memory;
    mem.ensure(n);
    const z = (this.z = mem.buf(this.linear ? 'y' : 'z').tensor(n, this.outShape));
    this.x = x;
    kr.gemm(false, false, rows, this.outF, this.inF, x.data, 0, this.kernel.value, 0, z.data, 0, false);
    return this.act.forward(z, this.linear ? undefined : mem.buf('y'), this.bias?.value);
  }

  /** Inference with a batch norm folded in (engine/fold.ts): see Conv2d.forwardFolded. */
  forwardFolded(x: Tensor, kernel: Float32Array, bias: Float32Array | undefined, act: ActivationName, alpha: number): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    const rows = sizeOf(x.shape) / this.inF;
    const y = this.memory.buf('y').tensor(n, this.outShape);
    this.x = undefined;
    getKernels().gemm(false, false, rows, this.outF, this.inF, x.data, 0, kernel, 0, y.data, 0, false);
    foldedEpilogue(y, bias, act, alpha, rows, this.outF);
    return y;
  }

  backward(dy: Tensor): Tensor {
    // The bias gradient is summed in the activation's backward pass (one pass over dz).
    return this.weightsBackward(this.act.backward(dy, this.linear ? undefined : this.memory.buf('dz'), gradOf(this.bias)));
  }

  preActivation(): Tensor {
    return lastForward(this.z, this.name);
  }

  backwardPreActivation(dz: Tensor): Tensor {
    if (this.bias?.trainable) getKernels().sumRows(dz.data, sizeOf(dz.shape) / this.outF, this.outF, this.bias.grad);
    return this.weightsBackward(dz);
  }

  /** dKernel and dx from dLoss/d(pre-activation); the bias gradient is done by the caller. */
  private weightsBackward(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const rows = sizeOf(x.shape) / this.inF;
    const kr = getKernels();
    const dx = this.memory.buf('dx').tensor(x.shape[0]!, this.inShape);
    if (this.kernel.trainable) kr.gemm(true, false, this.inF, this.outF, rows, x.data, 0, dz.data, 0, this.kernel.grad, 0, true);
    kr.gemm(false, true, rows, this.inF, this.outF, dz.data, 0, this.kernel.value, 0, dx.data, 0, false);
    return dx;
  }
}
