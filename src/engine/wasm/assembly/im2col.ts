// AssemblyScript: batched NHWC im2col / col2im, the JavaScript reference's contract (src/engine/kernels/im2col.ts)
// over byte offsets. One row per output position, kh·kw·c columns; out-of-image taps are zeros. With unit
// horizontal dilation and the window inside the image, a kernel row is kw·c contiguous floats: one SIMD copy
// (col2im: one SIMD add). Copies and float32 adds in the reference's order: bit-identical results.
import { addF32, copyF32, zeroF32 } from './simd';

/** cols [batch·outH·outW × kh·kw·c] ← the patches of `batch` samples at x. */
export function im2col(
  x: usize, cols: usize, batch: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const kwc = kw * c;
  const kwcBytes = <usize>kwc << 2;
  const cBytes = <usize>c << 2;
  let o = cols;
  for (let s = 0; s < batch; s++) {
    const xs = x + <usize>s * inBytes;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const inside = dw == 1 && x0 >= 0 && x0 + kw <= inW;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) {
            zeroF32(o, kwc);
            o += kwcBytes;
            continue;
          }
          const row = xs + <usize>iy * rowBytes;
          if (inside) {
            copyF32(o, row + (<usize>(x0 * c) << 2), kwc);
            o += kwcBytes;
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) zeroF32(o, c);
            else copyF32(o, row + (<usize>(ix * c) << 2), c);
            o += cBytes;
          }
        }
      }
    }
  }
}

/** dx += every patch row of cols scattered back onto the `batch` samples (dx is not cleared). */
export function col2im(
  cols: usize, dx: usize, batch: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const kwc = kw * c;
  const kwcBytes = <usize>kwc << 2;
  const cBytes = <usize>c << 2;
  let o = cols;
  for (let s = 0; s < batch; s++) {
    const xs = dx + <usize>s * inBytes;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const inside = dw == 1 && x0 >= 0 && x0 + kw <= inW;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) {
            o += kwcBytes;
            continue;
          }
          const row = xs + <usize>iy * rowBytes;
          if (inside) {
            addF32(row + (<usize>(x0 * c) << 2), o, kwc);
            o += kwcBytes;
            continue;
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix >= 0 && ix < inW) addF32(row + (<usize>(ix * c) << 2), o, c);
            o += cBytes;
          }
        }
      }
    }
  }
}
