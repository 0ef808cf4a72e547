// Progress of preparing a data set (decoding into the cache, or reading it back), and then of a frozen backbone's
// outputs per sample, as the CLI and VS Code show it.
import type { FeatureProgress } from '../../engine/frozenFeatures';

export interface DataProgress {
  /** Which data: the source as the model file names it ("photos/train"). */
  readonly source: string;
  /** Images done (decoded, read from the cache or skipped) of `total`. */
  readonly done: number;
  readonly total: number;
  /** Of `done`, how many came from the cache. */
  readonly cached: number;
  /** Since preparing this source began. */
  readonly seconds: number;
  /** The source is ready (the last report of it). */
  readonly finished?: boolean;
}

/** Thrown by a loader when asked to stop (Stop in VS Code, Ctrl+C): what was decoded so far stays cached. */
export class DataLoadCancelled extends Error {
  constructor() {
    super('preparing the data was cancelled');
  }
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "preparing data: 1,234 / 20,000 images, 850/s, ETA 22 s" (or "… from the cache" when nothing is decoded). */
export function formatDataProgress(p: DataProgress): string {
  const rate = p.seconds > 0 ? p.done / p.seconds : 0;
  const eta = rate > 0 ? ` ETA ${Math.ceil((p.total - p.done) / rate)} s` : '';
  const fromCache = p.cached === p.done && p.done > 0 ? ' from the cache' : p.cached > 0 ? ` (${count(p.cached)} cached)` : '';
  return `preparing data: ${count(p.done)} / ${count(p.total)} images${fromCache}, ${count(rate)}/s,${eta}`.replace(/,$/, '');
}

/** "computing frozen features: 1,234 / 3,000 samples": a frozen backbone's outputs, before the first batch. */
export const formatFeatureProgress = (p: FeatureProgress): string => `computing frozen features: ${count(p.done)} / ${count(p.total)} samples`;

/** While every sample's frozen-backbone output is read back instead (no progress is reported for that). */
export const FEATURES_FROM_CACHE = 'frozen features from the data cache';

/** One line once a source is ready: "photos/train: 3,000 images, all from the cache in 0.4 s" or "2,990 decoded …". */
export function formatDataReady(p: DataProgress): string {
  const decoded = p.done - p.cached;
  const how = decoded === 0 ? 'all from the cache' : p.cached === 0 ? `${count(decoded)} decoded` : `${count(decoded)} decoded, ${count(p.cached)} from the cache`;
  return `${p.source}: ${count(p.done)} images prepared (${how}) in ${p.seconds.toFixed(1)} s`;
}
