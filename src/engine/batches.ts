// Fills the training loop's batch buffers from a dataset. In-memory samples are copied; a store's are read from
// disk while the previous batch trains (prefetch): the read of batch b + 1 starts when batch b is handed over, so
// with the file in the page cache a step never waits for the disk. A float store (a frozen backbone's outputs) is
// read the same way into float buffers, copied as they are.
import { bytesToFloats, copySample, isFloatStore, isInMemory, type Dataset } from './dataset';

/** A range of the epoch's order to read next. */
interface Pending {
  readonly order: Int32Array | undefined;
  readonly from: number;
  readonly n: number;
  readonly bytes: Uint8Array;
  readonly floats: Float32Array;
  readonly done: Promise<void>;
}

export class BatchReader {
  /** The batch, NHWC floats in [0, 1]: the first n samples of the last fill. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  private readonly size: number;
  /** Two byte buffers for a store: one is read into while the other's batch trains. */
  private readonly bytes: Uint8Array[] = [];
  /** The same for a float store. */
  private readonly floats: Float32Array[] = [];
  private readonly indices: Int32Array[] = [];
  private turn = 0;
  private pending?: Pending;

  constructor(
    private readonly ds: Dataset,
    readonly batchSize: number,
  ) {
    this.size = ds.shape[0] * ds.shape[1] * ds.shape[2];
    this.images = new Float32Array(batchSize * this.size);
    this.labels = new Int32Array(batchSize);
    if (!isInMemory(ds)) {
      const floats = isFloatStore(ds.images);
      for (let i = 0; i < 2; i++) {
        this.bytes.push(new Uint8Array(floats ? 0 : batchSize * this.size));
        this.floats.push(new Float32Array(floats ? batchSize * this.size : 0));
        this.indices.push(new Int32Array(batchSize));
      }
    }
  }

  /** Fills the batch with samples order[from .. from+n) (from..from+n without an order); with `next`, a store
   *  starts reading that range already. */
  async fill(order: Int32Array | undefined, from: number, n: number, next?: { readonly from: number; readonly n: number }): Promise<void> {
    if (n > this.batchSize) throw new RangeError(`a batch of ${n} samples does not fit the reader's ${this.batchSize}`);
    const ds = this.ds;
    for (let i = 0; i < n; i++) this.labels[i] = ds.labels[order ? order[from + i] : from + i];
    if (isInMemory(ds)) {
      for (let i = 0; i < n; i++) copySample(ds, order ? order[from + i] : from + i, this.images, i * this.size);
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    const hit = p !== undefined && p.order === order && p.from === from && p.n === n;
    // A prefetch not asked for after all still writes into its buffer: let it finish before the buffers are reused.
    if (p && !hit) await p.done.catch(() => undefined);
    const current = hit ? p : this.start(order, from, n);
    await current.done;
    if (next && next.n > 0) this.pending = this.start(order, next.from, Math.min(next.n, this.batchSize));
    if (isFloatStore(ds.images)) this.images.set(current.floats.subarray(0, n * this.size));
    else bytesToFloats(current.bytes, 0, n * this.size, this.images, 0);
  }

  private start(order: Int32Array | undefined, from: number, n: number): Pending {
    const store = this.ds.images;
    if (store instanceof Float32Array || store instanceof Uint8Array) throw new Error('in-memory data is copied, not read');
    const slot = this.turn;
    this.turn ^= 1;
    const indices = this.indices[slot].subarray(0, n);
    for (let i = 0; i < n; i++) indices[i] = order ? order[from + i] : from + i;
    const bytes = this.bytes[slot];
    const floats = this.floats[slot];
    const done = isFloatStore(store) ? store.read(indices, floats.subarray(0, n * this.size)) : store.read(indices, bytes.subarray(0, n * this.size));
    // A prefetch the loop never collects (a stop, an error) must not become an unhandled rejection.
    done.catch(() => undefined);
    return { order, from, n, bytes, floats, done };
  }
}
