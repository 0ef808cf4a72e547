// NHWC patch extraction for convolution: one row per output position, kh·kw·c columns in the order of a
// Keras kernel [kh, kw, inC, outC], so conv = im2col · kernel as a plain GEMM. Out-of-image taps are zeros.
import type { Window2d } from '../../model/geometry';

/** cols[outH·outW × kh·kw·c] ← patches of one sample x[xOff … xOff + inH·inW·c). */
export function im2col(x: Float32Array, xOff: number, g: Window2d, c: number, cols: Float32Array): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const rowStride = inW * c;
  const kwc = kw * c;
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sh - padTop;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sw - padLeft;
      for (let ky = 0; ky < kh; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= inH) {
          cols.fill(0, o, o + kwc);
          o += kwc;
          continue;
        }
        const row = xOff + iy * rowStride;
        for (let kx = 0; kx < kw; kx++) {
          const ix = x0 + kx * dw;
          if (ix < 0 || ix >= inW) {
            cols.fill(0, o, o + c);
            o += c;
            continue;
          }
          const src = row + ix * c;
          for (let ch = 0; ch < c; ch++) cols[o + ch] = x[src + ch]!;
          o += c;
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[dxOff …] += every patch row scattered back (dx is not cleared). */
export function col2im(cols: Float32Array, g: Window2d, c: number, dx: Float32Array, dxOff: number): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const rowStride = inW * c;
  const kwc = kw * c;
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sh - padTop;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sw - padLeft;
      for (let ky = 0; ky < kh; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= inH) {
          o += kwc;
          continue;
        }
        const row = dxOff + iy * rowStride;
        for (let kx = 0; kx < kw; kx++) {
          const ix = x0 + kx * dw;
          if (ix >= 0 && ix < inW) {
            const dst = row + ix * c;
            for (let ch = 0; ch < c; ch++) dx[dst + ch] += cols[o + ch]!;
          }
          o += c;
        }
      }
    }
  }
}
