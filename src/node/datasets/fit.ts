// Fitting a decoded image to the model input by its resize policy (src/model/resize.ts' plan): resize, then crop
// or pad with 0. The float form serves the JavaScript decoders and IDX data; the byte form crops or pads what the
// native decoder already resized, without a round trip through floats.
import type { FitPlan } from '../../model/resize';
import { resizeImage, resizeWindow } from './pixels';

/** The rows and columns of the resized image that lie inside the input. */
function overlap(plan: FitPlan, dstH: number, dstW: number): { y0: number; y1: number; x0: number; x1: number } {
  return {
    y0: Math.max(0, plan.top),
    y1: Math.min(dstH, plan.top + plan.height),
    x0: Math.max(0, plan.left),
    x1: Math.min(dstW, plan.left + plan.width),
  };
}

/** An HWC float image fitted to dstH × dstW: resized to the plan's size (only the part inside the input is
 *  computed), placed at its offset, 0 elsewhere. */
export function fitImage(src: Float32Array, srcH: number, srcW: number, channels: number, dstH: number, dstW: number, plan: FitPlan): Float32Array {
  if (plan.height === dstH && plan.width === dstW && plan.top === 0 && plan.left === 0) return resizeImage(src, srcH, srcW, channels, dstH, dstW);
  const { y0, y1, x0, x1 } = overlap(plan, dstH, dstW);
  const part = resizeWindow(src, srcH, srcW, channels, {
    height: plan.height,
    width: plan.width,
    top: y0 - plan.top,
    left: x0 - plan.left,
    rows: y1 - y0,
    cols: x1 - x0,
  });
  if (y1 - y0 === dstH && x1 - x0 === dstW) return part;
  const out = new Float32Array(dstH * dstW * channels);
  const rowLen = (x1 - x0) * channels;
  for (let y = y0; y < y1; y++) out.set(part.subarray((y - y0) * rowLen, (y - y0 + 1) * rowLen), (y * dstW + x0) * channels);
  return out;
}

/** An HWC byte image already resized to the plan's size, cropped or padded (0) to dstH × dstW. */
export function fitResized(src: Uint8Array, channels: number, dstH: number, dstW: number, plan: FitPlan): Uint8Array {
  if (plan.height === dstH && plan.width === dstW && plan.top === 0 && plan.left === 0) return src;
  const { y0, y1, x0, x1 } = overlap(plan, dstH, dstW);
  const out = new Uint8Array(dstH * dstW * channels);
  const rowLen = (x1 - x0) * channels;
  for (let y = y0; y < y1; y++) {
    const from = ((y - plan.top) * plan.width + (x0 - plan.left)) * channels;
    out.set(src.subarray(from, from + rowLen), (y * dstW + x0) * channels);
  }
  return out;
}
