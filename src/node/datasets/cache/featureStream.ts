// A frozen backbone's outputs read straight from their features file a batch at a time (engine/dataset
// FloatSampleStore): what training reads when the outputs of all samples would take more memory than the data may.
// Each read is checked against its record's checksum, so a file changed on disk under a run is an error that says
// so (StreamReadError, a one-liner), never wrong features.
import type { FileHandle } from 'node:fs/promises';
import type { FloatSampleStore } from '../../../engine/dataset';
import { readRecordInto, type RecordRef } from './packFile';
import { StreamReadError } from './packStore';

/** Reads in flight at once while a file is read back. */
export const READ_AHEAD = 64;

export const bytesOf = (f: Float32Array, from: number, n: number): Uint8Array => new Uint8Array(f.buffer, f.byteOffset + from * 4, n * 4);

/** A store dropped without close() still closes its file. */
const closer = new FinalizationRegistry<FileHandle>((handle) => void handle.close().catch(() => undefined));

export class FeatureStream implements FloatSampleStore {
  readonly floats = true;
  private handle: FileHandle | undefined;

  /** `refs[r]`: the record of source row r, of `size` floats. The file stays open for the store's life: another
   *  run renaming a new file into place leaves this one reading the file it opened. */
  constructor(
    private readonly path: string,
    handle: FileHandle,
    private readonly refs: readonly RecordRef[],
    private readonly size: number,
  ) {
    this.handle = handle;
    closer.register(this, handle, this);
  }

  async read(indices: ArrayLike<number>, into: Float32Array): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new StreamReadError(`the features file ${this.path} is closed`);
    const reads: Promise<boolean>[] = [];
    for (let k = 0; k < indices.length; k++) {
      const ref = this.refs[indices[k]];
      if (!ref) throw new RangeError(`sample ${indices[k]} out of range 0..${this.refs.length - 1}`);
      reads.push(readRecordInto(handle, ref, bytesOf(into, k * this.size, this.size)));
    }
    const ok = await Promise.all(reads);
    const bad = ok.indexOf(false);
    if (bad >= 0) {
      throw new StreamReadError(`the data cache ${this.path} changed on disk while training read it (the frozen layers' outputs for sample ${indices[bad]} fail their checksum); train again to compute them again`);
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    closer.unregister(this);
    await h?.close();
  }
}

/** The first of `refs` whose data fails its checksum, -1 when all are intact; reads READ_AHEAD records at a time
 *  into one buffer, so memory does not grow with the file. */
export async function firstDamaged(handle: FileHandle, refs: readonly RecordRef[]): Promise<number> {
  const length = refs[0]?.length ?? 0;
  const buffer = new Uint8Array(READ_AHEAD * length);
  for (let k = 0; k < refs.length; k += READ_AHEAD) {
    const reads: Promise<boolean>[] = [];
    for (let j = k; j < Math.min(refs.length, k + READ_AHEAD); j++) reads.push(readRecordInto(handle, refs[j]!, buffer, (j - k) * length));
    const bad = (await Promise.all(reads)).indexOf(false);
    if (bad >= 0) return k + bad;
  }
  return -1;
}
