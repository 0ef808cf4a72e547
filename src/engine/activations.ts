// Activations: the `Activation` helper used by the `activation` field of conv2d/depthwiseConv2d/dense, and the
// standalone activation layers (relu, leakyRelu, sigmoid, tanh, softmax), which are the same helper alone.
import type { LayerInfo } from '../model/analysis';
import { LEAKY_RELU_ALPHA, fieldDefault } from '../model/spec';
import type { ActivationName } from '../model/types';
import { getKernels } from './kernels';
import type { EngineLayer, Param } from './layer';
import { reuse, sizeOf, type Tensor } from './tensor';

export class Activation {
  private z?: Tensor;
  private y?: Tensor;
  private dz?: Tensor;

  constructor(
    readonly name: ActivationName,
    readonly alpha = LEAKY_RELU_ALPHA,
  ) {}

  /** Returns act(z); for 'linear', z itself (no copy). Keeps z and the output for backward. */
  forward(z: Tensor): Tensor {
    this.z = z;
    if (this.name === 'linear') return (this.y = z);
    const y = (this.y = reuse(this.y, z.shape));
    getKernels().activationForward(this.name, z.data, y.data, sizeOf(z.shape), lastDim(z), this.alpha);
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (this.name === 'linear') return dy;
    const z = this.lastInput();
    const dz = (this.dz = reuse(this.dz, z.shape));
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
  private readonly act: Activation;

  constructor(info: LayerInfo) {
    const layer = info.layer;
    if (layer.type !== 'relu' && layer.type !== 'leakyRelu' && layer.type !== 'sigmoid' && layer.type !== 'tanh' && layer.type !== 'softmax') {
      throw new Error(`ActivationLayer cannot run a '${layer.type}' layer`);
    }
    const alpha = layer.type === 'leakyRelu' ? (layer.alpha ?? (fieldDefault('leakyRelu', 'alpha') as number)) : LEAKY_RELU_ALPHA;
    this.name = info.name;
    this.activation = layer.type;
    this.act = new Activation(layer.type, alpha);
  }

  forward(x: Tensor): Tensor {
    return this.act.forward(x);
  }

  backward(dy: Tensor): Tensor {
    return this.act.backward(dy);
  }

  preActivation(): Tensor {
    return this.act.lastInput();
  }

  backwardPreActivation(dz: Tensor): Tensor {
    return dz;
  }
}
