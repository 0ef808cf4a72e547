// Measures training health on the steps it is asked to: every buffer is made once, when the monitor is built, so a
// measured step allocates nothing. The training loop calls, for a measured step: attach() before the forward pass
// (the network then hands each layer's output to observe), afterBackward() before the optimizer step (gradient
// norms, and a copy of the weights), afterStep() after it (the update's norm); endEpoch() sums the epoch up.
import type { Network } from '../network';
import type { Param } from '../layer';
import type { Tensor } from '../tensor';
import { countDead, countSaturated, markFired, sumOfSquaredDifferences, sumOfSquares } from './stats';
import type { LayerHealth, WatchedActivation } from '../../model/health';
import { HEALTH_LIMITS } from './limits';

interface ParamSlot {
  readonly index: number;
  readonly name: string;
  readonly params: readonly Param[];
  /** The weights before the optimizer step, one per param. */
  readonly before: readonly Float32Array[];
  /** Has a kernel (conv, depthwise, separable, dense), not only γ and β: counts for vanishing gradients. */
  readonly weights: boolean;
  gradSum: number;
  ratioSum: number;
}

interface ActivationSlot {
  readonly index: number;
  readonly name: string;
  readonly activation: WatchedActivation;
  /** Made on the first observed output (units = its last axis), then reused for the whole run. */
  fired?: Uint8Array;
  readonly output: boolean;
  saturated: number;
  values: number;
}

const WATCHED: ReadonlySet<string> = new Set<WatchedActivation>(['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh']);
const isWatched = (a: string | undefined): a is WatchedActivation => a !== undefined && WATCHED.has(a);

/** Whether step b (0-based) of an epoch of `steps` is measured: `perEpoch` steps spread evenly, each the last of
 *  its share of the epoch (so the first step, before any update, is measured only in epochs of few steps). */
export function isMeasuredStep(b: number, steps: number, perEpoch: number): boolean {
  if (steps <= perEpoch) return true;
  return Math.floor(((b + 1) * perEpoch) / steps) > Math.floor((b * perEpoch) / steps);
}

export interface MeasuredEpoch {
  readonly steps: number;
  readonly samples: number;
  readonly gradNorm: number;
  readonly maxGradNorm: number;
  readonly layers: readonly LayerHealth[];
}

export class HealthMonitor {
  readonly stepsPerEpoch: number;
  /** The total gradient norm of the first step measured in this run (the yardstick for exploding gradients). */
  firstGradNorm: number | undefined;
  private readonly paramSlots: readonly ParamSlot[];
  private readonly activationSlots: readonly ActivationSlot[];
  /** Per layer index: its activation slot, or −1. */
  private readonly slotOf: Int32Array;
  private steps = 0;
  private samples = 0;
  private totalSum = 0;
  private totalMax = 0;

  constructor(
    private readonly network: Network,
    stepsPerEpoch: number = HEALTH_LIMITS.stepsPerEpoch,
  ) {
    this.stepsPerEpoch = Math.max(1, Math.floor(stepsPerEpoch));
    const last = network.layers.length - 1;
    this.paramSlots = network.layers.flatMap((l, index) => {
      const params = l.params.filter((p) => p.trainable);
      if (params.length === 0) return [];
      const weights = params.some((p) => /[kK]ernel$/.test(p.name));
      return [{ index, name: l.name, params, before: params.map((p) => new Float32Array(p.value.length)), weights, gradSum: 0, ratioSum: 0 }];
    });
    this.slotOf = new Int32Array(network.layers.length).fill(-1);
    const slots: ActivationSlot[] = [];
    network.layers.forEach((l, index) => {
      if (!isWatched(l.activation)) return;
      this.slotOf[index] = slots.length;
      slots.push({ index, name: l.name, activation: l.activation, output: index === last, saturated: 0, values: 0 });
    });
    this.activationSlots = slots;
  }

  measures(step: number, steps: number): boolean {
    return isMeasuredStep(step, steps, this.stepsPerEpoch);
  }

  /** Before the measured step's forward pass. */
  attach(): void {
    this.network.observer = this.observe;
  }

  /** After the forward pass, also when it threw. */
  detach(): void {
    this.network.observer = undefined;
  }

  /** Bound once: the network calls it with every layer's output during a measured forward pass. */
  private readonly observe = (layer: number, output: Tensor): void => {
    const s = this.slotOf[layer];
    if (s < 0) return;
    const slot = this.activationSlots[s];
    // Units: channels of a spatial output, neurons of a flat one (the last axis either way).
    slot.fired ??= new Uint8Array(output.shape[output.shape.length - 1] ?? 1);
    markFired(output.data, slot.fired.length, slot.fired);
    slot.saturated += countSaturated(output.data, slot.activation);
    slot.values += output.data.length;
  };

  /** After backward, before the optimizer step: gradient norms, and the weights as they are before the step. */
  afterBackward(samples: number): void {
    let total = 0;
    for (const slot of this.paramSlots) {
      let s = 0;
      for (let k = 0; k < slot.params.length; k++) {
        const p = slot.params[k];
        s += sumOfSquares(p.grad);
        slot.before[k].set(p.value);
      }
      slot.gradSum += Math.sqrt(s);
      total += s;
    }
    const norm = Math.sqrt(total);
    this.firstGradNorm ??= norm;
    this.totalSum += norm;
    // NaN must win over any number (Math.max would also give NaN, but say it).
    this.totalMax = Number.isNaN(norm) || Number.isNaN(this.totalMax) ? Number.NaN : Math.max(this.totalMax, norm);
    this.steps++;
    this.samples += samples;
  }

  /** After the optimizer step: ‖Δθ‖ / ‖θ‖ per layer. */
  afterStep(): void {
    for (const slot of this.paramSlots) {
      let du = 0;
      let w = 0;
      for (let k = 0; k < slot.params.length; k++) {
        du += sumOfSquaredDifferences(slot.params[k].value, slot.before[k]);
        w += sumOfSquares(slot.before[k]);
      }
      slot.ratioSum += w > 0 ? Math.sqrt(du / w) : du > 0 ? Number.POSITIVE_INFINITY : 0;
    }
  }

  /** The epoch's figures (means over its measured steps), then a fresh start for the next epoch. */
  endEpoch(): MeasuredEpoch {
    const n = Math.max(1, this.steps);
    const byIndex = new Map<number, LayerHealth>();
    for (const p of this.paramSlots) byIndex.set(p.index, { layer: p.name, index: p.index, gradNorm: p.gradSum / n, updateRatio: p.ratioSum / n });
    for (const a of this.activationSlots) {
      if (!a.fired) continue;
      const units = a.fired.length;
      const fraction = a.activation === 'sigmoid' || a.activation === 'tanh' ? { saturated: a.saturated / Math.max(1, a.values) } : { dead: countDead(a.fired) / units };
      const base = byIndex.get(a.index) ?? { layer: a.name, index: a.index };
      byIndex.set(a.index, { ...base, activation: a.activation, units, ...fraction, ...(a.output ? { output: true } : {}) });
    }
    const layers = [...byIndex.values()].sort((x, y) => x.index - y.index);
    const result: MeasuredEpoch = { steps: this.steps, samples: this.samples, gradNorm: this.totalSum / n, maxGradNorm: this.totalMax, layers };
    this.reset();
    return result;
  }

  /** Whether a layer counts as a weight layer (its gradient norm is compared for vanishing gradients). */
  isWeightLayer(index: number): boolean {
    return this.paramSlots.some((p) => p.index === index && p.weights);
  }

  private reset(): void {
    for (const p of this.paramSlots) p.gradSum = p.ratioSum = 0;
    for (const a of this.activationSlots) {
      a.fired?.fill(0);
      a.saturated = a.values = 0;
    }
    this.steps = this.samples = this.totalSum = this.totalMax = 0;
  }
}
