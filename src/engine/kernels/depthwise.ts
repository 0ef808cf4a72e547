// Depthwise convolution, NHWC: output channel ch·mult + m sees only input channel ch, through kernel
// w[ky, kx, ch, m] (Keras layout [kh, kw, inC, mult]). The inner loops run over contiguous channels.
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
import { biasActivationForward } from './elementwise';

/** What depthwiseForward applies to its output in place: y += bias, then y ← act(y) (not softmax). */
export interface DepthwiseEpilogue {
  readonly act: ActivationName;
  readonly bias?: Float32Array;
  readonly alpha: number;
}

/** y[batch, outH, outW, c·mult] = depthwise(x[batch, inH, inW, c], w), overwritten; then the epilogue, if any. */
export function depthwiseForward(
  x: Float32Array, w: Float32Array, y: Float32Array, batch: number, g: Window2d, c: number, mult: number, epilogue?: DepthwiseEpilogue,
): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const oc = c * mult;
  y.fill(0, 0, batch * outH * outW * oc);
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const yb = ((n * outH + oy) * outW + ox) * oc;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xb = xn + (iy * inW + ix) * c;
            const wb = (ky * kw + kx) * oc;
            for (let ch = 0; ch < c; ch++) {
              const xv = x[xb + ch]!;
              const o = ch * mult;
              for (let m = 0; m < mult; m++) y[yb + o + m] += xv * w[wb + o + m]!;
            }
          }
        }
      }
    }
  }
  if (epilogue) {
    if (epilogue.act === 'softmax') throw new RangeError('depthwiseForward: softmax is not an epilogue');
    biasActivationForward(epilogue.act, y, epilogue.bias, y, batch * outH * outW, oc, epilogue.alpha);
  }
}

/** dx ← dL/dx (overwritten); dw += dL/dw. */
export function depthwiseBackward(
  x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array,
  batch: number, g: Window2d, c: number, mult: number,
): void {
  backwardLoops(x, w, dy, dx, dw, batch, g, c, mult);
}

/** dx alone (a frozen kernel: no dKernel). */
export function depthwiseInputBackward(
  w: Float32Array, dy: Float32Array, dx: Float32Array, batch: number, g: Window2d, c: number, mult: number,
): void {
  backwardLoops(undefined, w, dy, dx, undefined, batch, g, c, mult);
}

/** The backward window walk; the kernel gradient only when `x` and `dw` are given. */
function backwardLoops(
  x: Float32Array | undefined, w: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array | undefined,
  batch: number, g: Window2d, c: number, mult: number,
): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw: dilW, padTop, padLeft, outH, outW } = g;
  const oc = c * mult;
  dx.fill(0, 0, batch * inH * inW * c);
  for (let n = 0; n < batch; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const yb = ((n * outH + oy) * outW + ox) * oc;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dilW;
            if (ix < 0 || ix >= inW) continue;
            const xb = xn + (iy * inW + ix) * c;
            const wb = (ky * kw + kx) * oc;
            for (let ch = 0; ch < c; ch++) {
              const o = ch * mult;
              let acc = 0;
              if (x && dw) {
                const xv = x[xb + ch]!;
                for (let m = 0; m < mult; m++) {
                  const gy = dy[yb + o + m]!;
                  acc += gy * w[wb + o + m]!;
                  dw[wb + o + m] += gy * xv;
                }
              } else {
                for (let m = 0; m < mult; m++) acc += dy[yb + o + m]! * w[wb + o + m]!;
              }
              dx[xb + ch] += acc;
            }
          }
        }
      }
    }
  }
}
