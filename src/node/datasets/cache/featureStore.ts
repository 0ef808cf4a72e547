// A frozen backbone's outputs per data source, kept in the dataset cache folder across runs (engine/frozenFeatures
// FeatureStore): one `.features` file per backbone and source, one checksummed record per sample (packFile's
// format), written whole to a temporary file and renamed into place, so a reader sees an old file or a new one,
// never half of one, and concurrent runs do not mix. Features beyond the data memory budget are written to it as
// they are computed, a batch at a time, and read back a batch at a time while training (featureStream). Its name hashes everything the outputs depend on: the prefix
// layers' configs and the input settings, every parameter of those layers (batch-norm statistics included), the
// kernels (JavaScript and WebAssembly round differently) and the source's identity (its files and how they were
// prepared). A file that fails a check is said once and computed again, never used.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureRows, FeatureSource, FeatureStore } from '../../../engine/frozenFeatures';
import { readPackHeader, readRecordInto, RecordKind, scanPack, writePackAtomically, type CacheRecord, type RecordRef } from './packFile';
import { bytesOf, FeatureStream, firstDamaged, READ_AHEAD } from './featureStream';

/** Part of every key: bump it when the engine computes a frozen prefix's outputs differently (another inference path). */
const FORMAT = 'cnn-studio frozen features 1';
export const FEATURES_SUFFIX = '.features';

/** What the backbone's outputs depend on, besides the data. */
export interface BackboneIdentity {
  /** For `cnn cache info` and pruning: the model's name and file, and the last frozen layer's name. */
  readonly model: string;
  readonly modelPath: string;
  readonly cut: string;
  /** The input settings and the prefix layers' configs, as text (JSON). */
  readonly config: string;
  /** Every parameter of the prefix layers, in order. */
  readonly params: readonly Float32Array[];
  /** The kernels' name (getKernels().name). */
  readonly kernels: string;
}

/** A features file's header: what it holds, checked against what a run asks for. */
export interface FeatureFileHeader {
  readonly format: string;
  readonly backbone: string;
  readonly source: string;
  readonly samples: number;
  readonly size: number;
  readonly model: string;
  readonly modelPath: string;
  readonly cut: string;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The hash of a backbone's identity (its config, its parameters' bytes, the kernels). */
export function backboneHash(b: BackboneIdentity): string {
  const h = createHash('sha256').update(JSON.stringify({ format: FORMAT, config: b.config, kernels: b.kernels, params: b.params.map((p) => p.length) }));
  for (const p of b.params) h.update(bytesOf(p, 0, p.length));
  return h.digest('hex');
}

export class DiskFeatureStore implements FeatureStore {
  private hash?: string;
  /** Files this run read or wrote: what prune() keeps of this model's. */
  private readonly used = new Set<string>();

  /** `identity` is taken when first needed: after the run's weights are loaded. */
  constructor(
    private readonly dir: string,
    private readonly identity: () => BackboneIdentity,
    private readonly onWarning: (message: string) => void,
  ) {}

  private header(source: FeatureSource, size: number): FeatureFileHeader {
    const b = this.identity();
    this.hash ??= backboneHash(b);
    return { format: FORMAT, backbone: this.hash, source: source.key, samples: source.count, size, model: b.model, modelPath: b.modelPath, cut: b.cut };
  }

  /** The file of a backbone and source. */
  private pathOf(h: FeatureFileHeader): string {
    return join(this.dir, createHash('sha256').update(`${h.backbone}\u0000${h.source}\u0000${h.size}`).digest('hex').slice(0, 24) + FEATURES_SUFFIX);
  }

  /** The records of every sample of the file `handle` holds, when it holds `want`'s features; undefined when
   *  it does not (said through `damaged` when damaged). */
  private async refsOf(handle: FileHandle, want: FeatureFileHeader, damaged: (why: string) => undefined): Promise<RecordRef[] | undefined> {
    const scan = await scanPack(handle);
    if (!scan.header) return damaged('no valid header');
    const got = parseHeader(scan.header);
    // Another backbone or source under this name (a hash collision) is not damage: it is simply not these.
    if (!got || got.format !== want.format || got.backbone !== want.backbone || got.source !== want.source || got.size !== want.size) return undefined;
    if (got.samples !== want.samples) return damaged(`${got.samples} samples, expected ${want.samples}`);
    const refs: RecordRef[] = [];
    for (let r = 0; r < want.samples; r++) {
      const ref = scan.records.get(String(r));
      if (!ref || ref.kind !== RecordKind.Sample || ref.length !== want.size * 4) return damaged(`sample ${r} of ${want.samples} is missing or cut short`);
      refs.push(ref);
    }
    return refs;
  }

  private damagedSaid(path: string): (why: string) => undefined {
    return (why) => {
      this.onWarning(`the stored outputs of the frozen layers in ${path} are damaged (${why}): computing them again`);
      return undefined;
    };
  }

  async read(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<boolean> {
    const want = this.header(source, size);
    const path = this.pathOf(want);
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return false;
    const damaged = this.damagedSaid(path);
    try {
      const refs = await this.refsOf(handle, want, damaged);
      if (!refs) return false;
      for (const part of parts) {
        for (let k = 0; k < part.rows.length; k += READ_AHEAD) {
          const reads: Promise<boolean>[] = [];
          for (let j = k; j < Math.min(part.rows.length, k + READ_AHEAD); j++) {
            const ref = refs[part.rows[j]];
            if (!ref) return damaged(`no sample ${part.rows[j]}`) ?? false;
            reads.push(readRecordInto(handle, ref, bytesOf(part.features, j * size, size)));
          }
          const ok = await Promise.all(reads);
          const bad = ok.indexOf(false);
          if (bad >= 0) return damaged(`sample ${part.rows[k + bad]} fails its checksum`) ?? false;
        }
      }
      this.used.add(path);
      return true;
    } catch (e) {
      return damaged(message(e)) ?? false;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async openStream(source: FeatureSource, size: number): Promise<FeatureStream | undefined> {
    return this.openFile(this.header(source, size), true);
  }

  /** The file of `want` as a store; `verify` reads every sample once first (bounded memory) so a damaged file is
   *  computed again rather than failing training halfway. */
  private async openFile(want: FeatureFileHeader, verify: boolean): Promise<FeatureStream | undefined> {
    const path = this.pathOf(want);
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    const damaged = this.damagedSaid(path);
    try {
      const refs = await this.refsOf(handle, want, damaged);
      const bad = refs && verify ? await firstDamaged(handle, refs) : -1;
      if (refs && bad >= 0) damaged(`sample ${bad} fails its checksum`);
      if (!refs || bad >= 0) {
        await handle.close().catch(() => undefined);
        return undefined;
      }
      this.used.add(path);
      return new FeatureStream(path, handle, refs, want.size);
    } catch (e) {
      await handle.close().catch(() => undefined);
      return damaged(message(e));
    }
  }

  async writeStream(source: FeatureSource, size: number, batches: AsyncIterable<FeatureRows>): Promise<FeatureStream | undefined> {
    const header = this.header(source, size);
    const path = this.pathOf(header);
    // What the batches throw (a stop) is the caller's; what the file throws is said.
    let thrown: { error: unknown } | undefined;
    async function* records(): AsyncGenerator<CacheRecord> {
      yield { kind: RecordKind.Header, key: FORMAT, data: Buffer.from(JSON.stringify(header), 'utf8') };
      try {
        // Each record is written before the next batch is computed (it may reuse the same buffer).
        for await (const b of batches) for (let k = 0; k < b.rows.length; k++) yield { kind: RecordKind.Sample, key: String(b.rows[k]), data: bytesOf(b.features, k * size, size) };
      } catch (error) {
        thrown = { error };
        throw error;
      }
    }
    try {
      await mkdir(this.dir, { recursive: true });
      await writePackAtomically(path, records());
    } catch (e) {
      if (thrown) throw thrown.error;
      this.onWarning(`cannot store the outputs of the frozen layers in the data cache ${this.dir} (${message(e)}); they run every step`);
      return undefined;
    }
    return this.openFile(header, false);
  }

  async write(source: FeatureSource, size: number, parts: readonly FeatureRows[]): Promise<void> {
    const header = this.header(source, size);
    const path = this.pathOf(header);
    // Where each source row is among the parts.
    const part = new Int32Array(source.count).fill(-1);
    const at = new Int32Array(source.count);
    parts.forEach((p, i) => p.rows.forEach((r, k) => ((part[r] = i), (at[r] = k))));
    if (part.includes(-1)) return;
    function* records(): Generator<CacheRecord> {
      yield { kind: RecordKind.Header, key: FORMAT, data: Buffer.from(JSON.stringify(header), 'utf8') };
      for (let r = 0; r < source.count; r++) yield { kind: RecordKind.Sample, key: String(r), data: bytesOf(parts[part[r]]!.features, at[r] * size, size) };
    }
    try {
      await mkdir(this.dir, { recursive: true });
      await writePackAtomically(path, records());
      this.used.add(path);
    } catch (e) {
      this.onWarning(`cannot store the outputs of the frozen layers in the data cache ${this.dir} (${message(e)}); the next run computes them again`);
    }
  }

  /** Removes this model's other features files (an older backbone, changed files) once this run used some, and
   *  those of models whose file is gone. Best effort. */
  async prune(): Promise<void> {
    if (this.used.size === 0) return;
    const modelPath = this.identity().modelPath;
    for (const { path, header } of await listFeatureFiles(this.dir)) {
      if (this.used.has(path) || !header) continue;
      const gone = !(await stat(header.modelPath).then(() => true, () => false));
      if (header.modelPath === modelPath || gone) await rm(path, { force: true }).catch(() => undefined);
    }
  }
}

function parseHeader(data: Uint8Array): FeatureFileHeader | undefined {
  try {
    const h = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<FeatureFileHeader>;
    const ok = typeof h.format === 'string' && typeof h.backbone === 'string' && typeof h.source === 'string' && typeof h.samples === 'number' && typeof h.size === 'number' && typeof h.model === 'string' && typeof h.modelPath === 'string' && typeof h.cut === 'string';
    return ok ? (h as FeatureFileHeader) : undefined;
  } catch {
    return undefined;
  }
}

/** A features file's header, when it has a valid one (reads only the header). */
export async function readFeatureHeader(path: string): Promise<FeatureFileHeader | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const data = await readPackHeader(handle);
    return data && parseHeader(data);
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function listFeatureFiles(dir: string): Promise<{ path: string; header?: FeatureFileHeader }[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(FEATURES_SUFFIX));
  return Promise.all(names.map(async (n) => ({ path: join(dir, n), header: await readFeatureHeader(join(dir, n)) })));
}
