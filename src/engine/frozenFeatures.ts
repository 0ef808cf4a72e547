// Frozen features, computed once: when a network's first layers train nothing and draw no random numbers
// (Network.frozenPrefix: a frozen backbone), their output per sample is the same in every epoch. Training computes
// it once per sample and then trains only the layers after it (Network.from), so later epochs cost the head alone:
// Teachable Machine's and Create ML's recipe, without changing a result.
import { sizeOf } from './tensor';
import { BatchReader } from './batches';
import { originRows, storeView, type Dataset, type FloatSampleStore, type InMemoryDataset } from './dataset';
import type { Network } from './network';

export interface FeatureProgress {
  readonly done: number;
  readonly total: number;
}

export interface FeatureOptions {
  readonly yieldToHost?: () => Promise<void>;
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (p: FeatureProgress) => void;
  /** Where the features go ([count, size]); default a new array. */
  readonly into?: Float32Array;
}

/** One dataset's share of a source's features: its rows of the source and their features ([rows.length, size]). */
export interface FeatureRows {
  readonly rows: Int32Array;
  readonly features: Float32Array;
}

/** The source a dataset's samples come from (Dataset.origin without the rows). */
export interface FeatureSource {
  readonly key: string;
  readonly count: number;
}

/** Where a frozen backbone's outputs are kept across runs, per data source: the host's (the node side's data cache,
 *  which binds the backbone's identity: its layers, weights and kernels). */
export interface FeatureStore {
  /** Fills every part's features from those stored for `source` ([source.count, size]); false when none are (or
   *  they are not intact: the store says so, and they are computed again). Never rejects. */
  read(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<boolean>;
  /** Stores the features of every row of `source` (the parts cover them all). Never rejects: a store that cannot
   *  write says so and training goes on. */
  write(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<void>;
  /** Features beyond the data memory budget, kept out of memory. The features stored for `source` as a store read
   *  a batch at a time (row r of the source is sample r); undefined when none are (or they are not intact: the
   *  store says so). Never rejects. */
  openStream?(source: FeatureSource, size: number): Promise<FloatSampleStore | undefined>;
  /** Stores the features of every row of `source` as `batches` yields them (lazily, one batch in memory at a
   *  time), then opens them as openStream does; undefined when it cannot (it says why). Rejects only with what
   *  `batches` throws (a stop). */
  writeStream?(source: FeatureSource, size: number, batches: AsyncIterable<FeatureRows>): Promise<FloatSampleStore | undefined>;
}

/** Floats one sample's features take at the output of layer `after`. */
export function featureSize(network: Network, after: number): number {
  // The shape of that output is the input shape of the network seen from it.
  return sizeOf(network.from(after).inputShape);
}

/** The dataset's samples through layers 0…after (inference), as a dataset of their outputs: [1, 1, size] per
 *  sample for a vector, the output's own [h, w, c] otherwise. Undefined when stopped. */
export async function computeFeatures(network: Network, after: number, data: Dataset, batchSize: number, o: FeatureOptions = {}, progress = { done: 0, total: data.count }): Promise<InMemoryDataset | undefined> {
  const size = featureSize(network, after);
  const features = o.into ?? new Float32Array(data.count * size);
  if (features.length !== data.count * size) throw new RangeError(`computeFeatures: room for ${features.length} floats, ${data.count * size} needed`);
  let filled = 0;
  for await (const batch of featureBatches(network, after, data, batchSize, o, progress)) {
    features.set(batch.features, batch.from * size);
    filled += batch.n;
  }
  return filled === data.count ? featureDataset(network, after, data, features) : undefined;
}

/** The features of data's samples from..from+n ([n, size]): valid until the next batch is asked for. */
export interface FeatureBatch {
  readonly from: number;
  readonly n: number;
  readonly features: Float32Array;
}

/** The dataset's samples through layers 0…after, a batch at a time (what computeFeatures keeps, and what a store
 *  streams to its file). Ends early, without the rest, when stopped. */
export async function* featureBatches(network: Network, after: number, data: Dataset, batchSize: number, o: FeatureOptions = {}, progress = { done: 0, total: data.count }): AsyncGenerator<FeatureBatch> {
  const size = featureSize(network, after);
  const sampleSize = data.shape[0] * data.shape[1] * data.shape[2];
  const bs = Math.max(1, Math.min(batchSize, data.count));
  const reader = new BatchReader(data, bs);
  for (let from = 0, batch = 0; from < data.count; from += bs, batch++) {
    if (o.shouldStop?.()) return;
    const n = Math.min(bs, data.count - from);
    await reader.fill(undefined, from, n, { from: from + n, n: Math.min(bs, data.count - from - n) });
    const out = network.forwardTo({ shape: [n, ...data.shape], data: reader.images.subarray(0, n * sampleSize) }, after);
    yield { from, n, features: out.data.subarray(0, n * size) };
    progress.done += n;
    o.onProgress?.({ done: progress.done, total: progress.total });
    if (o.yieldToHost && batch % 4 === 3) await o.yieldToHost();
  }
}

/** `data`'s features (at the output of layer `after`) as a dataset: [1, 1, size] per sample for a vector, the
 *  output's own [h, w, c] otherwise. */
export function featureDataset(network: Network, after: number, data: Dataset, features: Float32Array): InMemoryDataset;
export function featureDataset(network: Network, after: number, data: Dataset, features: Float32Array | FloatSampleStore): Dataset;
export function featureDataset(network: Network, after: number, data: Dataset, features: Float32Array | FloatSampleStore): Dataset {
  const shape = network.from(after).inputShape;
  const featureShape: readonly [number, number, number] = shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [1, 1, sizeOf(shape)];
  return { images: features, labels: data.labels, count: data.count, shape: featureShape, classes: data.classes, ...(data.files ? { files: data.files } : {}) };
}

/** Room for each dataset's features, and which were filled from the store. */
export interface StoredFeatures {
  readonly features: (Float32Array | undefined)[];
  readonly done: boolean[];
}

/** The datasets of one source (train and validation are views of the same one), with their rows of it. */
function bySource(sets: readonly (Dataset | undefined)[]): Map<string, { source: FeatureSource; members: { index: number; rows: Int32Array }[] }> {
  const groups = new Map<string, { source: FeatureSource; members: { index: number; rows: Int32Array }[] }>();
  sets.forEach((d, index) => {
    const rows = d && originRows(d);
    if (!d?.origin || !rows) return;
    const g = groups.get(d.origin.key) ?? { source: { key: d.origin.key, count: d.origin.count }, members: [] };
    g.members.push({ index, rows });
    groups.set(d.origin.key, g);
  });
  return groups;
}

/** Allocates each dataset's features and fills those the store has (per source). */
export async function readStoredFeatures(sets: readonly (Dataset | undefined)[], size: number, store: FeatureStore | undefined): Promise<StoredFeatures> {
  const features = sets.map((d) => d && new Float32Array(d.count * size));
  const done = sets.map(() => false);
  if (!store) return { features, done };
  for (const { source, members } of bySource(sets).values()) {
    const parts = members.map((m) => ({ rows: m.rows, features: features[m.index]! }));
    if (await store.read(source, size, parts)) for (const m of members) done[m.index] = true;
  }
  return { features, done };
}

/** Stores the computed features of each source whose rows the datasets cover (all of a folder: training and
 *  validation split it); a source only partly here is not stored. */
export async function storeComputed(sets: readonly (Dataset | undefined)[], stored: StoredFeatures, size: number, store: FeatureStore): Promise<void> {
  for (const { source, members } of bySource(sets).values()) {
    if (members.every((m) => stored.done[m.index])) continue;
    if (!covers(source, members)) continue;
    await store.write(source, size, members.map((m) => ({ rows: m.rows, features: stored.features[m.index]! })));
  }
}

/** Whether the members' rows are every row of the source. */
function covers(source: FeatureSource, members: readonly { rows: Int32Array }[]): boolean {
  const seen = new Uint8Array(source.count);
  let covered = 0;
  for (const m of members) {
    for (const r of m.rows) {
      if (r < 0 || r >= source.count || seen[r]) continue;
      seen[r] = 1;
      covered++;
    }
  }
  return covered === source.count;
}

/** Features streamed from a store: each dataset's (undefined where there is none) and what to close after. */
export interface StreamedFeatures {
  readonly sets: (Dataset | undefined)[];
  close(): Promise<void>;
}

export interface StreamOptions extends Omit<FeatureOptions, 'into'> {
  /** Said once the stored sources are open: how many samples' features are computed (0: all were stored). */
  readonly onStart?: (missing: number) => void;
}

/** Thrown through the store's writer to abandon its file when training stops while features are computed. */
class Stopped extends Error {}

/** Features too large for memory, per source: opened from the store, or computed a batch at a time straight into
 *  its file, then read a batch at a time while training. Undefined when they cannot be (a store that cannot
 *  stream, a dataset of no known source or a source the datasets hold only part of, a store that cannot write:
 *  it says why); 'stopped' when stopped while computing them. */
export async function streamedFeatures(network: Network, after: number, sets: readonly (Dataset | undefined)[], store: FeatureStore, batchSize: number, o: StreamOptions = {}): Promise<StreamedFeatures | 'stopped' | undefined> {
  const { openStream, writeStream } = store;
  if (!openStream || !writeStream) return undefined;
  const size = featureSize(network, after);
  const groups = [...bySource(sets).values()];
  const grouped = groups.reduce((n, g) => n + g.members.length, 0);
  if (grouped !== sets.filter((d) => d).length || !groups.every((g) => covers(g.source, g.members))) return undefined;
  const opened: (FloatSampleStore | undefined)[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(opened.map((f) => f?.close?.().catch(() => undefined)));
  };
  for (const g of groups) opened.push(await openStream.call(store, g.source, size));
  const missing = groups.reduce((n, g, i) => n + (opened[i] ? 0 : g.members.reduce((k, m) => k + sets[m.index]!.count, 0)), 0);
  o.onStart?.(missing);
  const progress = { done: 0, total: missing };
  for (let i = 0; i < groups.length; i++) {
    if (opened[i]) continue;
    const { source, members } = groups[i]!;
    async function* batches(): AsyncGenerator<FeatureRows> {
      for (const m of members) {
        let done = 0;
        for await (const b of featureBatches(network, after, sets[m.index]!, batchSize, o, progress)) {
          yield { rows: m.rows.subarray(b.from, b.from + b.n), features: b.features };
          done += b.n;
        }
        if (done < m.rows.length) throw new Stopped();
      }
    }
    try {
      opened[i] = await writeStream.call(store, source, size, batches());
    } catch (e) {
      await close();
      if (e instanceof Stopped) return 'stopped';
      throw e;
    }
    if (!opened[i]) {
      await close();
      return undefined;
    }
  }
  const out: (Dataset | undefined)[] = sets.map(() => undefined);
  groups.forEach((g, i) => {
    for (const m of g.members) out[m.index] = featureDataset(network, after, sets[m.index]!, storeView(opened[i]!, size, m.rows));
  });
  return { sets: out, close };
}
