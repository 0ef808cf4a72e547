// One image file → one uint8 sample at the model's input size: what the dataset cache stores and what predict and
// explain feed the network (divided by 255), so every path sees the same pixels. Native decoder when available,
// else the JavaScript one (slower, PNG/JPEG only).
import { FileError } from '../files';
import { decodeImage, ImageSkip, MAX_IMAGE_MEGAPIXELS, readImageBytes, sniffFormat, toModelInput } from './decode';
import { nativeDecoder } from './nativeDecoder';
import { checkChannels, rgbaToSample, toBytes } from './pixels';

/** [height, width, channels] of the model input. */
export type SampleShape = readonly [number, number, number];

/** How the image is fitted to the input: only stretching so far (the resize policy of issue 19, point 4, comes later
 *  and will add its values here; it is already part of the cache key). */
export type ResizePolicy = 'stretch';
export const DEFAULT_RESIZE_POLICY: ResizePolicy = 'stretch';

export interface SampleDecoder {
  /** Which decoder makes the pixels (part of the cache key). */
  readonly id: string;
  /** Why the native decoder is not used, when it is not. */
  readonly fallbackReason?: string;
  /** Throws ImageSkip with a reason (not naming the file) for what cannot be read. */
  decode(path: string, shape: SampleShape): Promise<Uint8Array>;
  /** The same for bytes already read; `name` only picks the wording. */
  decodeBytes(bytes: Uint8Array, name: string, shape: SampleShape): Promise<Uint8Array>;
}

const MAX_PIXELS = MAX_IMAGE_MEGAPIXELS * 1e6;
const JS_DECODER_ID = 'jpeg-js+pngjs 1';

let chosen: SampleDecoder | undefined;

export function sampleDecoder(): SampleDecoder {
  if (chosen) return chosen;
  const { decoder: native, reason } = nativeDecoder();
  const decodeBytes: SampleDecoder['decodeBytes'] = native
    ? async (bytes, name, shape) => {
        const [h, w, c] = shape;
        checkChannels(c);
        const format = sniffFormat(bytes, name);
        let rgba: { data: Uint8Array; width: number; height: number };
        try {
          rgba = await native.decodeRgba(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), w, h, MAX_PIXELS);
        } catch (e) {
          throw new ImageSkip('unreadable', nativeReason(format, e));
        }
        if (rgba.width === w && rgba.height === h) return rgbaToSample(rgba.data, h * w, c);
        // Smaller than the input on some axis: enlarged here (small images, so cheap).
        return toBytes(toModelInput(rgba, shape));
      }
    : async (bytes, name, shape) => toBytes(toModelInput(decodeImage(bytes, name), shape));
  chosen = {
    id: native ? native.id : JS_DECODER_ID,
    ...(native ? {} : { fallbackReason: reason }),
    decodeBytes,
    decode: async (path, shape) => decodeBytes(await readBytes(path), path, shape),
  };
  return chosen;
}

/** I/O problems as ImageSkip too (the reason without the name). */
async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readImageBytes(path);
  } catch (e) {
    throw new ImageSkip('unreadable', e instanceof FileError ? e.reason : e instanceof Error ? e.message : String(e), true);
  }
}

/** libvips' message, first line only, in our words where we know it. */
function nativeReason(format: string, e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
  if (/pixel limit/i.test(text)) return `${format} too large: more than ${MAX_IMAGE_MEGAPIXELS} megapixels (a decompression bomb?)`;
  return `invalid ${format}: ${text.replace(/^Input (file|buffer) (has|contains) /i, '')}`;
}

/** The sample as model input values in [0, 1]. */
export function sampleToFloats(sample: Uint8Array): Float32Array {
  const out = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) out[i] = sample[i] / 255;
  return out;
}
