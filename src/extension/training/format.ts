// Text for the places VS Code users look: the output channel line per epoch, the status bar, the summary.
import { assertNever } from '../../model/assertNever';
import { formatBytes } from '../../model/format';
import { FEATURES_FROM_CACHE, formatDataProgress, formatDataReady, formatFeatureProgress } from '../../node/datasets/progress';
import type { BatchView, DataProgressView, DoneView, EpochView, FeatureProgressView } from '../../protocol/worker';

export const percent = (v: number | undefined | null): string => (v === undefined || v === null || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(2)}%`);
const num = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}

/** Same fields and order as `cnn train` prints. */
export function epochLine(name: string, m: EpochView, epochs: number): string {
  const parts = [`${name}: epoch ${m.epoch}/${epochs}`, `loss ${num(m.trainLoss)}`, `acc ${percent(m.trainAccuracy)}`];
  if (m.valLoss !== undefined) parts.push(`val_loss ${num(m.valLoss)}`, `val_acc ${percent(m.valAccuracy)}`);
  if (m.testLoss !== undefined) parts.push(`test_loss ${num(m.testLoss)}`, `test_acc ${percent(m.testAccuracy)}`);
  parts.push(`lr ${m.learningRate.toPrecision(3)}`, `${m.seconds.toFixed(1)}s`);
  if (m.samplesPerSecond) parts.push(`${Math.round(m.samplesPerSecond)} samples/s`);
  if (m.engineBytes) parts.push(`engine memory ${formatBytes(m.engineBytes)}`);
  return parts.join('  ');
}

/** The training-health warnings an epoch raised, one line each with its remedy (as `cnn train` prints them). */
export function healthWarningLines(name: string, m: EpochView): string[] {
  return (m.health?.warnings ?? []).map((w) => `${name}: ${w.message} ${w.remedy}`);
}

/** What a run reports before its first batch (RunRecord's fields). */
export interface BeforeFirstBatch {
  readonly dataProgress?: DataProgressView;
  readonly featureProgress?: FeatureProgressView;
  /** Every sample's frozen-backbone output is read from the data cache (so no featureProgress comes). */
  readonly frozenFromCache?: boolean;
}

/** The frozen backbone's step, once training has reached it: the same words as `cnn train`'s progress line. */
function frozenFeaturesText(w: BeforeFirstBatch): string | undefined {
  if (w.featureProgress) return formatFeatureProgress(w.featureProgress);
  return w.frozenFromCache ? FEATURES_FROM_CACHE : undefined;
}

/** The progress notification before the first batch: the image folder being prepared ("preparing data: 1,234 /
 *  20,000 images, 850/s, ETA 22 s"), then that it is ready (from the cache: at once), then the frozen backbone's
 *  outputs ("computing frozen features: 1,234 / 3,000 samples", or read from the data cache). */
export function waitingText(w: BeforeFirstBatch): string {
  const d = w.dataProgress;
  return frozenFeaturesText(w) ?? (d ? (d.finished ? formatDataReady(d) : `${d.source}: ${formatDataProgress(d)}`) : 'loading data…');
}

/** "$(sync~spin) lenet5 2/5 · loss 0.123 · acc 96.1% · 812/s"; before the first batch, the frozen features' step
 *  (the status bar has no room for the data's progress: the notification shows it). */
export function statusText(name: string, b: BatchView | undefined, w: BeforeFirstBatch = {}): string {
  if (!b) return `$(sync~spin) ${name}: ${frozenFeaturesText(w) ?? 'loading data…'}`;
  return `$(sync~spin) ${name} ${b.epoch}/${b.epochs} · loss ${b.loss.toFixed(3)} · acc ${(100 * b.accuracy).toFixed(1)}% · ${Math.round(b.samplesPerSecond)}/s`;
}

export function summary(name: string, r: DoneView): string {
  const ev = r.evaluation;
  const acc = ev ? `${ev.on} accuracy ${percent(ev.accuracy)}` : undefined;
  const epochs = `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`;
  switch (r.status) {
    case 'completed':
      return `${name} trained: ${acc ?? epochs} after ${epochs} (${duration(r.seconds)}).`;
    case 'earlyStopped':
      return `${name} stopped early after ${epochs}, keeping the weights of epoch ${r.selection?.bestEpoch ?? '?'} (best ${r.selection?.on ?? 'validation loss'})${acc ? `: ${acc}` : ''}.`;
    case 'stopped':
      return `${name}: training stopped after ${epochs}; the last checkpoint is kept.`;
    case 'diverged':
      return `${name}: ${r.message ?? 'training diverged'}`;
    default:
      return assertNever(r.status, 'run status');
  }
}
