// In-memory labelled images, as the data room loads them and the training loop consumes them.
export interface Dataset {
  /** count × height × width × channels values, NHWC: floats in [0, 1], or bytes 0–255 (image folders, as cached:
   *  a quarter of the memory) that become floats a batch at a time (copySample). */
  readonly images: Float32Array | Uint8Array;
  /** Class index per sample. */
  readonly labels: Int32Array;
  readonly count: number;
  /** [height, width, channels] of one sample. */
  readonly shape: readonly [number, number, number];
  /** Class names, index = label. */
  readonly classes: readonly string[];
  /** Source file per sample, for image folders (lets a confusion matrix link to the file). */
  readonly files?: readonly string[];
}

/** Sample `index` of `ds` as floats in [0, 1], written into `out` at `offset`. */
export function copySample(ds: Dataset, index: number, out: Float32Array, offset = 0): void {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const from = index * size;
  const images = ds.images;
  if (images instanceof Float32Array) {
    out.set(images.subarray(from, from + size), offset);
    return;
  }
  for (let i = 0; i < size; i++) out[offset + i] = images[from + i] * (1 / 255);
}

/** Sample `index` as a new Float32Array in [0, 1]. */
export function sampleFloats(ds: Dataset, index: number): Float32Array {
  const out = new Float32Array(ds.shape[0] * ds.shape[1] * ds.shape[2]);
  copySample(ds, index, out);
  return out;
}
