// MNIST / Fashion-MNIST IDX files, plain or gzipped. Every header field is checked against the real byte
// count before anything is allocated, so a corrupt or lying file gives an Error naming it, never a crash.
import { gunzipSync } from 'node:zlib';
import type { Dataset } from '../../engine/dataset';
import { formatBytes } from '../../model/format';
import { FileError, openRegularFile, readRest } from '../files';


/** Largest decompressed IDX we accept (EMNIST "byclass" is ~550 MB); bounds gzip bombs too. */
export const MAX_IDX_BYTES = 1 << 30;
const UBYTE = 0x08;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double',
};

export interface IdxArray {
  readonly dims: readonly number[];
  /** Row-major values, exactly product(dims) bytes. */
  readonly data: Uint8Array;
}

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Parse the header; returns dims and header length, or throws naming `name`. */
function parseHeader(head: Uint8Array, totalBytes: number, name: string): { dims: number[]; offset: number } {
  if (totalBytes < 4) throw new Error(`${name}: file is empty or too short to be an IDX file (${totalBytes} bytes)`);
  if (head[0] !== 0 || head[1] !== 0) {
    const magic = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
    throw new Error(`${name}: not an IDX file (magic 0x${magic}; expected 0x00000801 for labels or 0x00000803 for images)`);
  }
  const type = head[2];
  const ndims = head[3];
  if (type !== UBYTE) {
    const what = TYPE_NAMES[type] ?? 'unknown';
    throw new Error(`${name}: IDX data type 0x${type.toString(16).padStart(2, '0')} (${what}) is not supported; only unsigned bytes (0x08)`);
  }
  if (ndims < 1 || ndims > 4) throw new Error(`${name}: IDX files with ${ndims} dimensions are not supported (1 to 4)`);
  const offset = 4 + 4 * ndims;
  if (totalBytes < offset) throw new Error(`${name}: truncated IDX header (${totalBytes} bytes, need ${offset})`);
  const view = new DataView(head.buffer, head.byteOffset, offset);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d; // stays exact: 4 × 32-bit dims only overflows 2^53 far above any size we accept below
  }
  const expected = offset + size;
  if (expected !== totalBytes) {
    const how = expected > totalBytes ? 'truncated' : 'has trailing bytes';
    throw new Error(`${name}: ${how}: header says ${dims.join('×')} (${expected} bytes) but the file holds ${totalBytes} bytes`);
  }
  if (size === 0) throw new Error(`${name}: IDX file has no data (dimensions ${dims.join('×')})`);
  return { dims, offset };
}

/** Read one IDX file (gzip detected by magic bytes, not by extension). `name` is used in error messages. */
export async function readIdxFile(path: string, name: string = path): Promise<IdxArray> {
  // One limit for the file and for what a gzip expands to: MNIST's largest file is 47 MB plain, 9.9 MB gzipped.
  const options = { maxBytes: MAX_IDX_BYTES, what: 'an IDX file', name };
  let bytes: Uint8Array;
  try {
    const { handle, size } = await openRegularFile(path, options);
    try {
      const head = new Uint8Array(20);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      if (isGzip(head.subarray(0, bytesRead))) {
        bytes = gunzipIdx(await readRest(handle, size, 0, options), name);
      } else {
        // Check the header against the file size before reading it all, so a huge wrong file isn't loaded.
        parseHeader(head.subarray(0, bytesRead), size, name);
        bytes = await readRest(handle, size, 0, options);
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  } catch (e) {
    if (e instanceof FileError) throw new Error(e.message);
    throw e;
  }
  const { dims, offset } = parseHeader(bytes, bytes.length, name);
  return { dims, data: bytes.subarray(offset) };
}

/**
 * Synchronous on purpose: a worker thread terminated (training stopped) while an asynchronous zlib stream is still
 * initialising aborts the whole process in Node 20 ("close before init", node_zlib.cc), which in VS Code is the
 * extension host. An IDX file inflates in well under a second, on the worker's own thread.
 */
function gunzipIdx(compressed: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(compressed, { maxOutputLength: MAX_IDX_BYTES });
  } catch (e) {
    const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    const msg = tooLarge ? `expands to more than the ${formatBytes(MAX_IDX_BYTES)} an IDX file may have` : errorText(e);
    throw new Error(`${name}: corrupt or truncated gzip data: ${msg}`);
  }
}

export interface IdxPairOptions {
  /** Keep only the first N samples. */
  readonly limit?: number;
  /** Names for error messages (default: the paths). */
  readonly imagesName?: string;
  readonly labelsName?: string;
}

/** An images + labels IDX pair as a Dataset: pixels in [0, 1], classes "0" … max label (over the whole file). */
export async function readIdxPair(imagesPath: string, labelsPath: string, options: IdxPairOptions = {}): Promise<Dataset & { readonly images: Float32Array }> {
  const imagesName = options.imagesName ?? imagesPath;
  const labelsName = options.labelsName ?? labelsPath;
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, imagesName), readIdxFile(labelsPath, labelsName)]);
  if (labels.dims.length !== 1) {
    const hint = images.dims.length === 1 ? ' (are images and labels swapped?)' : '';
    throw new Error(`${labelsName}: expected a 1-D labels file, got ${labels.dims.length}-D (${labels.dims.join('×')})${hint}`);
  }
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new Error(`${imagesName}: expected 3-D images (count×height×width) or 4-D (count×height×width×channels), got ${images.dims.join('×')}`);
  }
  const [n, h, w] = images.dims;
  const c = images.dims[3] ?? 1;
  if (labels.dims[0] !== n) {
    throw new Error(`${imagesName} has ${n} images but ${labelsName} has ${labels.dims[0]} labels`);
  }
  let maxLabel = 0;
  for (let i = 0; i < n; i++) if (labels.data[i] > maxLabel) maxLabel = labels.data[i];
  const count = options.limit !== undefined ? Math.max(0, Math.min(n, Math.floor(options.limit))) : n;
  const pixels = new Float32Array(count * h * w * c);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return {
    images: pixels,
    labels: Int32Array.from(labels.data.subarray(0, count)),
    count,
    shape: [h, w, c],
    classes: Array.from({ length: maxLabel + 1 }, (_, i) => String(i)),
  };
}
