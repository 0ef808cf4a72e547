// The decoded samples of one data folder at one input size, resize policy and decoder, on disk: looked up by each
// file's identity (path relative to the folder, size, modification time), so a changed, added or renamed file is
// decoded again and nothing else is. The folder also holds frozen backbones' outputs (featureStore.ts): listed and
// cleared with the caches. Cache trouble (a read-only disk, a full one) never stops training: the cache
// turns itself off and says so once.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResizePolicy, SampleShape } from '../sample';
import { FEATURES_SUFFIX, readFeatureHeader } from './featureStore';
import { encodeRecord, readPackHeader, readRecordInto, RecordKind, scanPack, writePackAtomically, type CacheRecord, type RecordRef } from './packFile';

export interface CacheSettings {
  /** The data folder, absolute. */
  readonly root: string;
  readonly shape: SampleShape;
  readonly policy: ResizePolicy;
  /** The decoder's id: another decoder's pixels are another cache. */
  readonly decoder: string;
}

/** What a skipped file's record holds, so a second run reports it again without reading it. */
export interface CachedSkip {
  readonly kind: 'notImage' | 'unreadable';
  readonly reason: string;
}

const FORMAT = 'cnn-studio dataset cache 1';
export const CACHE_SUFFIX = '.cache';

const settingsText = (s: CacheSettings): string => JSON.stringify({ format: FORMAT, root: s.root, shape: s.shape, policy: s.policy, decoder: s.decoder });

/** The cache file of these settings inside `dir`. */
export function cacheFileFor(dir: string, s: CacheSettings): string {
  return join(dir, createHash('sha256').update(settingsText(s)).digest('hex').slice(0, 24) + CACHE_SUFFIX);
}

/** A file's identity: what must match for its cached sample to be used. */
export function fileKey(rel: string, st: Pick<Stats, 'size' | 'mtimeMs'>): string {
  return `${rel}\u0000${st.size}\u0000${st.mtimeMs}`;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class DatasetCache {
  /** A promise, so the concurrent first appends share one handle. */
  private appendHandle?: Promise<FileHandle>;
  private disabledReason?: string;
  /** Keys looked up or added in this run: what a compaction keeps. */
  private readonly live = new Set<string>();
  private liveBytes = 0;

  private constructor(
    readonly path: string,
    private readonly settings: CacheSettings,
    private readHandle: FileHandle | undefined,
    private readonly records: Map<string, RecordRef>,
    private fileSize: number,
    private readonly onWarning: (message: string) => void,
  ) {}

  /** Opens (or starts) the cache of `settings` in `dir`. Never throws: a cache that cannot be used is off. */
  static async open(dir: string, settings: CacheSettings, onWarning: (message: string) => void): Promise<DatasetCache> {
    const path = cacheFileFor(dir, settings);
    const header = Buffer.from(settingsText(settings), 'utf8');
    try {
      await mkdir(dir, { recursive: true });
      await removeOrphans(dir, path);
      let handle = await open(path, 'r+').catch((e: unknown) => {
        if ((e as { code?: string }).code === 'ENOENT') return undefined;
        throw e;
      });
      let scan = handle && (await scanPack(handle));
      if (!handle || !scan?.header || !header.equals(scan.header)) {
        // New, or not ours with these settings (a hash collision, a half-written start): begin it afresh, atomically.
        await handle?.close();
        await writePackAtomically(path, [{ kind: RecordKind.Header, key: FORMAT, data: header }]);
        handle = await open(path, 'r+');
        scan = await scanPack(handle);
      }
      // A torn tail (a writer killed mid-record) is cut so new records are not appended behind it.
      if (scan.validEnd < scan.fileSize) await handle.truncate(scan.validEnd);
      return new DatasetCache(path, settings, handle, scan.records, scan.validEnd, onWarning);
    } catch (e) {
      const c = new DatasetCache(path, settings, undefined, new Map(), 0, onWarning);
      c.disable(`cannot use the dataset cache ${path}: ${message(e)}`);
      return c;
    }
  }

  get enabled(): boolean {
    return this.disabledReason === undefined;
  }

  /** Why the cache is off, when it is. */
  get problem(): string | undefined {
    return this.disabledReason;
  }

  /** The cached sample of `key` read into `into` at `at`; false when not cached (or the bytes fail their check). */
  async readSample(key: string, into: Uint8Array, at: number): Promise<boolean> {
    const ref = this.records.get(key);
    if (!ref || ref.kind !== RecordKind.Sample || !this.readHandle || !this.enabled) return false;
    try {
      if (!(await readRecordInto(this.readHandle, ref, into, at))) return false;
    } catch (e) {
      this.disable(`cannot read the dataset cache ${this.path}: ${message(e)}`);
      return false;
    }
    this.markLive(key, ref.length);
    return true;
  }

  /** Why the file of `key` was skipped before, if it was. */
  async readSkip(key: string): Promise<CachedSkip | undefined> {
    const ref = this.records.get(key);
    if (!ref || ref.kind !== RecordKind.Skip || !this.readHandle || !this.enabled) return undefined;
    const data = new Uint8Array(ref.length);
    try {
      if (!(await readRecordInto(this.readHandle, ref, data))) return undefined;
      const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<CachedSkip>;
      if ((parsed.kind !== 'notImage' && parsed.kind !== 'unreadable') || typeof parsed.reason !== 'string') return undefined;
      this.markLive(key, ref.length);
      return { kind: parsed.kind, reason: parsed.reason };
    } catch {
      return undefined;
    }
  }

  has(key: string): boolean {
    return this.records.has(key);
  }

  async addSample(key: string, sample: Uint8Array): Promise<void> {
    await this.append({ kind: RecordKind.Sample, key, data: sample });
  }

  async addSkip(key: string, skip: CachedSkip): Promise<void> {
    await this.append({ kind: RecordKind.Skip, key, data: Buffer.from(JSON.stringify(skip), 'utf8') });
  }

  /** Flushes to disk, drops records of files no longer there when they outweigh the rest, and closes. */
  async close(): Promise<void> {
    try {
      const append = await this.appendHandle;
      this.appendHandle = undefined;
      if (append) {
        await append.sync();
        await append.close();
      }
      const dead = this.fileSize - this.liveBytes;
      if (this.enabled && this.readHandle && dead > Math.max(this.liveBytes, 16 * 1024 * 1024)) await this.compact();
    } catch (e) {
      this.disable(`cannot finish the dataset cache ${this.path}: ${message(e)}`);
    } finally {
      await this.readHandle?.close().catch(() => undefined);
      this.readHandle = undefined;
    }
  }

  private markLive(key: string, dataLength: number): void {
    if (this.live.has(key)) return;
    this.live.add(key);
    this.liveBytes += 24 + Buffer.byteLength(key) + dataLength;
  }

  private async append(r: CacheRecord): Promise<void> {
    if (!this.enabled) return;
    try {
      // O_APPEND: each record lands whole at the end even when another process appends to the same file.
      this.appendHandle ??= open(this.path, 'a');
      const handle = await this.appendHandle;
      const bytes = encodeRecord(r);
      const { bytesWritten } = await handle.write(bytes);
      if (bytesWritten !== bytes.length) throw new Error(`wrote ${bytesWritten} of ${bytes.length} bytes`);
      this.fileSize += bytes.length;
      this.markLive(r.key, r.data.length);
      // Not added to `records`: this run has the sample in memory; the next run's scan finds it.
    } catch (e) {
      this.disable(`cannot write the dataset cache ${this.path} (${message(e)}); this run goes on without it`);
    }
  }

  /** Rewrites the file with the live records only (read back and checked from the current file). */
  private async compact(): Promise<void> {
    const handle = this.readHandle;
    if (!handle) return;
    const scan = await scanPack(handle);
    const records = scan.records;
    const settings = Buffer.from(settingsText(this.settings), 'utf8');
    const live = this.live;
    async function* all(): AsyncGenerator<CacheRecord> {
      yield { kind: RecordKind.Header, key: FORMAT, data: settings };
      for (const [key, ref] of records) {
        if (!live.has(key)) continue;
        const data = new Uint8Array(ref.length);
        if (await readRecordInto(handle!, ref, data)) yield { kind: ref.kind, key, data };
      }
    }
    await writePackAtomically(this.path, all());
  }

  private disable(reason: string): void {
    if (this.disabledReason !== undefined) return;
    this.disabledReason = reason;
    this.onWarning(reason);
  }
}

export interface CacheFileInfo {
  readonly path: string;
  readonly bytes: number;
  /** From its header, when readable. */
  readonly root?: string;
  readonly shape?: readonly number[];
  readonly policy?: string;
  readonly decoder?: string;
  readonly samples: number;
  readonly skipped: number;
  /** A frozen backbone's outputs per sample (cache/featureStore), when the file is one. */
  readonly features?: { readonly model: string; readonly modelPath: string; readonly cut: string; readonly samples: number; readonly size: number };
}

/** Every cache file in `dir` (none when the folder does not exist). */
export async function listCaches(dir: string): Promise<CacheFileInfo[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: CacheFileInfo[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    let info: CacheFileInfo = { path, bytes: st.size, samples: 0, skipped: 0 };
    if (name.endsWith(FEATURES_SUFFIX)) {
      const h = await readFeatureHeader(path);
      if (h) info = { ...info, samples: h.samples, features: { model: h.model, modelPath: h.modelPath, cut: h.cut, samples: h.samples, size: h.size } };
    } else if (name.endsWith(CACHE_SUFFIX)) {
      const handle = await open(path, 'r').catch(() => undefined);
      if (handle) {
        try {
          const scan = await scanPack(handle);
          const h = scan.header && (JSON.parse(Buffer.from(scan.header).toString('utf8')) as Partial<CacheSettings>);
          let samples = 0;
          for (const r of scan.records.values()) if (r.kind === RecordKind.Sample) samples++;
          info = { ...info, ...(h ? { root: h.root, shape: h.shape, policy: h.policy, decoder: h.decoder } : {}), samples, skipped: scan.records.size - samples };
        } catch {
          // an unreadable file is still listed with its size
        } finally {
          await handle.close();
        }
      }
    }
    out.push(info);
  }
  return out;
}

/** Removes the caches of data folders that no longer exist (a deleted or temporary folder), all but `keep`: reads
 *  only each file's header. Best effort: a file it cannot read is left alone. */
async function removeOrphans(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (!name.endsWith(CACHE_SUFFIX) || path === keep) continue;
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) continue;
    let root: unknown;
    try {
      const header = await readPackHeader(handle);
      root = header && (JSON.parse(Buffer.from(header).toString('utf8')) as { root?: unknown }).root;
    } catch {
      root = undefined;
    } finally {
      await handle.close();
    }
    if (typeof root === 'string' && !(await stat(root).then(() => true, () => false))) await rm(path, { force: true });
  }
}

/** Removes every cache file (and temporary files a killed compaction left); returns the bytes freed. */
export async function clearCaches(dir: string): Promise<{ files: number; bytes: number }> {
  const list = await listCaches(dir);
  for (const f of list) await rm(f.path, { force: true });
  return { files: list.length, bytes: list.reduce((s, f) => s + f.bytes, 0) };
}
