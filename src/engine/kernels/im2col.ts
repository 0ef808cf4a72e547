// NHWC patch extraction for convolution: one row per output position, kh·kw·c columns in the order of a
// Keras kernel [kh, kw, inC, outC], so conv = im2col · kernel as a plain GEMM. Out-of-image taps are zeros.
// With unit horizontal dilation the kw·c values of one kernel row are contiguous in x, so each in-image
// kernel row is one straight copy (and one straight add in col2im).
import type { Window2d } from '../../model/geometry';

/**
 * cols[colsOff …][batch·outH·outW × kh·kw·c] ← patches of `batch` samples x[xOff …], one matrix for one GEMM.
 * With `groups` > 1 (a grouped convolution) each row holds the groups' patches side by side, group by group, each
 * kh·kw·(c/groups) in kernel order over its own channels: group j's patch matrix is the column block j·k/groups….
 */
export function im2col(x: Float32Array, xOff: number, g: Window2d, c: number, cols: Float32Array, colsOff = 0, batch = 1, groups = 1): void {
  const inSize = g.inH * g.inW * c;
  const colSize = g.outH * g.outW * g.kh * g.kw * c;
  for (let s = 0; s < batch; s++) {
    if (groups === 1) im2colOne(x, xOff + s * inSize, g, c, cols, colsOff + s * colSize);
    else groupedPatches(x, xOff + s * inSize, g, c, groups, cols, colsOff + s * colSize, false);
  }
}

/**
 * im2col's (or, with `back`, col2im's) grouped layout for one sample: per output position, per group, per tap, the
 * group's c/groups channels. Out-of-image taps are zeros (col2im: skipped).
 */
function groupedPatches(x: Float32Array, xOff: number, g: Window2d, c: number, groups: number, cols: Float32Array, colsOff: number, back: boolean): void {
  const { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = g;
  const cg = c / groups;
  const rowStride = inW * c;
  let o = colsOff;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sh - padTop;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sw - padLeft;
      for (let gc = 0; gc < c; gc += cg) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          for (let kx = 0; kx < kw; kx++, o += cg) {
            const ix = x0 + kx * dw;
            const inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
            const src = xOff + iy * rowStride + ix * c + gc;
            if (back) {
              if (inside) for (let ch = 0; ch < cg; ch++) x[src + ch] += cols[o + ch]!;
            } else if (inside) for (let ch = 0; ch < cg; ch++) cols[o + ch] = x[src + ch]!;
            else cols.fill(0, o, o + cg);
          }
        }
      }
    }
  }
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
export function col2im(cols: Float32Array, g: Window2d, c: number, dx: Float32Array, dxOff: number, colsOff = 0, batch = 1, groups = 1): void {
  const inSize = g.inH * g.inW * c;
  const colSize = g.outH * g.outW * g.kh * g.kw * c;
  for (let s = 0; s < batch; s++) {
    if (groups === 1) col2imOne(cols, colsOff + s * colSize, g, c, dx, dxOff + s * inSize);
    else groupedPatches(dx, dxOff + s * inSize, g, c, groups, cols, colsOff + s * colSize, true);
  }
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
