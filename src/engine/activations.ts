// Activations: the `Activation` helper used by the `activation` field of conv2d/depthwiseConv2d/dense, and the
// standalone activation layers (relu, leakyRelu, sigmoid, tanh, softmax), which are the same helper alone.
import type { LayerInfo } from '../model/analysis';
import { LEAKY_RELU_ALPHA, fieldDefault } from '../model/spec';
import type { ActivationName } from '../model/types';
import { getKernels } from './kernels';
import type { Arena, Buf } from './arena';
import { LayerMemory, type EngineLayer, type Param } from './layer';
import { sizeOf, type Tensor } from './tensor';

export class Activation {
  private z?: Tensor;
  private y?: Tensor;

  constructor(
    readonly name: ActivationName,
    readonly alpha = LEAKY_RELU_ALPHA,
  ) {}

  /** Writes act(z) into `out` and returns it; for 'linear', z itself (no copy, `out` unused). Keeps z and the
   *  output for backward. */
  forward(z: Tensor, out: Buf | undefined): Tensor {
    this.z = z;
    if (this.name === 'linear' || !out) return (this.y = z);
    const y = (this.y = out.tensor(z.shape[0]!, z.shape.slice(1)));
    getKernels().activationForward(this.name, z.data, y.data, sizeOf(z.shape), lastDim(z), this.alpha);
    return y;
  }

  /** dLoss/dz into `out` from dy (for 'linear', dy itself). */
  backward(dy: Tensor, out: Buf | undefined): Tensor {
    if (this.name === 'linear' || !out) return dy;
    const z = this.lastInput();
    const dz = out.tensor(z.shape[0]!, z.shape.slice(1));
    getKernels().activationBackward(this.name, z.data, this.y!.data, dy.data, dz.data, sizeOf(z.shape), lastDim(z), this.alpha);
    return dz;
  }

  lastInput(): Tensor {
    if (!this.z) throw new Error('backward() called before forward()');
    return this.z;
  }
}

function lastDim(t: Tensor): number {
  return t.shape[t.shape.length - 1] ?? 1;
}

/** relu / leakyRelu / sigmoid / tanh / softmax as a layer of their own. */
export class ActivationLayer implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly activation: ActivationName;
  readonly memory: LayerMemory;
  private readonly act: Activation;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = info.layer;
    if (layer.type !== 'relu' && layer.type !== 'leakyRelu' && layer.type !== 'sigmoid' && layer.type !== 'tanh' && layer.type !== 'softmax') {
      throw new Error(`ActivationLayer cannot run a '${layer.type}' layer`);
    }
    const alpha = layer.type === 'leakyRelu' ? (layer.alpha ?? (fieldDefault('leakyRelu', 'alpha') as number)) : LEAKY_RELU_ALPHA;
    this.name = info.name;
    this.activation = layer.type;
    this.act = new Activation(layer.type, alpha);
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    this.memory.ensure(x.shape[0]!);
    return this.act.forward(x, this.memory.buf('y'));
  }

  backward(dy: Tensor): Tensor {
    return this.act.backward(dy, this.memory.buf('dx'));
  }

  preActivation(): Tensor {
    return this.act.lastInput();
  }

  backwardPreActivation(dz: Tensor): Tensor {
    return dz;
  }
}
