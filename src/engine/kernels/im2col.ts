// NHWC patch extraction for convolution: one row per output position, kh·kw·c columns in the order of a
// Keras kernel [kh, kw, inC, outC], so conv = im2col · kernel as a plain GEMM. Out-of-image taps are zeros.
// With unit horizontal dilation the kw·c values of one kernel row are contiguous in x, so each in-image
// kernel row is one straight copy (and one straight add in col2im).
import type { Window2d } from '../../model/geometry';

/** cols[colsOff …][batch·outH·outW × kh·kw·c] ← patches of `batch` samples x[xOff …], one matrix for one GEMM. */
export function im2col(x: Float32Array, xOff: number, g: Window2d, c: number, cols: Float32Array, colsOff = 0, batch = 1): void {
  const inSize = g.inH * g.inW * c;
  const colSize = g.outH * g.outW * g.kh * g.kw * c;
  for (let s = 0; s < batch; s++) im2colOne(x, xOff + s * inSize, g, c, cols, colsOff + s * colSize);
}

function im2colOne(x: Float32Array, xOff: number, g: Window2d, c: number, cols: Float32Array, colsOff: number): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const rowStride = inW * c;
  const kwc = kw * c;
  let o = colsOff;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sh - padTop;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sw - padLeft;
      // Kernel columns [kx0, kx1) fall inside the image; contiguous when dw = 1.
      const inside = dw === 1 && x0 >= 0 && x0 + kw <= inW;
      for (let ky = 0; ky < kh; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= inH) {
          cols.fill(0, o, o + kwc);
          o += kwc;
          continue;
        }
        const row = xOff + iy * rowStride;
        if (inside) {
          const src = row + x0 * c;
          for (let t = 0; t < kwc; t++) cols[o + t] = x[src + t]!;
          o += kwc;
          continue;
        }
        for (let kx = 0; kx < kw; kx++) {
          const ix = x0 + kx * dw;
          if (ix < 0 || ix >= inW) {
            for (let ch = 0; ch < c; ch++) cols[o + ch] = 0;
          } else {
            const src = row + ix * c;
            for (let ch = 0; ch < c; ch++) cols[o + ch] = x[src + ch]!;
          }
          o += c;
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[dxOff …] += every patch row of `batch` samples scattered back (dx is not cleared). */
export function col2im(cols: Float32Array, g: Window2d, c: number, dx: Float32Array, dxOff: number, colsOff = 0, batch = 1): void {
  const inSize = g.inH * g.inW * c;
  const colSize = g.outH * g.outW * g.kh * g.kw * c;
  for (let s = 0; s < batch; s++) col2imOne(cols, colsOff + s * colSize, g, c, dx, dxOff + s * inSize);
}

function col2imOne(cols: Float32Array, colsOff: number, g: Window2d, c: number, dx: Float32Array, dxOff: number): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const rowStride = inW * c;
  const kwc = kw * c;
  let o = colsOff;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sh - padTop;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sw - padLeft;
      const inside = dw === 1 && x0 >= 0 && x0 + kw <= inW;
      for (let ky = 0; ky < kh; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= inH) {
          o += kwc;
          continue;
        }
        const row = dxOff + iy * rowStride;
        if (inside) {
          const dst = row + x0 * c;
          for (let t = 0; t < kwc; t++) dx[dst + t] += cols[o + t]!;
          o += kwc;
          continue;
        }
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
