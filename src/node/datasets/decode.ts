// Image formats by magic bytes, and the JavaScript PNG/JPEG decoders (the fallback of nativeDecoder.ts), with size
// limits checked before the decoders allocate anything.
import { extname } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { FileError, readRegularFile } from '../files';
import type { FitPlan } from '../../model/resize';
import { fitImage } from './fit';
import { checkChannels, rgbaToChannels } from './pixels';

/** Larger images are refused: a lying header must not make us allocate gigabytes. */
export const MAX_IMAGE_MEGAPIXELS = 40;
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes. */
  readonly data: Uint8Array;
}

/** Why a file was skipped: `notImage` for files that are not images at all, `unreadable` for broken/unsupported ones. */
export class ImageSkip extends Error {
  constructor(
    readonly kind: 'notImage' | 'unreadable',
    reason: string,
    /** The file could not be read (permissions, vanished): not the file's content, so not worth caching. */
    readonly io = false,
  ) {
    super(reason);
  }
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (b: Uint8Array, sig: readonly number[]): boolean => sig.every((v, i) => b[i] === v);
const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** Other image formats we recognise only to give a helpful reason. */
function otherFormat(b: Uint8Array): string | undefined {
  if (ascii(b, 0, 4) === 'GIF8') return 'GIF';
  if (ascii(b, 0, 2) === 'BM') return 'BMP';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'TIFF';
  return undefined;
}

function tooLarge(w: number, h: number): boolean {
  return w * h > MAX_IMAGE_MEGAPIXELS * 1e6;
}

export type ImageFormat = 'PNG' | 'JPEG' | 'WebP';

/** The format by magic bytes, or ImageSkip: `notImage` for what is no image at all, `unreadable` for an image we
 *  cannot read (another format, a PNG/JPEG name on other bytes). `fileName` only picks the wording. */
export function sniffFormat(bytes: Uint8Array, fileName: string): ImageFormat {
  if (startsWith(bytes, PNG_SIG)) return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'WebP';
  const other = otherFormat(bytes);
  if (other) throw new ImageSkip('unreadable', `${other} is not supported, only PNG, JPEG and WebP`);
  const ext = extname(fileName).toLowerCase();
  if (ext === '.png') throw new ImageSkip('unreadable', 'invalid PNG signature');
  if (ext === '.jpg' || ext === '.jpeg') throw new ImageSkip('unreadable', 'invalid JPEG signature');
  if (ext === '.webp') throw new ImageSkip('unreadable', 'invalid WebP signature');
  throw new ImageSkip('notImage', 'not a PNG, JPEG or WebP file');
}

/** Decode PNG or JPEG bytes to RGBA with the JavaScript decoders (pngjs, jpeg-js): the fallback where the native
 *  decoder is unavailable; throws ImageSkip with a short reason. `fileName` only picks the wording. */
export function decodeImage(bytes: Uint8Array, fileName: string): RgbaImage {
  const format = sniffFormat(bytes, fileName);
  if (format === 'PNG') {
    // IHDR is always the first chunk: check the size before pngjs allocates the pixel buffer.
    if (bytes.length >= 24 && ascii(bytes, 12, 16) === 'IHDR') {
      const v = new DataView(bytes.buffer, bytes.byteOffset, 24);
      const w = v.getUint32(16), h = v.getUint32(20);
      if (tooLarge(w, h)) throw new ImageSkip('unreadable', `PNG too large (${w}×${h})`);
    }
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      return { width: png.width, height: png.height, data: png.data };
    } catch (e) {
      throw new ImageSkip('unreadable', `invalid PNG: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (format === 'JPEG') {
    try {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_MEGAPIXELS,
        maxMemoryUsageInMB: 256,
      });
      if (!(img.width > 0 && img.height > 0)) throw new Error('no image data');
      return img;
    } catch (e) {
      throw new ImageSkip('unreadable', `invalid JPEG: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new ImageSkip('unreadable', 'WebP needs the native decoder (sharp), which is not available here');
}

/** How image files are read: regular files only, and not worth reading when huge (sniffing a few bytes
 *  would still leave a huge decode). */
export function readImageBytes(path: string): Promise<Uint8Array> {
  return readRegularFile(path, { maxBytes: MAX_IMAGE_FILE_BYTES, what: 'an image' });
}

/** Read and decode a file, turning I/O problems into ImageSkip too (with the reason, not the name). */
export async function readImage(path: string): Promise<RgbaImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readImageBytes(path);
  } catch (e) {
    throw new ImageSkip('unreadable', e instanceof FileError ? e.reason : e instanceof Error ? e.message : String(e), true);
  }
  return decodeImage(bytes, path);
}

/** RGBA image → model input: channels converted, then fitted to height × width by the plan (model/resize.ts). */
export function toModelInput(img: RgbaImage, shape: readonly [number, number, number], plan: FitPlan): Float32Array {
  const [h, w, c] = shape;
  checkChannels(c);
  const pixels = rgbaToChannels(img.data, img.width * img.height, c);
  return fitImage(pixels, img.height, img.width, c, h, w, plan);
}
