// Dropout with a seeded mask and inverted scaling: kept inputs are multiplied by 1 / (1 − rate) in training,
// so inference is the identity.
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { sizeOf, type Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

export class Dropout implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly trainingDiffers = true;
  readonly rate: number;
  private readonly inShape: readonly number[];
  readonly memory: LayerMemory;
  private readonly rng: Rng;
  /** Values in the 'mask' buffer (per element: 0, dropped, or the scale 1 / (1 − rate)); 0 before any. */
  private maskSize = 0;
  private active = false;
  private frozen = false;
  private n?: number;

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'dropout');
    this.name = info.name;
    this.inShape = shapes(info).input;
    this.rate = layer.rate;
    this.rng = rng;
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.n = batchOf(x, this.inShape, this.name);
    this.active = training && this.rate > 0;
    if (!this.active) return x;
    const size = sizeOf(x.shape);
    if (this.frozen && this.maskSize !== size) throw new Error(`${this.name}: the frozen dropout mask has ${this.maskSize} values, the input ${size}`);
    this.memory.ensure(this.n);
    this.maskSize = size;
    const y = this.memory.buf('y').tensor(this.n, this.inShape);
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = this.memory.buf('mask').view();
    const rng = this.rng;
    // The mask comes from the seeded generator (same seed, same masks); the product is a kernel.
    if (!this.frozen) getKernels().dropoutMask(mask, size, keep, scale, rng);
    getKernels().multiply(x.data, mask, y.data, size);
    return y;
  }

  backward(dy: Tensor): Tensor {
    lastForward(this.n, this.name);
    if (this.rate <= 0) return dy;
    this.memory.ensure(this.n!);
    const dx = this.memory.buf('dx').tensor(this.n!, this.inShape);
    // After an inference-behaviour forward (Network.gradients) the identity's gradient still goes into the
    // planned dx: the plan lets dy's memory be reused before the layer below reads it.
    if (!this.active) {
      dx.data.set(dy.data.subarray(0, dx.data.length));
      return dx;
    }
    getKernels().multiply(dy.data, this.memory.buf('mask').view(), dx.data, dx.data.length);
    return dx;
  }

  /** Which inputs the last forward kept (1) or dropped (0); undefined when it ran as the identity (inference, rate 0).
   *  Lets tests apply the very same mask to a reference implementation. */
  keptMask(): Uint8Array | undefined {
    return this.active ? Uint8Array.from(this.memory.buf('mask').view().subarray(0, this.maskSize), (m) => (m !== 0 ? 1 : 0)) : undefined;
  }

  /** While frozen, training forwards reuse the last mask instead of drawing a new one: a finite-difference check
   *  needs the same function at every perturbed point. */
  freezeMask(frozen: boolean): void {
    this.frozen = frozen;
  }
}
