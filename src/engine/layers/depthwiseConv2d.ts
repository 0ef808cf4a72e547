// Depthwise 2-D convolution: kernel [kh, kw, inC, depthMultiplier] as Keras; output channel c·mult + m.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
import { Activation } from '../activations';
import { getKernels } from '../kernels';
import type { Arena } from '../arena';
import { createParams, gradOf, LayerMemory, type ArenaParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, foldedEpilogue, lastForward, layerOf, shapes, windowOf } from './common';

export class DepthwiseConv2d implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: ArenaParam;
  readonly bias?: ArenaParam;
  readonly memory: LayerMemory;
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly c: number;
  private readonly mult: number;
  private readonly act: Activation;
  private readonly linear: boolean;
  private readonly outShape: readonly number[];
  private x?: Tensor;
  private z?: Tensor;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'depthwiseConv2d');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.g = windowOf(info);
    this.c = this.inShape[2]!;
    this.mult = field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
    this.activation = field('depthwiseConv2d', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    this.linear = this.activation === 'linear';
    this.outShape = shapes(info).output;
    const params = createParams(info, rng, arena);
    this.kernel = params.get('kernel');
    this.bias = params.optional('bias');
    this.params = params.list;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const kr = getKernels();
    const mem = this.memory;
    mem.ensure(n);
    const z = (this.z = mem.buf(this.linear ? 'y' : 'z').tensor(n, this.outShape));
    this.x = x;
    kr.depthwiseForward(x.data, this.kernel.value, z.data, n, this.g, this.c, this.mult);
    return this.act.forward(z, this.linear ? undefined : mem.buf('y'), this.bias?.value);
  }

  /** Inference with a batch norm folded in (engine/fold.ts): see Conv2d.forwardFolded. */
  forwardFolded(x: Tensor, kernel: Float32Array, bias: Float32Array | undefined, act: ActivationName, alpha: number): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    this.x = undefined;
    // The bias and activation applied by the kernel as it stores its outputs (softmax, a whole-row activation, after).
    if (act === 'softmax') {
      getKernels().depthwiseForward(x.data, kernel, y.data, n, this.g, this.c, this.mult);
      foldedEpilogue(y, bias, act, alpha, n * this.g.outH * this.g.outW, this.c * this.mult);
    } else getKernels().depthwiseForward(x.data, kernel, y.data, n, this.g, this.c, this.mult, { act, bias, alpha });
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
    if (this.bias?.trainable) getKernels().sumRows(dz.data, dz.shape[0]! * this.g.outH * this.g.outW, this.c * this.mult, this.bias.grad);
    return this.weightsBackward(dz);
  }

  /** dKernel and dx from dLoss/d(pre-activation); the bias gradient is done by the caller. */
  private weightsBackward(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const n = x.shape[0]!;
    const kr = getKernels();
    const dx = this.memory.buf('dx').tensor(n, this.inShape);
    if (this.kernel.trainable) kr.depthwiseBackward(x.data, this.kernel.value, dz.data, dx.data, this.kernel.grad, n, this.g, this.c, this.mult);
    else kr.depthwiseInputBackward(this.kernel.value, dz.data, dx.data, n, this.g, this.c, this.mult);
    return dx;
  }
}
