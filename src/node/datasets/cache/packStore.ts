// The samples of a data folder read straight from its dataset cache file, a batch at a time: what training streams
// when the images would take more memory than the data is allowed. Each read is checked against its record's
// checksum, so a file changed on disk under a run is an error that says so, never wrong pixels.
import { open, type FileHandle } from 'node:fs/promises';
import type { SampleStore } from '../../../engine/dataset';
import { readRecordInto, RecordKind, scanPack, type RecordRef } from './packFile';

/** The cache file no longer holds what the run scanned (changed on disk, or closed): a user-facing one-liner. */
export class StreamReadError extends Error {}

/** A store dropped without close() (a dataset nobody needs any more) still closes its file. */
const closer = new FinalizationRegistry<FileHandle>((handle) => void handle.close().catch(() => undefined));

export class PackSampleStore implements SampleStore {
  private constructor(
    private readonly path: string,
    private handle: FileHandle | undefined,
    private readonly refs: readonly RecordRef[],
    private readonly names: readonly string[],
    private readonly size: number,
  ) {
    // The file stays open for the store's life: another run replacing the cache file (compaction renames a new
    // one into place) leaves this run reading the file it scanned.
    if (handle) closer.register(this, handle, this);
  }

  /** The samples of `keys` (file identities, as the cache keys them) in that order, from the cache file at
   *  `path`; `names` say which file each is in messages. Throws when a key has no intact sample record. */
  static async open(path: string, keys: readonly string[], names: readonly string[], sampleSize: number): Promise<PackSampleStore> {
    const handle = await open(path, 'r');
    try {
      const { records } = await scanPack(handle);
      const refs: RecordRef[] = [];
      for (let i = 0; i < keys.length; i++) {
        const ref = records.get(keys[i]);
        if (!ref || ref.kind !== RecordKind.Sample || ref.length !== sampleSize) {
          throw new Error(`the dataset cache ${path} lost the sample of ${names[i]} while it was built (another run compacting it?); run again`);
        }
        refs.push(ref);
      }
      return new PackSampleStore(path, handle, refs, names, sampleSize);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(indices: ArrayLike<number>, into: Uint8Array): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new StreamReadError(`the dataset cache ${this.path} is closed`);
    const reads: Promise<boolean>[] = [];
    for (let k = 0; k < indices.length; k++) {
      const ref = this.refs[indices[k]];
      if (!ref) throw new RangeError(`sample ${indices[k]} out of range 0..${this.refs.length - 1}`);
      reads.push(readRecordInto(handle, ref, into, k * this.size));
    }
    const ok = await Promise.all(reads);
    const bad = ok.indexOf(false);
    if (bad >= 0) {
      throw new StreamReadError(`the dataset cache ${this.path} changed on disk while training read it (the sample of ${this.names[indices[bad]]} fails its checksum); train again to rebuild it`);
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    closer.unregister(this);
    await h?.close();
  }
}
