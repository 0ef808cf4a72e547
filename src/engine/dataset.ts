// Labelled images, as the data room loads them and the training loop consumes them: in memory, or in a store on
// disk (the dataset cache) read a batch at a time, so memory does not grow with the number of images.

/** Samples kept outside memory, read a batch at a time (the dataset cache of an image folder). */
export interface SampleStore {
  /** Reads the samples `indices` (bytes 0–255, NHWC, one after another) into `into`; rejects with a message that
   *  names what could not be read. */
  read(indices: ArrayLike<number>, into: Uint8Array): Promise<void>;
  /** Releases what it holds open (a file); reads after it fail. */
  close?(): Promise<void>;
  readonly floats?: false;
}

/** Floats kept outside memory, read a batch at a time as they are (a frozen backbone's outputs in the data cache,
 *  when they exceed the data memory budget). */
export interface FloatSampleStore {
  /** What tells it from a SampleStore: its samples are copied as they are, not scaled from bytes. */
  readonly floats: true;
  /** Reads the samples `indices` (NHWC floats, one after another) into `into`; rejects with a message that names
   *  what could not be read. */
  read(indices: ArrayLike<number>, into: Float32Array): Promise<void>;
  close?(): Promise<void>;
}

export interface Dataset {
  /** count × height × width × channels values, NHWC: floats in [0, 1], or bytes 0–255 (image folders, as cached:
   *  a quarter of the memory) that become floats a batch at a time, or a store that reads them (bytes, or floats
   *  as they are) a batch at a time. */
  readonly images: Float32Array | Uint8Array | SampleStore | FloatSampleStore;
  /** Class index per sample. */
  readonly labels: Int32Array;
  readonly count: number;
  /** [height, width, channels] of one sample. */
  readonly shape: readonly [number, number, number];
  /** Class names, index = label. */
  readonly classes: readonly string[];
  /** Source file per sample, for image folders (lets a confusion matrix link to the file). */
  readonly files?: readonly string[];
  /** Which loaded source the samples are and which of its rows: what is stored per source across runs (a frozen
   *  backbone's outputs) is found by it. Absent: nothing is stored for this data. */
  readonly origin?: DataOrigin;
}

/** A dataset's place in the source it was loaded from. */
export interface DataOrigin {
  /** The source's identity: its files (path, size, modification time) and how they were prepared; another key,
   *  another source. */
  readonly key: string;
  /** Samples in the source. */
  readonly count: number;
  /** The source's row of each sample (a validation split's view); absent: sample i is row i. */
  readonly rows?: Int32Array;
}

/** The source row of each of the dataset's samples. */
export function originRows(ds: Dataset): Int32Array | undefined {
  const o = ds.origin;
  if (!o) return undefined;
  if (o.rows) return o.rows;
  const rows = new Int32Array(ds.count);
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return rows;
}

/** A dataset whose samples are all in memory. */
export type InMemoryDataset = Dataset & { readonly images: Float32Array | Uint8Array };

export const isInMemory = (ds: Dataset): ds is InMemoryDataset => ds.images instanceof Float32Array || ds.images instanceof Uint8Array;

export const isFloatStore = (images: Dataset['images']): images is FloatSampleStore => !(images instanceof Float32Array) && !(images instanceof Uint8Array) && images.floats === true;

/** Bytes the dataset's samples and labels hold in memory (a store's samples are on disk). */
export function memoryBytesOf(ds: Dataset): number {
  return (isInMemory(ds) ? ds.images.byteLength : 0) + ds.labels.byteLength;
}

const sampleSize = (ds: Dataset): number => ds.shape[0] * ds.shape[1] * ds.shape[2];

/** Sample `index` of an in-memory dataset as floats in [0, 1], written into `out` at `offset`. */
export function copySample(ds: InMemoryDataset, index: number, out: Float32Array, offset = 0): void {
  const size = sampleSize(ds);
  const from = index * size;
  const images = ds.images;
  if (images instanceof Float32Array) {
    out.set(images.subarray(from, from + size), offset);
    return;
  }
  bytesToFloats(images, from, size, out, offset);
}

export function bytesToFloats(bytes: Uint8Array, from: number, size: number, out: Float32Array, offset: number): void {
  for (let i = 0; i < size; i++) out[offset + i] = bytes[from + i] * (1 / 255);
}

/** Sample `index` as a new Float32Array in [0, 1], wherever the dataset keeps it. */
export async function readSampleFloats(ds: Dataset, index: number): Promise<Float32Array> {
  const out = new Float32Array(sampleSize(ds));
  if (isInMemory(ds)) copySample(ds, index, out);
  else if (isFloatStore(ds.images)) await ds.images.read([index], out);
  else bytesToFloats(await readSampleBytes(ds, index), 0, out.length, out, 0);
  return out;
}

/** Sample `index` as bytes 0–255 (floats are rounded), wherever the dataset keeps it. */
export async function readSampleBytes(ds: Dataset, index: number): Promise<Uint8Array> {
  const size = sampleSize(ds);
  const out = new Uint8Array(size);
  const images = ds.images;
  const rounded = (floats: Float32Array, from: number): void => {
    for (let j = 0; j < size; j++) out[j] = Math.max(0, Math.min(255, Math.round(floats[from + j] * 255)));
  };
  if (images instanceof Uint8Array) out.set(images.subarray(index * size, (index + 1) * size));
  else if (images instanceof Float32Array) rounded(images, index * size);
  else if (isFloatStore(images)) {
    const floats = new Float32Array(size);
    await images.read([index], floats);
    rounded(floats, 0);
  } else await images.read([index], out);
  return out;
}

/** The samples `rows` of bytes (in memory or a store) or of a float store as a store of the same kind, without
 *  copying them. */
export function storeView(images: Uint8Array | SampleStore, size: number, rows: Int32Array): SampleStore;
export function storeView(images: FloatSampleStore, size: number, rows: Int32Array): FloatSampleStore;
export function storeView(images: Uint8Array | SampleStore | FloatSampleStore, size: number, rows: Int32Array): SampleStore | FloatSampleStore;
export function storeView(images: Uint8Array | SampleStore | FloatSampleStore, size: number, rows: Int32Array): SampleStore | FloatSampleStore {
  const checked = (k: number): number => {
    const row = rows[k];
    if (row === undefined) throw new RangeError(`sample ${k} out of range 0..${rows.length - 1}`);
    return row;
  };
  if (images instanceof Uint8Array) {
    return {
      read: async (indices, into) => {
        for (let k = 0; k < indices.length; k++) {
          const row = checked(indices[k]);
          into.set(images.subarray(row * size, (row + 1) * size), k * size);
        }
      },
    };
  }
  const mapped = (indices: ArrayLike<number>): Int32Array => {
    const out = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) out[k] = checked(indices[k]);
    return out;
  };
  if (isFloatStore(images)) return { floats: true, read: (indices, into) => images.read(mapped(indices), into) };
  return { read: (indices, into) => images.read(mapped(indices), into) };
}
