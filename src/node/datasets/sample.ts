// One image file → one uint8 sample at the model's input size, fitted by the model's resize policy: what the
// dataset cache stores and what predict and explain feed the network (divided by 255), so every path sees the same
// pixels. Native decoder when available, else the JavaScript one (slower, PNG/JPEG only).
import { INPUT_DEFAULTS } from '../../model/defaults';
import { fitPlan, type FitPlan } from '../../model/resize';
import type { ResizePolicy } from '../../model/types';
import { FileError } from '../files';
import { decodeImage, ImageSkip, MAX_IMAGE_MEGAPIXELS, readImageBytes, sniffFormat, toModelInput } from './decode';
import { fitResized } from './fit';
import { nativeDecoder, type NativeDecoder } from './nativeDecoder';
import { checkChannels, rgbaToSample, toBytes } from './pixels';

/** [height, width, channels] of the model input. */
export type SampleShape = readonly [number, number, number];

export type { ResizePolicy } from '../../model/types';
/** Stretch, as every model without "input.resize" (model/defaults.ts). */
export const DEFAULT_RESIZE_POLICY: ResizePolicy = INPUT_DEFAULTS.resize;

export interface SampleDecoder {
  /** Which decoder makes the pixels (part of the cache key). */
  readonly id: string;
  /** Why the native decoder is not used, when it is not. */
  readonly fallbackReason?: string;
  /** Throws ImageSkip with a reason (not naming the file) for what cannot be read. */
  decode(path: string, shape: SampleShape, policy: ResizePolicy): Promise<Uint8Array>;
  /** The same for bytes already read; `name` only picks the wording. */
  decodeBytes(bytes: Uint8Array, name: string, shape: SampleShape, policy: ResizePolicy): Promise<Uint8Array>;
}

const MAX_PIXELS = MAX_IMAGE_MEGAPIXELS * 1e6;
const JS_DECODER_ID = 'jpeg-js+pngjs 1';

let chosen: SampleDecoder | undefined;

/** The decoder of this process: the native one when sharp loads, else the JavaScript one. */
export function sampleDecoder(): SampleDecoder {
  if (chosen) return chosen;
  const { decoder, reason } = nativeDecoder();
  return (chosen = makeSampleDecoder(decoder, reason));
}

/** A decoder over `native`, or the JavaScript one without it (the tests compare the two). */
export function makeSampleDecoder(native: NativeDecoder | undefined, reason = 'no native decoder'): SampleDecoder {
  const decodeBytes: SampleDecoder['decodeBytes'] = native
    ? async (bytes, name, shape, policy) => {
        const [h, w, c] = shape;
        checkChannels(c);
        const format = sniffFormat(bytes, name);
        const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
        let rgba: { data: Uint8Array; width: number; height: number };
        let plan: FitPlan;
        try {
          // Stretching needs no size; the other policies resize to the plan's size, then crop or pad.
          const size = policy === 'stretch' ? { height: h, width: w } : await native.imageSize(buffer);
          plan = fitPlan(size.height, size.width, h, w, policy);
          rgba = await native.decodeRgba(buffer, plan.width, plan.height, MAX_PIXELS);
        } catch (e) {
          throw new ImageSkip('unreadable', nativeReason(format, e));
        }
        if (rgba.width === plan.width && rgba.height === plan.height) return fitResized(rgbaToSample(rgba.data, plan.height * plan.width, c), c, h, w, plan);
        // Smaller than the plan on some axis: enlarged here, to the original's plan (only the part inside the input).
        return toBytes(toModelInput(rgba, shape, plan));
      }
    : async (bytes, name, shape, policy) => {
        const img = decodeImage(bytes, name);
        return toBytes(toModelInput(img, shape, fitPlan(img.height, img.width, shape[0], shape[1], policy)));
      };
  return {
    id: native ? native.id : JS_DECODER_ID,
    ...(native ? {} : { fallbackReason: reason }),
    decodeBytes,
    decode: async (path, shape, policy) => decodeBytes(await readBytes(path), path, shape, policy),
  };
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
