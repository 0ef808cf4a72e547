// One entry point from a model's `training.data` source to a Dataset shaped like the model input.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { copySample, storeView, type Dataset, type InMemoryDataset } from '../../engine/dataset';
import type { Rng } from '../../engine/rng';
import { fitPlan } from '../../model/resize';
import type { DataSource } from '../../model/types';
import { datasetCacheDir } from './cache/location';
import { ImageSkip, readImageBytes } from './decode';
import { readIdxPair } from './idx';
import { loadImageFolder } from './imageFolder';
import { fitImage } from './fit';
import { checkChannels, convertChannels } from './pixels';
import type { DataProgress } from './progress';
import { DEFAULT_RESIZE_POLICY, sampleDecoder, sampleToFloats, type ResizePolicy } from './sample';

export interface LoadedData extends Dataset {
  /** Non-fatal problems (skipped files, empty classes), for the user to see. */
  readonly warnings: string[];
  /** One line for logs and the UI, e.g. "digits/train: 120 images, 10 classes, 28×28×1". */
  readonly description: string;
  /** For image folders: how the samples were prepared (decoded, or read from the dataset cache). */
  readonly prepared?: DataProgress;
}

export interface LoadOptions {
  /** Keep only the first N samples (quick CI runs). */
  readonly limit?: number;
  /** Image folders' dataset cache folder; default the user's (cache/location.ts); false: decode without caching. */
  readonly cacheDir?: string | false;
  /** Image folders: preparing progress, at most every 100 ms. */
  readonly onProgress?: (p: DataProgress) => void;
  /** Image folders: checked before each image; true ends the load with DataLoadCancelled. */
  readonly shouldStop?: () => boolean;
  /** Image folders whose samples take more bytes stream from the dataset cache instead of memory (default: all in
   *  memory); `budgetSetting` names where it is set, for messages. */
  readonly memoryBudget?: number;
  readonly budgetSetting?: string;
  /** How images of another aspect ratio are fitted to the input (the model's input.resize); default stretch. */
  readonly policy?: ResizePolicy;
}

type Shape = readonly [number, number, number];
const dims = (s: Shape): string => s.join('×');

/** Resize/convert every sample of a dataset to `shape` (IDX files are gray and may differ in size). */
function reshapeSamples(ds: InMemoryDataset, shape: Shape, policy: ResizePolicy): Float32Array {
  const [h, w, c] = ds.shape;
  const [H, W, C] = shape;
  const outSize = H * W * C;
  const out = new Float32Array(ds.count * outSize);
  const plan = fitPlan(h, w, H, W, policy);
  const one = new Float32Array(h * w * c);
  for (let i = 0; i < ds.count; i++) {
    copySample(ds, i, one);
    out.set(convertChannels(fitImage(one, h, w, c, H, W, plan), H * W, c, C), i * outSize);
  }
  return out;
}

export async function loadDataSource(
  source: DataSource,
  modelDir: string,
  inputShape: Shape,
  options: LoadOptions = {},
): Promise<LoadedData> {
  const shape: Shape = [inputShape[0], inputShape[1], inputShape[2]];
  checkChannels(shape[2]);
  if (typeof source === 'string') {
    const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? datasetCacheDir());
    const data = await loadImageFolder(resolve(modelDir, source), shape, {
      limit: options.limit,
      name: source,
      cacheDir,
      onProgress: options.onProgress,
      shouldStop: options.shouldStop,
      memoryBudget: options.memoryBudget,
      budgetSetting: options.budgetSetting,
      policy: options.policy,
    });
    const streamed = data.images instanceof Uint8Array ? '' : ' (streamed from the dataset cache)';
    const description = `${source}: ${data.count} images, ${data.classes.length} classes, ${dims(shape)}${streamed}`;
    return { ...data, description };
  }
  if (typeof source !== 'object' || source === null || typeof source.images !== 'string' || typeof source.labels !== 'string') {
    throw new Error('a data source must be a folder path or { "images": …, "labels": … } IDX file paths');
  }
  const ds = await readIdxPair(resolve(modelDir, source.images), resolve(modelDir, source.labels), {
    limit: options.limit,
    imagesName: source.images,
    labelsName: source.labels,
  });
  if (ds.count === 0) throw new Error(`${source.images}: no images selected (limit ${options.limit})`);
  const [h, w, c] = ds.shape;
  if (c !== 1 && c !== shape[2]) {
    throw new Error(`${source.images} has ${c} channels per pixel but the model input has ${shape[2]}`);
  }
  const same = h === shape[0] && w === shape[1] && c === shape[2];
  const policy = options.policy ?? DEFAULT_RESIZE_POLICY;
  const images = same ? ds.images : reshapeSamples(ds, shape, policy);
  const note = same ? '' : ` (from ${dims(ds.shape)})`;
  return {
    ...ds,
    images,
    shape,
    origin: { key: await idxIdentity(resolve(modelDir, source.images), resolve(modelDir, source.labels), shape, policy, options.limit), count: ds.count },
    warnings: [],
    description: `${source.images}: ${ds.count} images, ${ds.classes.length} classes, ${dims(shape)}${note}`,
  };
}

/** An IDX pair's identity as a source: its files (path, size, modification time), the shape and resize policy its
 *  samples are fitted with, and the limit. */
async function idxIdentity(images: string, labels: string, shape: Shape, policy: ResizePolicy, limit: number | undefined): Promise<string> {
  const file = async (p: string): Promise<unknown> => {
    const st = await stat(p);
    return [p, st.size, st.mtimeMs];
  };
  const text = JSON.stringify({ source: 'idx', images: await file(images), labels: await file(labels), shape, policy, limit: limit ?? null });
  return `idx:${createHash('sha256').update(text).digest('hex')}`;
}

/** One PNG/JPEG/WebP as a model input (for `cnn predict`), decoded as training decodes it (the same pixels, the
 *  same resize policy: pass the model's input.resize). File problems keep their own full sentence ("a.png is a
 *  directory, not an image"); decoding problems are prefixed with the path. */
export async function loadImageFile(path: string, inputShape: Shape, policy: ResizePolicy = DEFAULT_RESIZE_POLICY): Promise<Float32Array> {
  const bytes = await readImageBytes(path);
  checkChannels(inputShape[2]);
  try {
    return sampleToFloats(await sampleDecoder().decodeBytes(bytes, path, inputShape, policy));
  } catch (e) {
    if (e instanceof ImageSkip) throw new Error(`${path}: ${e.message}`);
    throw e;
  }
}

/** The samples at `indices`, in that order: floats are copied (IDX files, small), bytes and stores are viewed
 *  through the indices (no copy, so a validation split does not double the data's memory). */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const rows = new Int32Array(indices.length);
  const labels = new Int32Array(indices.length);
  const files: string[] | undefined = ds.files ? [] : undefined;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new RangeError(`subset index ${i} out of range 0..${ds.count - 1}`);
    rows[k] = i;
    labels[k] = ds.labels[i];
    files?.push(ds.files![i]);
  }
  let images: Dataset['images'];
  if (ds.images instanceof Float32Array) {
    const copy = new Float32Array(indices.length * size);
    for (let k = 0; k < rows.length; k++) copy.set(ds.images.subarray(rows[k] * size, (rows[k] + 1) * size), k * size);
    images = copy;
  } else {
    images = storeView(ds.images, size, rows);
  }
  // The view keeps its place in the source: row k of the view is the source's row of sample rows[k].
  const o = ds.origin;
  const origin = o && { key: o.key, count: o.count, rows: o.rows ? rows.map((r) => o.rows![r]) : rows };
  return { images, labels, count: indices.length, shape: ds.shape, classes: ds.classes, ...(files ? { files } : {}), ...(origin ? { origin } : {}) };
}

/**
 * Seeded shuffle, then the last `fraction` becomes the validation set. With 0 < fraction and at least two
 * samples, both sides get at least one sample.
 */
export function splitDataset(ds: Dataset, fraction: number, rng: Rng): { train: Dataset; validation: Dataset } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validation split must be in [0, 1), got ${fraction}`);
  const order = new Int32Array(ds.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  let nVal = Math.round(ds.count * fraction);
  if (fraction > 0 && ds.count >= 2) nVal = Math.min(Math.max(nVal, 1), ds.count - 1);
  const cut = ds.count - nVal;
  return { train: subset(ds, order.subarray(0, cut)), validation: subset(ds, order.subarray(cut)) };
}

