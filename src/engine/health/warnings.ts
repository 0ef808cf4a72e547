// The rules that turn an epoch's health figures (and the loss curves) into warnings naming the layer and the
// remedy. Each kind is raised once per layer and run: a warning that repeats every epoch stops being read.
import type { HealthWarning, LayerHealth } from '../../model/health';
import { HEALTH_LIMITS } from './limits';
import type { MeasuredEpoch } from './monitor';

/** The loss curves so far, this epoch last (engine EpochMetrics fits). */
export interface LossPoint {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss?: number;
}

export interface WarningContext {
  readonly epoch: number;
  readonly learningRate: number;
  /** The total gradient norm of the run's first measured step. */
  readonly firstGradNorm?: number;
  /** The layers with a kernel (file indices) along the graph's longest path from the model input to its output,
   *  input side first (paths.ts): the first and last measured are compared for vanishing gradients. */
  readonly weightPath: readonly number[];
  readonly history: readonly LossPoint[];
}

/** 3 significant digits without trailing zeros (10, 0.507), exponents outside [0.001, 10⁴) (5.3e-6). */
const fmt = (v: number): string => (!Number.isFinite(v) ? String(v) : v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(1));
const pct = (v: number): string => `${Math.round(100 * v)}%`;
const lowerRate = (lr: number): string => `a lower learning rate (now ${fmt(lr)}; try ${fmt(lr / 10)})`;

function dead(m: MeasuredEpoch, c: WarningContext): HealthWarning[] {
  return m.layers
    .filter((l) => l.dead !== undefined && !l.output && l.dead >= HEALTH_LIMITS.deadFraction)
    .map((l) => ({
      kind: 'deadUnits' as const,
      epoch: c.epoch,
      layer: l.layer,
      message: `dead units: ${pct(l.dead!)} of the ${l.units} units of "${l.layer}" (${l.activation}) never fired (output ≤ 0 for every sample of the ${m.samples} measured) in epoch ${c.epoch}.`,
      remedy: l.activation === 'leakyRelu' ? `Try ${lowerRate(c.learningRate)}.` : `Try "leakyRelu" instead of "${l.activation}", or ${lowerRate(c.learningRate)}.`,
    }));
}

function vanishing(m: MeasuredEpoch, c: WarningContext): HealthWarning[] {
  const measured = new Map(m.layers.map((l) => [l.index, l]));
  const weights = c.weightPath.flatMap((i) => {
    const l = measured.get(i);
    return l?.gradNorm !== undefined ? [l] : [];
  });
  if (weights.length < 2) return [];
  const first = weights[0]!;
  const last = weights[weights.length - 1]!;
  const ratio = first.gradNorm! / last.gradNorm!;
  if (!(last.gradNorm! > 0) || !(ratio < HEALTH_LIMITS.vanishingRatio)) return [];
  const squashing = m.layers.some((l) => l.activation === 'sigmoid' || l.activation === 'tanh');
  return [
    {
      kind: 'vanishingGradients',
      epoch: c.epoch,
      layer: first.layer,
      message: `vanishing gradients: the gradient norm of "${first.layer}", the first layer with weights, is ${fmt(first.gradNorm!)}, ${fmt(ratio)} × that of "${last.layer}", the last (${fmt(last.gradNorm!)}), in epoch ${c.epoch}: the first layers hardly learn.`,
      remedy: `${squashing ? 'Use "relu" instead of "sigmoid"/"tanh" in the hidden layers, add' : 'Add'} batchNorm layers, or residual connections (an "add" around blocks).`,
    },
  ];
}

function exploding(m: MeasuredEpoch, c: WarningContext): HealthWarning[] {
  const bad = m.layers.find((l) => l.gradNorm !== undefined && !Number.isFinite(l.gradNorm));
  const growth = c.firstGradNorm && c.firstGradNorm > 0 ? m.maxGradNorm / c.firstGradNorm : 0;
  if (!bad && Number.isFinite(m.maxGradNorm) && !(growth > HEALTH_LIMITS.explodingGrowth)) return [];
  const largest = m.layers.reduce<LayerHealth | undefined>((a, l) => (l.gradNorm !== undefined && (!a || !(a.gradNorm! >= l.gradNorm)) ? l : a), undefined);
  const layer = bad ?? largest;
  const seen = bad
    ? `the gradient of "${bad.layer}" is not finite (${fmt(bad.gradNorm!)})`
    : `the gradient norm reached ${fmt(m.maxGradNorm)}, ${fmt(growth)} × the first step's (${fmt(c.firstGradNorm!)}), largest in "${layer?.layer}"`;
  return [
    {
      kind: 'explodingGradients',
      epoch: c.epoch,
      layer: layer?.layer,
      message: `exploding gradients: ${seen} in epoch ${c.epoch}.`,
      remedy: `Set "clipNorm" in the optimizer (e.g. "clipNorm": 1), or use ${lowerRate(c.learningRate)}.`,
    },
  ];
}

function overfitting(c: WarningContext): HealthWarning[] {
  const k = HEALTH_LIMITS.overfittingEpochs;
  const h = c.history;
  if (h.length < k + 1) return [];
  const tail = h.slice(h.length - k - 1);
  for (let i = 1; i < tail.length; i++) {
    const v = tail[i].valLoss;
    const pv = tail[i - 1].valLoss;
    if (v === undefined || pv === undefined || !(v > pv) || !(tail[i].trainLoss < tail[i - 1].trainLoss)) return [];
  }
  const a = tail[0];
  const b = tail[tail.length - 1];
  return [
    {
      kind: 'overfitting',
      epoch: c.epoch,
      message: `overfitting: for ${k} epochs the validation loss rose (${fmt(a.valLoss!)} after epoch ${a.epoch} → ${fmt(b.valLoss!)} after epoch ${b.epoch}) while the training loss fell (${fmt(a.trainLoss)} → ${fmt(b.trainLoss)}).`,
      remedy: 'Add dropout layers, data augmentation ("training.augmentation"), or early stopping ("training.earlyStopping").',
    },
  ];
}

/** Every rule over one epoch; dead units explain a vanishing gradient behind them, so they are said alone. */
export function epochWarnings(m: MeasuredEpoch, c: WarningContext): HealthWarning[] {
  const d = dead(m, c);
  return [...d, ...(d.length ? [] : vanishing(m, c)), ...exploding(m, c), ...overfitting(c)];
}

/** Raises each kind once per layer and run. */
export class WarningLog {
  private readonly raised = new Set<string>();

  fresh(warnings: readonly HealthWarning[]): HealthWarning[] {
    return warnings.filter((w) => {
      const key = `${w.kind}\u0000${w.layer ?? ''}`;
      if (this.raised.has(key)) return false;
      this.raised.add(key);
      return true;
    });
  }
}
