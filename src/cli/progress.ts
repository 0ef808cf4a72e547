// Terminal output shared by train / evaluate / predict: the per-epoch progress bar (stderr, TTY only),
// the line per epoch and number formats.
import type { BatchProgress, EpochMetrics } from '../engine/train';
import { formatDataProgress, formatDataReady, type DataProgress } from '../node/datasets/progress';

export const percent = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(2)}%`);
const num = (v: number): string => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "epoch 3/10  loss 0.1234  acc 96.10%  val_loss …  val_acc …  test_acc …  4.2s" */
export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  const parts = [`epoch ${String(m.epoch).padStart(String(epochs).length)}/${epochs}`, `loss ${num(m.trainLoss)}`, `acc ${percent(m.trainAccuracy)}`];
  if (m.trainTopK !== undefined) parts.push(`top-k ${percent(m.trainTopK)}`);
  if (m.valLoss !== undefined) parts.push(`val_loss ${num(m.valLoss)}`, `val_acc ${percent(m.valAccuracy)}`);
  if (m.testLoss !== undefined) parts.push(`test_loss ${num(m.testLoss)}`, `test_acc ${percent(m.testAccuracy)}`);
  parts.push(`lr ${m.learningRate.toPrecision(3)}`, `${m.seconds.toFixed(1)}s`);
  return parts.join('  ');
}

export interface ProgressBar {
  update(p: BatchProgress): void;
  /** A line of its own in the bar's place (throttled as the bar). */
  message(text: string): void;
  clear(): void;
}

interface TtyStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): boolean;
}

/** A one-line bar redrawn with \r at most 10 times a second; silent when the stream is not a terminal. */
export function createProgressBar(stream: TtyStream | undefined): ProgressBar {
  if (!stream?.isTTY) return { update: () => undefined, message: () => undefined, clear: () => undefined };
  let lastDraw = 0;
  let shown = false;
  return {
    message(text) {
      const t = Date.now();
      if (t - lastDraw < 100) return;
      lastDraw = t;
      stream.write(`\r${text.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}\x1b[K`);
      shown = true;
    },
    update(p) {
      const t = Date.now();
      if (t - lastDraw < 100 && p.batch !== p.batches) return;
      lastDraw = t;
      const width = 24;
      const filled = Math.round((width * p.batch) / p.batches);
      const remaining = p.samplesPerSecond > 0 ? ((p.batches - p.batch) * (p.samples / p.batch)) / p.samplesPerSecond : Number.NaN;
      const line =
        `epoch ${p.epoch}/${p.epochs} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${p.batch}/${p.batches}` +
        `  loss ${num(p.loss)}  acc ${percent(p.accuracy)}  ${Math.round(p.samplesPerSecond)} samples/s  ETA ${formatDuration(remaining)}`;
      stream.write(`\r${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** Image folders being prepared: a line redrawn in place on a terminal ("preparing data: 1,234 / 20,000 images,
 *  850/s, ETA 22 s"), then one line per source once it is ready, through `log` (also when not a terminal). */
export function createDataProgress(stream: TtyStream | undefined, log: (line: string) => void): (p: DataProgress) => void {
  let shown = false;
  return (p) => {
    if (p.finished) {
      if (shown) stream?.write('\r\x1b[K');
      shown = false;
      log(formatDataReady(p));
      return;
    }
    if (!stream?.isTTY) return;
    stream.write(`\r${`${p.source}: ${formatDataProgress(p)}`.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}\x1b[K`);
    shown = true;
  };
}
