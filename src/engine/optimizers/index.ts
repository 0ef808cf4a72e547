// createOptimizer: turns an OptimizerConfig into a stateful optimizer over a network's params.
// Shared by every rule: global-norm clipping, L2 weight decay (added to the gradient, except for
// AdamW whose decay is decoupled), each param's learning-rate multiplier (its layer's learningRateMultiplier: the
// rule sees lr × multiplier, as PyTorch's param groups), the step counter and exportable state for --resume.
import { assertNever } from '../../model/assertNever';
import { OPTIMIZER_DEFAULTS } from '../../model/defaults';
import type { OptimizerConfig, OptimizerType, ScheduleConfig } from '../../model/types';
import { allocBuf, Buf, HeapArena, type Arena } from '../arena';
import { getKernels } from '../kernels';
import { arenaOf, type Param } from '../layer';
import { adamRule } from './adam';
import { rmspropRule } from './rmsprop';
import type { UpdateRule } from './rule';
import { sgdRule } from './sgd';

export { learningRateAt } from './schedules';

/** Keras' defaults, so a model file means what its Keras twin means: read from the spec table (model/defaults). */
export { OPTIMIZER_DEFAULTS };

/** Everything needed to continue training exactly where it stopped. */
export interface OptimizerState {
  readonly type: OptimizerType;
  /** Updates applied so far. */
  readonly step: number;
  /** One buffer per (param, slot), keyed "<param name>.<slot>", e.g. "dense_3.kernel.m". */
  readonly slots: Readonly<Record<string, Float32Array>>;
}

export interface Optimizer {
  readonly type: OptimizerType;
  /** The configured rate; schedules scale from it. */
  readonly baseLearningRate: number;
  readonly schedule?: ScheduleConfig;
  /** The rate the next step() uses (a param's at this × its learningRateMultiplier); the training loop sets it each
   *  epoch from the schedule. */
  learningRate: number;
  readonly stepCount: number;
  /** Applies the accumulated gradients of every trainable param; returns the global gradient norm before clipping. */
  step(): number;
  exportState(): OptimizerState;
  /** Throws, naming the first mismatch, when the state belongs to another optimizer or model. */
  importState(state: OptimizerState): void;
}

function ruleFor(config: OptimizerConfig): UpdateRule {
  switch (config.type) {
    case 'sgd':
      return sgdRule({
        momentum: config.momentum ?? OPTIMIZER_DEFAULTS.sgd.momentum,
        nesterov: config.nesterov ?? OPTIMIZER_DEFAULTS.sgd.nesterov,
      });
    case 'adam':
    case 'adamw': {
      const d = OPTIMIZER_DEFAULTS[config.type];
      return adamRule({
        beta1: config.beta1 ?? d.beta1,
        beta2: config.beta2 ?? d.beta2,
        epsilon: config.epsilon ?? d.epsilon,
        decoupledWeightDecay: config.type === 'adamw' ? (config.weightDecay ?? d.weightDecay) : 0,
      });
    }
    case 'rmsprop':
      return rmspropRule({
        rho: config.rho ?? OPTIMIZER_DEFAULTS.rmsprop.rho,
        momentum: config.momentum ?? OPTIMIZER_DEFAULTS.rmsprop.momentum,
        epsilon: config.epsilon ?? OPTIMIZER_DEFAULTS.rmsprop.epsilon,
      });
    default:
      return assertNever(config, 'optimizer');
  }
}

/** Without a config: Adam with Keras' defaults. */
export function createOptimizer(config: OptimizerConfig | undefined, params: readonly Param[]): Optimizer {
  const cfg: OptimizerConfig = config ?? { type: 'adam' };
  const rule = ruleFor(cfg);
  const trainable = params.filter((p) => p.trainable);
  const l2 = cfg.type === 'adamw' ? 0 : (cfg.weightDecay ?? OPTIMIZER_DEFAULTS[cfg.type].weightDecay);
  const clipNorm = cfg.clipNorm;
  // Slots live in their param's arena (the network's), so later kernels can update them in place; params built by
  // hand (tests) share one heap arena. Views are fetched per step from the Bufs (cached until the memory grows).
  let heap: Arena | undefined;
  const arenaFor = (p: Param): Arena => arenaOf(p) ?? (heap ??= new HeapArena());
  const slotBufs = trainable.map((p) => rule.slots.map(() => zeroed(allocBuf(arenaFor(p), p.value.length))));
  // One scratch gradient, reused: the rule must not see (or change) the raw grad buffers' scaling.
  const scratchArena = trainable[0] ? arenaFor(trainable[0]) : new HeapArena();
  const scratch = allocBuf(scratchArena, trainable.reduce((m, p) => Math.max(m, p.value.length), 0));
  const scratchOf = trainable.map((p) => new Buf(scratchArena, scratch.offset, p.value.length));
  const slotViews: Float32Array[][] = slotBufs.map((bufs) => bufs.map(() => new Float32Array(0)));
  const views = (k: number): Float32Array[] => {
    const out = slotViews[k]!;
    const bufs = slotBufs[k]!;
    for (let j = 0; j < bufs.length; j++) out[j] = bufs[j]!.view();
    return out;
  };
  // Read once: step() allocates nothing. lr × 1 is lr exactly, so the default changes no bit of any update. (A plain
  // array: the memory estimate counts the engine's typed arrays, and this is one number per parameter tensor.)
  const multipliers = trainable.map((p) => p.learningRateMultiplier ?? 1);
  const baseLearningRate = cfg.learningRate ?? OPTIMIZER_DEFAULTS[cfg.type].learningRate;
  let stepCount = 0;

  const slotKey = (p: Param, slot: string): string => `${p.name}.${slot}`;

  const optimizer: Optimizer = {
    type: cfg.type,
    baseLearningRate,
    schedule: cfg.schedule,
    learningRate: baseLearningRate,
    get stepCount() {
      return stepCount;
    },
    step() {
      const kr = getKernels();
      let sumSq = 0;
      for (const p of trainable) sumSq = kr.sumSquares(p.grad, sumSq);
      const norm = Math.sqrt(sumSq);
      // As torch.nn.utils.clip_grad_norm_ / Keras global_clipnorm: scale all grads by clip / norm when above.
      const scale = clipNorm !== undefined && norm > clipNorm ? clipNorm / norm : 1;
      stepCount++;
      for (let k = 0; k < trainable.length; k++) {
        const p = trainable[k];
        kr.applyUpdate(rule, p.value, p.grad, scratchOf[k].view(), views(k), scale, l2, stepCount, optimizer.learningRate * multipliers[k]!);
      }
      return norm;
    },
    exportState() {
      const out: Record<string, Float32Array> = {};
      trainable.forEach((p, k) => rule.slots.forEach((s, j) => (out[slotKey(p, s)] = slotBufs[k][j].view().slice())));
      return { type: cfg.type, step: stepCount, slots: out };
    },
    importState(state) {
      if (state.type !== cfg.type) {
        throw new Error(`optimizer state is for "${state.type}" but the model now uses "${cfg.type}"`);
      }
      trainable.forEach((p) =>
        rule.slots.forEach((s) => {
          const src = state.slots[slotKey(p, s)];
          if (!src) throw new Error(`optimizer state has no "${slotKey(p, s)}" (the model or optimizer settings changed)`);
          if (src.length !== p.value.length) {
            throw new Error(`optimizer state "${slotKey(p, s)}" has ${src.length} values, the parameter has ${p.value.length}`);
          }
        }),
      );
      trainable.forEach((p, k) => rule.slots.forEach((s, j) => slotBufs[k][j].view().set(state.slots[slotKey(p, s)])));
      stepCount = state.step;
    },
  };
  return optimizer;
}

/** Arena memory is unspecified; optimizer slots start at zero. */
function zeroed(b: Buf): Buf {
  b.view().fill(0);
  return b;
}
