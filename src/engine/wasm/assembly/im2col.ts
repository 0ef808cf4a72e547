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
  im2colRows(x, cols, c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, 0, batch * outH * outW);
}

/** im2col of samples n0 ≤ n < n1 of the batch at x (cols: the whole batch's): a per-sample job, so the kernel threads
 *  split a large batch (a Winograd layer's weight gradient computes its patches in backward). */
export function im2colSamples(
  x: usize, cols: usize, n0: i32, n1: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const p = outH * outW;
  const rowBytes = <usize>(kh * kw * c) << 2;
  im2colRows(x, cols + <usize>(n0 * p) * rowBytes, c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW, n0 * p, (n1 - n0) * p);
}

/** The patch rows r0…r0+count of the batch at x (row = (sample · outH + oy) · outW + ox) into cols, row r0 first. */
export function im2colRows(
  x: usize, cols: usize, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  r0: i32, count: i32,
): void {
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const kwc = kw * c;
  const kwcBytes = <usize>kwc << 2;
  const cBytes = <usize>c << 2;
  const p = outH * outW;
  let s = r0 / p;
  const q = r0 - s * p;
  let oy = q / outW;
  let ox = q - oy * outW;
  let xs = x + <usize>s * inBytes;
  let o = cols;
  for (let r = 0; r < count; r++) {
    const y0 = oy * sh - padTop;
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
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        s++;
        xs += inBytes;
      }
    }
  }
}

/** Floats of padded input rows im2colRowsPadded needs as scratch (unit horizontal dilation only). */
export function paddedRowsFloats(c: i32, kh: i32, kw: i32, sw: i32, outW: i32): i32 {
  return kh * paddedRowFloats(c, kw, sw, outW);
}

/** One padded input row: the (outW − 1)·sw + kw pixels the windows of a line span, plus a vector of slack. */
@inline function paddedRowFloats(c: i32, kw: i32, sw: i32, outW: i32): i32 {
  return (((outW - 1) * sw + kw) * c + 7) & ~3;
}

/**
 * im2colRows for unit horizontal dilation, through `pad` (paddedRowsFloats floats, 16-aligned): per output line
 * the kh input rows it reads, zero-padded to the span of its windows, so that every patch row is kh contiguous
 * copies of kw·c floats, done in whole vectors (the up to 3 floats past one are overwritten by the next, the
 * block's very last one excepted). The same floats as im2colRows.
 */
export function im2colRowsPadded(
  x: usize, cols: usize, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  r0: i32, count: i32, pad: usize,
): void {
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const kwc = kw * c;
  const kwcBytes = <usize>kwc << 2;
  const kwc4 = kwc & ~3;
  const cBytes = <usize>c << 2;
  const span = (outW - 1) * sw + kw;
  const prowBytes = <usize>paddedRowFloats(c, kw, sw, outW) << 2;
  const left = min(span, padLeft);
  const valid = max(0, min(inW, span - padLeft));
  const right = span - left - valid;
  const stepBytes = <usize>(sw * c) << 2;
  const p = outH * outW;
  let s = r0 / p;
  const q = r0 - s * p;
  let oy = q / outW;
  let ox = q - oy * outW;
  let o = cols;
  let r = 0;
  while (r < count) {
    // The kh padded rows of line (s, oy).
    const xs = x + <usize>s * inBytes;
    const y0 = oy * sh - padTop;
    fillPaddedRows(pad, prowBytes, xs, rowBytes, y0, kh, dh, inH, span, left, valid, right, c);
    const oxEnd = min(outW, ox + (count - r));
    const line = oxEnd - ox;
    const lastRow = r + line == count;
    for (; ox < oxEnd; ox++) {
      const src = pad + <usize>ox * stepBytes;
      if (lastRow && ox == oxEnd - 1) {
        // The block's last patch row: exact, nothing past its end.
        for (let ky = 0; ky < kh; ky++) {
          copyF32(o, src + <usize>ky * prowBytes, kwc);
          o += kwcBytes;
        }
      } else {
        for (let ky = 0; ky < kh; ky++) {
          const sp = src + <usize>ky * prowBytes;
          let i = 0;
          for (; i < kwc4; i += 4) v128.store(o + (<usize>i << 2), v128.load(sp + (<usize>i << 2)));
          if (i < kwc) v128.store(o + (<usize>i << 2), v128.load(sp + (<usize>i << 2)));
          o += kwcBytes;
        }
      }
    }
    r += line;
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        s++;
      }
    }
  }
}

/** dx += the patch rows of samples n0 ≤ n < n1 scattered back onto them (pointers: the whole batch's; dx is not
 *  cleared): a per-sample job, each sample's dx its own, so the kernel threads split a batch. */
export function col2im(
  cols: usize, dx: usize, n0: i32, n1: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  const kwc = kw * c;
  const kwcBytes = <usize>kwc << 2;
  const cBytes = <usize>c << 2;
  let o = cols + <usize>(n0 * outH * outW) * <usize>(kh * kwcBytes);
  for (let s = n0; s < n1; s++) {
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

/** The kh zero-padded input rows one output line reads (row ky at pad + ky·prowBytes): every later copy is whole vectors. */
@inline export function fillPaddedRows(
  pad: usize, prowBytes: usize, xs: usize, rowBytes: usize, y0: i32, kh: i32, dh: i32, inH: i32,
  span: i32, left: i32, valid: i32, right: i32, c: i32,
): void {
  const cBytes = <usize>c << 2;
  for (let ky = 0; ky < kh; ky++) {
    const d = pad + <usize>ky * prowBytes;
    const iy = y0 + ky * dh;
    if (iy < 0 || iy >= inH) {
      zeroF32(d, span * c);
      continue;
    }
    zeroF32(d, left * c);
    copyF32(d + <usize>left * cBytes, xs + <usize>iy * rowBytes, valid * c);
    zeroF32(d + <usize>(left + valid) * cBytes, right * c);
  }
}

/**
 * A grouped convolution's patches (the JavaScript reference's grouped layout): per output position, per group, per
 * tap, the group's c/groups channels, so group j's patch matrix is the column block j·kh·kw·c/groups…; out-of-image
 * taps are zeros. With `back`, the adjoint: dx (at x) += every patch row scattered back (dx is not cleared).
 */
export function groupedPatches(
  x: usize, cols: usize, back: i32, batch: i32, c: i32, groups: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const cg = c / groups;
  const cgBytes = <usize>cg << 2;
  const rowBytes = <usize>(inW * c) << 2;
  const inBytes = <usize>(inH * inW * c) << 2;
  let o = cols;
  for (let s = 0; s < batch; s++) {
    const xs = x + <usize>s * inBytes;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        for (let gc = 0; gc < c; gc += cg) {
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              const inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
              const src = xs + <usize>iy * rowBytes + (<usize>(ix * c + gc) << 2);
              if (back) {
                if (inside) addF32(src, o, cg);
              } else if (inside) copyF32(o, src, cg);
              else zeroF32(o, cg);
              o += cgBytes;
            }
          }
        }
      }
    }
  }
}
