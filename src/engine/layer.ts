// What every layer file in layers/ implements, and what optimizers and weights see of it.
import type { ActivationName } from '../model/types';
import type { Tensor } from './tensor';

/** A learned or tracked tensor of a layer. Optimizers update `value` from `grad` when `trainable`. */
export interface Param {
  /** Stable name used in safetensors files, e.g. "conv2d_0.kernel". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Float32Array;
  /** Accumulated by backward(); zeroed by the training loop before each step. Empty when not trainable. */
  readonly grad: Float32Array;
  readonly trainable: boolean;
}

export interface EngineLayer {
  readonly name: string;
  /** x has shape [N, ...inputShape]; returns [N, ...outputShape]. Keeps what backward needs.
   *  The returned tensor is a layer-owned buffer, overwritten by the next forward() of the same batch size. */
  forward(x: Tensor, training: boolean): Tensor;
  /** Takes dLoss/dOutput of the last forward; accumulates parameter gradients; returns dLoss/dInput. */
  backward(dy: Tensor): Tensor;
  readonly params: readonly Param[];
  /** The activation that produces this layer's output, when it ends in one (activation field or activation layer).
   *  Lets the network fuse softmax/sigmoid with cross-entropy. */
  readonly activation?: ActivationName;
  /** The input of that activation in the last forward (logits). */
  preActivation?(): Tensor;
  /** backward() given dLoss/d(pre-activation): the activation's own derivative is skipped. */
  backwardPreActivation?(dz: Tensor): Tensor;
  /** When false, backward() only accumulates parameter gradients and returns an unspecified tensor:
   *  the network sets it on its first layer while training, where dLoss/dImage is never used. */
  inputGradient?: boolean;
}

export function createParam(name: string, shape: readonly number[], trainable: boolean): Param {
  let size = 1;
  for (const d of shape) size *= d;
  return { name, shape: [...shape], value: new Float32Array(size), grad: new Float32Array(trainable ? size : 0), trainable };
}
