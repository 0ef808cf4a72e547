// The native image decoder: sharp (libvips with libjpeg-turbo/mozjpeg, libpng, libwebp), loaded on first use.
// It decodes on libuv's thread pool, so many images decode in parallel while the calling thread only waits, and
// it shrinks JPEGs while decoding (DCT scaling) when the model input is much smaller than the photo.
// When the platform has no prebuilt sharp, `nativeDecoder()` says why and the JavaScript decoders take over.
import { availableParallelism } from 'node:os';

/** The part of sharp's API we use (its own types would tie this file's signatures to its package). */
interface SharpPipeline {
  rotate(): SharpPipeline;
  resize(width: number, height: number, options: { fit: 'fill'; kernel: 'linear'; withoutEnlargement: boolean }): SharpPipeline;
  toColourspace(space: 'srgb'): SharpPipeline;
  ensureAlpha(): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
  metadata(): Promise<SharpMetadata>;
}
interface SharpMetadata {
  readonly width?: number;
  readonly height?: number;
  readonly orientation?: number;
  /** The size with EXIF orientation applied (sharp ≥ 0.34). */
  readonly autoOrient?: { readonly width: number; readonly height: number };
}
interface SharpModule {
  (input: Buffer, options: { limitInputPixels: number | false; failOn: 'error'; sequentialRead: boolean }): SharpPipeline;
  concurrency(threads: number): number;
  cache(enabled: boolean): unknown;
  versions: Readonly<Record<string, string | undefined>>;
}

export interface NativeDecoder {
  /** "sharp 0.35.6 (libvips 8.18.8)": goes into the cache key, so pixels of another decoder are never mixed in. */
  readonly id: string;
  /** RGBA bytes, EXIF orientation applied, any colour space converted to 8-bit sRGB (gray, CMYK, 16-bit, palette),
   *  shrunk to at most width × height per axis with an antialiased linear filter (PIL's and torchvision's
   *  bilinear resize). An axis shorter than asked is left as it is: libvips enlarges with a half-pixel shift, so
   *  enlarging is left to pixels.ts' resizeImage (half-pixel centres). */
  decodeRgba(bytes: Buffer, width: number, height: number, maxPixels: number): Promise<{ data: Uint8Array; width: number; height: number }>;
  /** The image's width and height as decodeRgba sees it (EXIF orientation applied), from its header only: what a
   *  resize policy other than stretch needs before it can say what to resize to. */
  imageSize(bytes: Buffer): Promise<{ width: number; height: number }>;
}

let loaded: { decoder?: NativeDecoder; reason?: string } | undefined;

/** The native decoder, or a reason it is unavailable (then the JavaScript decoders are used). */
export function nativeDecoder(): { decoder?: NativeDecoder; reason?: string } {
  if (loaded) return loaded;
  if (process.env.CNN_STUDIO_DECODER === 'js') return (loaded = { reason: 'CNN_STUDIO_DECODER=js' });
  try {
    // A plain require: esbuild leaves `sharp` external (esbuild.mjs), so its native binary loads from node_modules.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sharp = require('sharp') as SharpModule;
    // One libvips thread per image: parallelism comes from decoding several images at once (decodeParallelism).
    sharp.concurrency(1);
    // libvips' operation cache keeps recent images; a data set is decoded once, so it would only hold memory.
    sharp.cache(false);
    const id = `sharp ${sharp.versions.sharp ?? '?'} (libvips ${sharp.versions.vips ?? '?'})`;
    const decoder: NativeDecoder = {
      id,
      async decodeRgba(bytes, width, height, maxPixels) {
        const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', sequentialRead: true })
          .rotate()
          .resize(width, height, { fit: 'fill', kernel: 'linear', withoutEnlargement: true })
          .toColourspace('srgb')
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        if (info.width > width || info.height > height || info.channels !== 4) {
          throw new Error(`decoder returned ${info.width}×${info.height}×${info.channels}, expected at most ${width}×${height}×4`);
        }
        return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
      },
      async imageSize(bytes) {
        const m = await sharp(bytes, { limitInputPixels: false, failOn: 'error', sequentialRead: true }).metadata();
        if (m.autoOrient) return { width: m.autoOrient.width, height: m.autoOrient.height };
        if (!m.width || !m.height) throw new Error('the image has no size');
        // EXIF orientations 5–8 turn the image by a quarter: width and height swap.
        return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
      },
    };
    return (loaded = { decoder });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return (loaded = { reason: `sharp is not available on ${process.platform}-${process.arch}: ${first}` });
  }
}

/**
 * Loads sharp's shared libraries on this (main) thread. sharp's documentation asks for this before worker threads
 * that use it start on glibc Linux: a worker that loaded it alone would unload libvips when it ends, under threads
 * that still run. Only loads the library; nothing is decoded here.
 */
export function preloadNativeDecoder(): void {
  nativeDecoder();
}

/** Images decoded at once: twice libuv's pool (4 threads unless UV_THREADPOOL_SIZE says otherwise; the CLI sets it
 *  to the cores), so the pool never waits while this thread stores results. */
export function decodeParallelism(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(2, Math.min(64, 2 * pool));
}

/** UV_THREADPOOL_SIZE for a process of our own (the CLI): every core, at least libuv's default 4. Read by libuv
 *  when the pool starts (its first use), so it must be set before any file is read. */
export function threadPoolSizeForCores(): string {
  return String(Math.max(4, Math.min(64, availableParallelism())));
}
