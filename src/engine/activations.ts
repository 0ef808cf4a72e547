// Activations: the `Activation` helper used by the `activation` field of conv2d/depthwiseConv2d/dense, and the
// standalone activation layers (relu, relu6, leakyRelu, sigmoid, tanh, swish, hardSwish, hardSigmoid, gelu, softmax), which are the same helper alone.
import type { LayerInfo } from '../model/analysis';
import { defOf } from '../model/layers';
import { field, fusedActivationAlpha } from '../model/spec';
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
    readonly alpha = fusedActivationAlpha(name),
  ) {}

  /** Keeps z and y = act(z + bias) computed elsewhere (a fused kernel, e.g. convForward's epilogue) for backward. */
  adopt(z: Tensor, y: Tensor): Tensor {
    this.z = z;
    return (this.y = y);
  }

  /** Adds `bias` (per last-axis entry) to z in place when given, then writes act(z) into `out` and returns it; for
   *  'linear', z itself (no copy, `out` unused). Keeps z and the output for backward. One fused kernel. */
  forward(z: Tensor, out: Buf | undefined, bias?: Float32Array): Tensor {
    this.z = z;
    const cols = lastDim(z);
    const rows = sizeOf(z.shape) / cols;
    if (this.name === 'linear' || !out) {
      if (bias) getKernels().addBias(z.data, bias, rows, cols);
      return (this.y = z);
    }
    const y = (this.y = out.tensor(z.shape[0]!, z.shape.slice(1)));
    getKernels().biasActivationForward(this.name, z.data, bias, y.data, rows, cols, this.alpha);
    return y;
  }

  /** dLoss/dz into `out` from dy (for 'linear', dy itself); when `biasGrad` is given, also adds dz's sum over
   *  every axis but the last to it, in the same pass. */
  backward(dy: Tensor, out: Buf | undefined, biasGrad?: Float32Array): Tensor {
    const z = this.lastInput();
    const cols = lastDim(z);
    const rows = sizeOf(z.shape) / cols;
    if (this.name === 'linear' || !out) {
      if (biasGrad) getKernels().sumRows(dy.data, rows, cols, biasGrad);
      return dy;
    }
    const dz = out.tensor(z.shape[0]!, z.shape.slice(1));
    getKernels().biasActivationBackward(this.name, z.data, this.y!.data, dy.data, dz.data, rows, cols, this.alpha, biasGrad);
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

/** relu / relu6 / leakyRelu / sigmoid / tanh / swish / softmax as a layer of their own. */
export class ActivationLayer implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly activation: ActivationName;
  readonly memory: LayerMemory;
  private readonly act: Activation;

  constructor(info: LayerInfo, arena: Arena) {
    const layer = info.layer;
    // An activation layer's activation is its own type (its definition says so).
    const def = defOf(layer);
    const name = def.kind === 'activation' ? def.activation?.(layer) : undefined;
    if (!name) throw new Error(`ActivationLayer cannot run a '${layer.type}' layer`);
    // The slope fields of leakyRelu and hardSigmoid.
    const alpha =
      layer.type === 'leakyRelu' ? field('leakyRelu', layer.alpha, 'alpha')
      : layer.type === 'hardSigmoid' ? field('hardSigmoid', layer.alpha, 'alpha')
      : fusedActivationAlpha(name);
    this.name = info.name;
    this.activation = name;
    this.act = new Activation(name, alpha);
    this.memory = new LayerMemory(info, arena);
  }

  /** The slope of leakyRelu / hardSigmoid (the kernels' fused default otherwise). */
  get alpha(): number {
    return this.act.alpha;
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
