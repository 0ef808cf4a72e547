// A folder with one subfolder of images per class. Bad files are skipped and reported, never fatal: one broken
// download must not stop a training run over thousands of good images. Each image is decoded once into the dataset
// cache (uint8 at the model's input size); later runs, in the CLI or VS Code, read it back instead.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Dataset } from '../../engine/dataset';
import { formatBytes } from '../../model/format';
import { DatasetCache, fileKey } from './cache/datasetCache';
import { PackSampleStore } from './cache/packStore';
import { ImageSkip } from './decode';
import { decodeParallelism } from './nativeDecoder';
import { checkChannels } from './pixels';
import { DataLoadCancelled, type DataProgress } from './progress';
import { DEFAULT_RESIZE_POLICY, sampleDecoder, type ResizePolicy, type SampleDecoder, type SampleShape } from './sample';

export interface ImageFolderOptions {
  /** Keep at most N samples, taken round-robin over the classes so every class stays represented. */
  readonly limit?: number;
  /** How to name the folder in messages (default: the path as given). */
  readonly name?: string;
  /** The dataset cache folder (cache/location.ts); absent: every image is decoded and nothing is kept. */
  readonly cacheDir?: string;
  /** How images of another aspect ratio are fitted to the shape (the model's input.resize); default stretch. */
  readonly policy?: ResizePolicy;
  /** Called at most every 100 ms while preparing, and once at the end. */
  readonly onProgress?: (p: DataProgress) => void;
  /** Checked before each image: true ends the load with DataLoadCancelled (what was decoded stays cached). */
  readonly shouldStop?: () => boolean;
  /** Samples of more bytes than this are not held in memory: they stream from the dataset cache (default: all in
   *  memory). */
  readonly memoryBudget?: number;
  /** How to name the memory budget's setting in messages ("--data-memory"). */
  readonly budgetSetting?: string;
}

export interface ImageFolderData extends Dataset {
  /** Bytes 0–255 (the cache's form), in memory or streamed from the dataset cache: floats a batch at a time. */
  readonly images: Uint8Array | PackSampleStore;
  readonly files: readonly string[];
  readonly warnings: string[];
  /** How the samples were prepared (decoded or from the cache, how long). */
  readonly prepared: DataProgress;
}

const MAX_DEPTH = 8; // nested folders inside a class are walked, but not endlessly (symlink loops)
const PROGRESS_INTERVAL_MS = 100;
const LIST_MAX = 5;

const visible = (e: Dirent): boolean => !e.name.startsWith('.');
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function isDir(path: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Files under `dir`, as paths relative to it with '/' separators, sorted. */
async function listFiles(dir: string, prefix = '', depth = 0): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter(visible).sort((a, b) => byCodePoint(a.name, b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (await isDir(path, e)) {
      if (depth < MAX_DEPTH) for (const f of await listFiles(path, `${prefix}${e.name}/`, depth + 1)) out.push(f); // no push(...): folders may hold 200,000 files
    } else {
      out.push(prefix + e.name);
    }
  }
  return out;
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LIST_MAX).join(', ');
  return items.length > LIST_MAX ? `${shown}, and ${items.length - LIST_MAX} more` : shown;
}

interface Job {
  readonly rel: string;
  readonly label: number;
  /** Position in class-grouped order, so a limited selection can be put back in that order. */
  readonly index: number;
}
/** A sample lands in `into` at `at`; `value` is the ImageSkip when the file was skipped; `key` is the file's
 *  identity in the cache, when it has one. */
type Result = { readonly job: Job; readonly into: Uint8Array; readonly at: number; readonly value: 'ok' | ImageSkip; readonly key?: string };

/** What preparing needs besides the jobs: the decoder, the cache (maybe), progress and stop. */
interface Preparation {
  readonly root: string;
  readonly shape: SampleShape;
  readonly policy: ResizePolicy;
  readonly decoder: SampleDecoder;
  readonly cache?: DatasetCache;
  readonly progress: ProgressCounter;
  readonly shouldStop?: () => boolean;
}

class ProgressCounter {
  done = 0;
  cached = 0;
  private readonly started = Date.now();
  private last = 0;
  constructor(
    private readonly source: string,
    private readonly total: number,
    private readonly report?: (p: DataProgress) => void,
  ) {}

  tick(cached: boolean): void {
    this.done++;
    if (cached) this.cached++;
    const now = Date.now();
    if (this.report && (now - this.last >= PROGRESS_INTERVAL_MS || this.done === this.total)) {
      this.last = now;
      this.report(this.snapshot());
    }
  }

  snapshot(): DataProgress {
    return { source: this.source, done: this.done, total: this.total, cached: this.cached, seconds: (Date.now() - this.started) / 1000 };
  }
}

/** One file into its slot: from the cache when its identity matches, else decoded (and cached). */
async function prepareOne(p: Preparation, job: Job, into: Uint8Array, at: number): Promise<Result> {
  const path = join(p.root, job.rel);
  let key: string | undefined;
  let cached = false;
  let value: 'ok' | ImageSkip = 'ok';
  try {
    if (p.cache?.enabled) {
      const st = await stat(path).catch(() => undefined);
      key = st ? fileKey(job.rel, st) : undefined;
    }
    if (key && p.cache && (await p.cache.readSample(key, into, at))) {
      cached = true;
    } else {
      const skip = key && p.cache?.has(key) ? await p.cache.readSkip(key) : undefined;
      if (skip) {
        cached = true;
        value = new ImageSkip(skip.kind, skip.reason);
      } else {
        const sample = await p.decoder.decode(path, p.shape, p.policy);
        into.set(sample, at);
        if (key) await p.cache?.addSample(key, sample);
      }
    }
  } catch (e) {
    value = e instanceof ImageSkip ? e : new ImageSkip('unreadable', e instanceof Error ? e.message : String(e));
    if (key && !value.io && !cached) await p.cache?.addSkip(key, { kind: value.kind, reason: value.message });
  }
  p.progress.tick(cached);
  return { job, into, at, value, key };
}

/** Prepare with bounded concurrency (the native decoder runs on libuv's threads); results land by position. */
async function prepareAll(p: Preparation, jobs: readonly Job[], slot: (i: number, worker: number) => { into: Uint8Array; at: number }): Promise<Result[]> {
  const results: Result[] = new Array(jobs.length);
  let next = 0;
  const worker = async (_: unknown, w: number): Promise<void> => {
    while (next < jobs.length) {
      if (p.shouldStop?.()) throw new DataLoadCancelled();
      const i = next++;
      const { into, at } = slot(i, w);
      results[i] = await prepareOne(p, jobs[i], into, at);
    }
  };
  // Settled, not all: on a stop every worker finishes its file before the cache closes under it.
  const ends = await Promise.allSettled(Array.from({ length: Math.min(decodeParallelism(), jobs.length) }, worker));
  for (const e of ends) if (e.status === 'rejected') throw e.reason;
  return results;
}

/** Interleave the classes (first of each, then second of each, …) so a limited load keeps every class. */
function roundRobin(perClass: readonly (readonly Job[])[]): Job[] {
  const out: Job[] = [];
  const longest = perClass.reduce((m, f) => Math.max(m, f.length), 0);
  for (let i = 0; i < longest; i++) for (const files of perClass) if (i < files.length) out.push(files[i]);
  return out;
}

/** Everything into one buffer (a slot per file, skipped ones squeezed out later), or with a limit: the first
 *  `limit` readable images in round-robin order, each in its own buffer (a limit is for small quick runs). Streamed
 *  data is only put into the cache: each sample passes through a buffer of its own, dropped once it is written. */
async function prepareSelection(p: Preparation, perClass: readonly (readonly Job[])[], limit: number | undefined, stream: boolean): Promise<{ results: Result[]; all?: Uint8Array }> {
  const size = p.shape[0] * p.shape[1] * p.shape[2];
  if (stream) {
    // One buffer per worker, reused: a result must not hold its sample, or memory grows with the folder.
    const scratch: Uint8Array[] = [];
    const slot = (_: number, w: number): { into: Uint8Array; at: number } => ({ into: (scratch[w] ??= new Uint8Array(size)), at: 0 });
    if (limit === undefined) return { results: await prepareAll(p, perClass.flat(), slot) };
    return { results: await prepareLimited(p, roundRobin(perClass), limit, slot) };
  }
  if (limit === undefined) {
    const jobs = perClass.flat();
    const all = new Uint8Array(jobs.length * size);
    return { results: await prepareAll(p, jobs, (i) => ({ into: all, at: i * size })), all };
  }
  return { results: await prepareLimited(p, roundRobin(perClass), limit, () => ({ into: new Uint8Array(size), at: 0 })) };
}

/** The first `limit` readable images of `order`, in class-grouped order. */
async function prepareLimited(p: Preparation, order: readonly Job[], limit: number, slot: (i: number, worker: number) => { into: Uint8Array; at: number }): Promise<Result[]> {
  const results: Result[] = [];
  let good = 0;
  let pos = 0;
  // Top up in rounds: each round replaces the files the previous one had to skip.
  while (good < limit && pos < order.length) {
    const round = await prepareAll(p, order.slice(pos, pos + limit - good), slot);
    pos += round.length;
    good += round.filter((r) => r.value === 'ok').length;
    for (const r of round) results.push(r);
  }
  return results.sort((a, b) => a.job.index - b.job.index);
}

/** The class subfolders of a data folder and the loose files beside them; a missing folder or none is an Error. */
async function readClassEntries(root: string, name: string): Promise<{ classes: string[]; loose: string[] }> {
  let entries: Dirent[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter(visible);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`data folder not found: ${name} (looked in ${root})`);
    if (code === 'ENOTDIR') throw new Error(`${name} is not a folder (expected one subfolder of images per class)`);
    throw new Error(`cannot read data folder ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const classes: string[] = [];
  const loose: string[] = [];
  for (const e of entries) ((await isDir(join(root, e.name), e)) ? classes : loose).push(e.name);
  classes.sort(byCodePoint);
  if (classes.length === 0) {
    throw new Error(`${name} has no class subfolders (expected one folder of PNG/JPEG images per class, e.g. ${name}/cat/1.png)`);
  }
  return { classes, loose };
}

/** The class names of a data folder (its sorted subfolders), as training will label them. */
export async function listClassFolders(dir: string): Promise<string[]> {
  return (await readClassEntries(resolve(dir), dir)).classes;
}

/** Without a memory budget everything is in memory. */
export function loadImageFolder(dir: string, shape: SampleShape, options?: ImageFolderOptions & { readonly memoryBudget?: undefined }): Promise<ImageFolderData & { readonly images: Uint8Array }>;
export function loadImageFolder(dir: string, shape: SampleShape, options?: ImageFolderOptions): Promise<ImageFolderData>;
export async function loadImageFolder(dir: string, shape: SampleShape, options: ImageFolderOptions = {}): Promise<ImageFolderData> {
  const name = options.name ?? dir;
  checkChannels(shape[2]);
  const root = resolve(dir);
  const { classes, loose } = await readClassEntries(root, name);
  const warnings: string[] = [];
  if (loose.length > 0) {
    warnings.push(`ignored ${loose.length} file${loose.length > 1 ? 's' : ''} outside the class folders of ${name}: ${listed(loose.sort(byCodePoint))}`);
  }
  let index = 0;
  const perClass = await Promise.all(
    classes.map(async (c) => {
      try {
        return (await listFiles(join(root, c))).map((f) => `${c}/${f}`);
      } catch (e) {
        warnings.push(`cannot read class folder ${name}/${c}: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      }
    }),
  );
  const jobs = perClass.map((files, label) => files.map((f): Job => ({ rel: f, label, index: index++ })));
  const limit = options.limit === undefined ? undefined : Math.max(0, Math.floor(options.limit));
  const total = limit === undefined ? jobs.reduce((n, j) => n + j.length, 0) : Math.min(limit, jobs.reduce((n, j) => n + j.length, 0));
  const decoder = sampleDecoder();
  if (decoder.fallbackReason) warnings.push(`decoding with the JavaScript decoders, several times slower (${decoder.fallbackReason})`);
  const policy = options.policy ?? DEFAULT_RESIZE_POLICY;
  const onCacheWarning = (w: string): void => void warnings.push(w);
  const cache = options.cacheDir === undefined ? undefined : await DatasetCache.open(options.cacheDir, { root, shape, policy, decoder: decoder.id }, onCacheWarning);
  const sampleSize = shape[0] * shape[1] * shape[2];
  const stream = options.memoryBudget !== undefined && total * sampleSize > options.memoryBudget;
  if (stream && !cache?.enabled) {
    await cache?.close();
    throw new Error(
      `${name}: ${total.toLocaleString('en-US')} images at ${shape.join('×')} need ${formatBytes(total * sampleSize)}, more than the ${formatBytes(options.memoryBudget ?? 0)} ` +
        `of memory allowed for data${options.budgetSetting ? ` (${options.budgetSetting})` : ''}; they would stream from the dataset cache, which is off${cache?.problem ? ` (${cache.problem})` : ''}`,
    );
  }
  const progress = new ProgressCounter(name, total, options.onProgress);
  let prepared: { results: Result[]; all?: Uint8Array };
  try {
    prepared = await prepareSelection({ root, shape, policy, decoder, cache, progress, shouldStop: options.shouldStop }, jobs, limit, stream);
  } finally {
    await cache?.close();
  }
  const { results } = prepared;

  const good = results.filter((r) => r.value === 'ok').length;
  // Squeeze the skipped files' slots out in place (the full load's one buffer), else gather the separate ones;
  // streamed samples stay in the cache.
  const images = stream ? undefined : prepared.all ? prepared.all.subarray(0, good * sampleSize) : new Uint8Array(good * sampleSize);
  const keys: string[] = [];
  // The source's identity for what is stored per source (a frozen backbone's outputs): the settings and every
  // kept file's identity in sample order. Without the cache there are no file identities, and nothing is stored.
  const identity = createHash('sha256').update(JSON.stringify({ source: 'image folder', root, shape, policy, decoder: decoder.id, limit: limit ?? null }));
  let identified = cache?.enabled ?? false;
  const labels = new Int32Array(good);
  const files: string[] = [];
  const perClassCount = new Array<number>(classes.length).fill(0);
  const unreadable: string[] = [];
  const notImage: string[] = [];
  const attempted = new Array<number>(classes.length).fill(0);
  for (const { job, into, at, value, key } of results) {
    const { rel, label } = job;
    attempted[label]++;
    if (value instanceof ImageSkip) {
      if (value.kind === 'notImage') notImage.push(rel);
      else unreadable.push(`${rel} (${value.message})`);
      continue;
    }
    const to = files.length * sampleSize;
    if (key === undefined) identified = false;
    else identity.update(key + '\u0001');
    if (!images) {
      keys.push(key ?? '');
    } else if (prepared.all) {
      // On the whole buffer: `at` may lie beyond the kept part (`images`).
      if (at !== to) prepared.all.copyWithin(to, at, at + sampleSize);
    } else {
      images.set(into.subarray(at, at + sampleSize), to);
    }
    labels[files.length] = label;
    files.push(join(root, rel));
    perClassCount[label]++;
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (unreadable.length > 0) warnings.push(`skipped ${plural(unreadable.length, 'unreadable file')} in ${name}: ${listed(unreadable)}`);
  if (notImage.length > 0) warnings.push(`skipped ${plural(notImage.length, 'non-image file')} in ${name}: ${listed(notImage)}`);
  // A class the limit never reached is not empty; one whose files were all tried and failed is.
  const empty = classes.filter((_, c) => perClassCount[c] === 0 && attempted[c] === jobs[c].length);
  if (empty.length > 0) {
    warnings.push(`${plural(empty.length, 'class folder')} in ${name} ${empty.length === 1 ? 'has' : 'have'} no readable images: ${listed(empty)}`);
  }
  if (good === 0) {
    const detail = warnings.length > 0 ? `; ${warnings.join('; ')}` : '';
    throw new Error(`${name} has no readable PNG/JPEG/WebP images in its ${plural(classes.length, 'class folder')}${detail}`);
  }
  let data: Uint8Array | PackSampleStore;
  if (images) {
    data = images;
  } else {
    // Streamed: every sample must be in the cache file now.
    if (!cache?.enabled) throw new Error(`${name}: the images cannot stream: the dataset cache failed while it was built (${cache?.problem ?? 'no cache'})`);
    data = await PackSampleStore.open(cache.path, keys, files, sampleSize);
  }
  const origin = identified ? { origin: { key: `folder:${identity.digest('hex')}`, count: good } } : {};
  return { images: data, labels, count: good, shape: [shape[0], shape[1], shape[2]], classes, files, warnings, prepared: { ...progress.snapshot(), finished: true }, ...origin };
}
