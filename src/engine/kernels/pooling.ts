// Max and average pooling, NHWC, over Window2d geometry. Max records the winning input index for backward;
// average divides by the number of in-image taps (padding is not counted, as in Keras/TF), or with countPad by the
// taps in the padded input (PyTorch's count_include_pad).
import { countedTaps, type Window2d } from '../../model/geometry';

/** Offsets (into one sample, in units of channels-rows) of the current window's in-image taps. */
let taps = new Int32Array(16);

/** y[batch, outH, outW, c] ← window maxima; argmax[i] = flat index into x of y[i]'s winner (no argmax: the maxima alone). */
export function maxPoolForward(
  x: Float32Array, y: Float32Array, argmax: Int32Array | undefined, batch: number, g: Window2d, c: number,
): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  if (taps.length < kh * kw) taps = new Int32Array(kh * kw);
  const t = taps;
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        let nt = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix >= 0 && ix < inW) t[nt++] = xn + (iy * inW + ix) * c;
          }
        }
        const yb = ((n * outH + oy) * outW + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let q = 0; q < nt; q++) {
            const i = t[q]! + ch;
            const v = x[i]!;
            // First maximum wins ties; `!(v <= …)` also lets a NaN through, as TF propagates it.
            if (at < 0 || !(v <= best)) {
              best = v;
              at = i;
            }
          }
          y[yb + ch] = best;
          if (argmax) argmax[yb + ch] = at;
        }
      }
    }
  }
}

/** dx ← 0, then each dy routed to its window's winner. */
export function maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array, batch: number, g: Window2d, c: number): void {
  const inSize = batch * g.inH * g.inW * c, outSize = batch * g.outH * g.outW * c;
  dx.fill(0, 0, inSize);
  for (let i = 0; i < outSize; i++) {
    const j = argmax[i]!;
    if (j >= 0) dx[j] += dy[i]!;
  }
}

/** y[batch, outH, outW, c] ← sum of the in-image taps of each window over their count (countPad: over the count of
 *  its taps in the padded input). */
export function avgPoolForward(x: Float32Array, y: Float32Array, batch: number, g: Window2d, c: number, countPad = false): void {
  avgPool(x, y, batch, g, c, false, countPad);
}

/** dx ← 0, then each dy spread over its window's in-image taps, divided as forward divides. */
export function avgPoolBackward(dy: Float32Array, dx: Float32Array, batch: number, g: Window2d, c: number, countPad = false): void {
  dx.fill(0, 0, batch * g.inH * g.inW * c);
  avgPool(dy, dx, batch, g, c, true, countPad);
}

// Forward and backward walk the same windows; `back` swaps the direction of the copy.
function avgPool(src: Float32Array, dst: Float32Array, batch: number, g: Window2d, c: number, back: boolean, countPad: boolean): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, outH, outW } = g;
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      const rows = countedTaps(y0, kh, dh, inH, padTop, padBottom, countPad);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const cols = countedTaps(x0, kw, dw, inW, padLeft, padRight, countPad);
        const inv = rows * cols > 0 ? 1 / (rows * cols) : 0;
        const yb = ((n * outH + oy) * outW + ox) * c;
        if (!back) dst.fill(0, yb, yb + c);
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xb = xn + (iy * inW + ix) * c;
            if (back) for (let ch = 0; ch < c; ch++) dst[xb + ch] += src[yb + ch]! * inv;
            else for (let ch = 0; ch < c; ch++) dst[yb + ch] += src[xb + ch]!;
          }
        }
        if (!back) for (let ch = 0; ch < c; ch++) dst[yb + ch] *= inv;
      }
    }
  }
}
