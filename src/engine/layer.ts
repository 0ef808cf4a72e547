// What every layer file in layers/ implements, and what optimizers and weights see of it.
import type { LayerInfo } from '../model/analysis';
import { paramDefs } from '../model/layers';
import type { BufferKey, ParamInit } from '../model/layers/def';
import { layerBuffers } from './plan/bufferPlan';
import { learningRateMultiplierOf, type ActivationName } from '../model/types';
import { allocBuf, Buf, type Arena } from './arena';
import { glorotUniform } from './init';
import { getKernels } from './kernels';
import type { Rng } from './rng';
import type { Tensor } from './tensor';

/** A learned or tracked tensor of a layer. Optimizers update `value` from `grad` when `trainable`. */
export interface Param {
  /** Stable name used in safetensors files, e.g. "conv2d_0.kernel". */
  readonly name: string;
  readonly shape: readonly number[];
  /** The values, a view of the engine's memory: read or write it at once, do not keep it across a larger batch
   *  (which may grow the memory and detach the view). */
  readonly value: Float32Array;
  /** Accumulated by backward(); zeroed by the training loop before each step. Empty when not trainable. */
  readonly grad: Float32Array;
  readonly trainable: boolean;
  /** The optimizer updates it at the learning rate × this (its layer's learningRateMultiplier); 1 when absent. */
  readonly learningRateMultiplier?: number;
}

/** A Param living in an arena: `value` and `grad` are views of its buffers, fetched afresh after a grow. */
export class ArenaParam implements Param {
  readonly shape: readonly number[];
  readonly valueBuf: Buf;
  readonly gradBuf: Buf;
  /** Bumped whenever `value` is handed out: every writer fetches the view (the memory may move), so a cache of
   *  something computed from the values (inference's folded batch norms, engine/fold.ts) is current while it has
   *  not changed. Readers bump it too, which only costs a recomputation. */
  private handedOut = 0;

  constructor(
    readonly name: string,
    shape: readonly number[],
    readonly trainable: boolean,
    readonly arena: Arena,
    readonly learningRateMultiplier = 1,
  ) {
    let size = 1;
    for (const d of shape) size *= d;
    this.shape = [...shape];
    this.valueBuf = allocBuf(arena, size);
    this.gradBuf = trainable ? allocBuf(arena, size) : new Buf(arena, 0, 0);
    // Arena contents are unspecified; a fresh param is zero as a Float32Array would be.
    this.valueBuf.view().fill(0);
    this.gradBuf.view().fill(0);
  }

  get value(): Float32Array {
    this.handedOut++;
    return this.valueBuf.view();
  }

  /** See handedOut: equal versions mean the values were not touched in between. */
  get version(): number {
    return this.handedOut;
  }

  get grad(): Float32Array {
    return this.gradBuf.view();
  }
}

/** A param's gradient to accumulate into, or undefined when it is not trained (a frozen layer's: no weight-gradient work). */
export function gradOf(p: Param | undefined): Float32Array | undefined {
  return p?.trainable ? p.grad : undefined;
}

/** The arena a param lives in, when it does (params built by hand, e.g. in tests, do not). */
export function arenaOf(p: Param): Arena | undefined {
  return p instanceof ArenaParam ? p.arena : undefined;
}

/**
 * A layer's buffers: the shared plan's when the layer is part of a network (bind), else its own, planned on its
 * first forward for that batch and again only for a larger one (a layer used alone, by tests and `cnn bench`).
 */
export class LayerMemory {
  private bufs = new Map<BufferKey, Buf>();
  private capacity = 0;
  private bound = false;
  private planStart = -1;
  private planEnd = -1;

  constructor(
    private readonly info: LayerInfo,
    readonly arena: Arena,
  ) {}

  /** The network's plan: these buffers serve batches up to `capacity`. */
  bind(bufs: Map<BufferKey, Buf>, capacity: number): void {
    this.bufs = bufs;
    this.capacity = capacity;
    this.bound = true;
  }

  /** Makes buffers for a batch of n ready (a network binds before forward; a standalone layer plans here). */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    if (this.bound) throw new Error(`layer ${this.info.name}: batch ${n} exceeds the network's plan (${this.capacity})`);
    const a = this.arena;
    // Re-plan in place when nothing was allocated above the old plan, else above everything.
    if (this.planEnd >= 0 && a.mark() === this.planEnd) a.release(this.planStart);
    this.planStart = a.mark();
    const bufs = new Map<BufferKey, Buf>();
    for (const b of layerBuffers(this.info, n).buffers) bufs.set(b.key, allocBuf(a, b.floats));
    this.bufs = bufs;
    this.planEnd = a.mark();
    this.capacity = n;
  }

  /** Whether the plan has this buffer (a conv layer's Winograd workspace marks that it runs by Winograd). */
  has(key: BufferKey): boolean {
    return this.bufs.has(key);
  }

  buf(key: BufferKey): Buf {
    const b = this.bufs.get(key);
    if (!b) throw new Error(`layer ${this.info.name}: no '${key}' buffer in the plan`);
    return b;
  }
}

export interface EngineLayer {
  readonly name: string;
  /** x has shape [N, ...inputShape]; returns [N, ...outputShape]. Keeps what backward needs.
   *  The returned tensor is a view of a layer buffer, overwritten by the next forward(). */
  forward(x: Tensor, training: boolean): Tensor;
  /** Takes dLoss/dOutput of the last forward; accumulates parameter gradients; returns dLoss/dInput (a layer
   *  buffer, or dy itself for pass-through layers). Where a value feeds several layers, the network sums their
   *  contributions (engine/network.ts). */
  backward(dy: Tensor): Tensor;
  /** Layers of several inputs (add, concatenate) have these instead of a meaningful forward/backward: forward over
   *  every input, in `inputs` order (a network calls it whenever it is there). */
  forwardInputs?(xs: readonly Tensor[], training: boolean): Tensor;
  /** dLoss/dInput for each input of the last forwardInputs, in order; an array owned by the layer, reused. */
  backwardInputs?(dy: Tensor): readonly Tensor[];
  readonly params: readonly Param[];
  /** Its buffers (planned by the network, or by the layer itself when used alone). */
  readonly memory: LayerMemory;
  /** The activation that produces this layer's output, when it ends in one (activation field or activation layer).
   *  Lets the network fuse softmax/sigmoid with cross-entropy. */
  readonly activation?: ActivationName;
  /** The input of that activation in the last forward (logits). */
  preActivation?(): Tensor;
  /** backward() given dLoss/d(pre-activation): the activation's own derivative is skipped. */
  backwardPreActivation?(dz: Tensor): Tensor;
  /** Its training forward computes another function than inference (batch norm's batch statistics, dropout's
   *  mask), not only keeps more for backward: explanations (Network.gradients) then run it as inference. */
  readonly trainingDiffers?: boolean;
  /** When false, backward() only accumulates parameter gradients and returns an unspecified tensor:
   *  the network sets it on its first layer while training, where dLoss/dImage is never used. */
  inputGradient?: boolean;
}

/** A param in `arena` (by default a new one of the current kernels' kind), zero-filled. */
export function createParam(
  name: string, shape: readonly number[], trainable: boolean, arena: Arena = getKernels().createArena(), learningRateMultiplier = 1,
): ArenaParam {
  return new ArenaParam(name, shape, trainable, arena, learningRateMultiplier);
}

/** How each ParamInit fills a fresh (zero-filled) param; glorotUniform draws from the layer's rng. */
const INITIALISERS: { readonly [I in ParamInit]: (value: Float32Array, shape: readonly number[], rng: Rng) => void } = {
  glorotUniform,
  zeros: () => {},
  ones: (value) => value.fill(1),
};

/** A layer's params, by the names its definition gives them ("kernel", not "conv2d_0.kernel"). */
export class LayerParams {
  constructor(
    /** In the definition's order: the order the seed initialises them and the network lists them. */
    readonly list: readonly ArenaParam[],
    private readonly byName: ReadonlyMap<string, ArenaParam>,
  ) {}

  /** A param the definition always lists (a kernel). */
  get(name: string): ArenaParam {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no param '${name}' among ${[...this.byName.keys()].join(', ') || 'none'}`);
    return p;
  }

  /** A param the definition may leave out (a bias with useBias: false). */
  optional(name: string): ArenaParam | undefined {
    return this.byName.get(name);
  }
}

/** The params the layer's registry definition lists (model/layers/<type>.ts: names, shapes, trainable, init),
 *  created in `arena` and initialised in the listed order from `rng`, with the layer's learningRateMultiplier. */
export function createParams(info: LayerInfo, rng: Rng, arena: Arena): LayerParams {
  const byName = new Map<string, ArenaParam>();
  const multiplier = learningRateMultiplierOf(info.layer);
  for (const d of paramDefs(info)) {
    const p = createParam(`${info.name}.${d.name}`, d.shape, d.trainable, arena, multiplier);
    INITIALISERS[d.init](p.value, p.shape, rng);
    byName.set(d.name, p);
  }
  return new LayerParams([...byName.values()], byName);
}
