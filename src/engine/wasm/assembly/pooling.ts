// AssemblyScript: max and average pooling, NHWC, forward and backward over byte offsets (reference:
// src/engine/kernels/pooling.ts). Each window walks its in-image taps once and updates the output row of c channels
// with SIMD (the row stays in L1). argmax holds, as in the reference, the winner's float index into x.
// Bit-identical to the reference: the max compares as `!(v <= best)` (first maximum wins ties, NaN propagates),
// and the averages' scaling by 1/taps is done in float64 lanes and rounded once, as JavaScript does.
import { addF32, copyF32, hi64, lo64, mulBy64, pack32, zeroF32 } from './simd';

/** y[n, outH, outW, c] ← window maxima for samples n0 ≤ n < n1 (a thread's share of the batch; pointers are the
 *  whole batch's); argmax[i] ← float index into x of y[i]'s winner (−1 for no tap). */
export function maxPoolForward(
  x: usize, y: usize, argmax: usize, n0: i32, n1: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  if (argmax == 0) {
    maxPoolValues(x, y, n0, n1, c, inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW);
    return;
  }
  const iota = i32x4(0, 1, 2, 3);
  const cBytes = <usize>c << 2;
  const c4 = c & ~3;
  const first = (<usize>n0 * outH * outW * c) << 2;
  let yb = y + first;
  let ab = argmax + first;
  for (let n = n0; n < n1; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      const rowsInside = y0 >= 0 && y0 + (kh - 1) * dh < inH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        if (rowsInside && x0 >= 0 && x0 + (kw - 1) * dw < inW) {
          // Every tap in the image: the running maximum and its index stay in registers (the same comparisons in
          // the same order as below), stored once.
          windowMax(x, xn + (y0 * inW + x0) * c, yb, ab, c, inW, kh, kw, dh, dw);
          yb += cBytes;
          ab += cBytes;
          continue;
        }
        let first = true;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xi = xn + (iy * inW + ix) * c;
            const xp = x + (<usize>xi << 2);
            if (first) {
              copyF32(yb, xp, c);
              for (let ch = 0; ch < c; ch++) store<i32>(ab + (<usize>ch << 2), xi + ch);
              first = false;
              continue;
            }
            let ch = 0;
            for (; ch < c4; ch += 4) {
              const o = <usize>ch << 2;
              const v = v128.load(xp + o);
              const best = v128.load(yb + o);
              const take = v128.not(f32x4.le(v, best));
              v128.store(yb + o, v128.bitselect(v, best, take));
              v128.store(ab + o, v128.bitselect(i32x4.add(i32x4.splat(xi + ch), iota), v128.load(ab + o), take));
            }
            for (; ch < c; ch++) {
              const o = <usize>ch << 2;
              const v = load<f32>(xp + o);
              if (!(v <= load<f32>(yb + o))) {
                store<f32>(yb + o, v);
                store<i32>(ab + o, xi + ch);
              }
            }
          }
        }
        if (first) {
          for (let ch = 0; ch < c; ch++) {
            store<f32>(yb + (<usize>ch << 2), -Infinity);
            store<i32>(ab + (<usize>ch << 2), -1);
          }
        }
        yb += cBytes;
        ab += cBytes;
      }
    }
  }
}

/** One window's maxima and winners (element indices) over its kh × kw taps, all in the image: w0 = the first tap's
 *  element index. A tap replaces the maximum unless v ≤ max (so NaN wins), taps in row order, as maxPoolForward. */
@inline function windowMax(x: usize, w0: i32, yb: usize, ab: usize, c: i32, inW: i32, kh: i32, kw: i32, dh: i32, dw: i32): void {
  const iota = i32x4(0, 1, 2, 3);
  const tapY = dh * inW * c, tapX = dw * c;
  let ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    let best = v128.load(x + (<usize>(w0 + ch) << 2));
    let at = i32x4.add(i32x4.splat(w0 + ch), iota);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = ky == 0 ? 1 : 0; kx < kw; kx++) {
        const xi = w0 + ky * tapY + kx * tapX + ch;
        const v = v128.load(x + (<usize>xi << 2));
        const take = v128.not(f32x4.le(v, best));
        best = v128.bitselect(v, best, take);
        at = v128.bitselect(i32x4.add(i32x4.splat(xi), iota), at, take);
      }
    }
    v128.store(yb + (<usize>ch << 2), best);
    v128.store(ab + (<usize>ch << 2), at);
  }
  for (; ch < c; ch++) {
    let best = load<f32>(x + (<usize>(w0 + ch) << 2));
    let at = w0 + ch;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = ky == 0 ? 1 : 0; kx < kw; kx++) {
        const xi = w0 + ky * tapY + kx * tapX + ch;
        const v = load<f32>(x + (<usize>xi << 2));
        if (!(v <= best)) {
          best = v;
          at = xi;
        }
      }
    }
    store<f32>(yb + (<usize>ch << 2), best);
    store<i32>(ab + (<usize>ch << 2), at);
  }
}

/** maxPoolForward without the winners (argmax 0: inference): the same maxima, the same comparisons. */
function maxPoolValues(
  x: usize, y: usize, n0: i32, n1: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const cBytes = <usize>c << 2;
  const c4 = c & ~3;
  let yb = y + ((<usize>n0 * outH * outW * c) << 2);
  for (let n = n0; n < n1; n++) {
    const xn = x + ((<usize>n * inH * inW * c) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      const rowsInside = y0 >= 0 && y0 + (kh - 1) * dh < inH;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        if (rowsInside && c4 == c && x0 >= 0 && x0 + (kw - 1) * dw < inW) {
          // Every tap in the image, whole vectors: the running maximum stays in a register, taps in the same order.
          const w0 = xn + ((<usize>(y0 * inW + x0) * c) << 2);
          const tapY = (<usize>(dh * inW * c)) << 2, tapX = (<usize>(dw * c)) << 2;
          for (let ch = 0; ch < c; ch += 4) {
            const base = w0 + (<usize>ch << 2);
            let best = v128.load(base);
            for (let ky = 0; ky < kh; ky++) {
              const rp = base + <usize>ky * tapY;
              for (let kx = ky == 0 ? 1 : 0; kx < kw; kx++) {
                const v = v128.load(rp + <usize>kx * tapX);
                best = v128.bitselect(v, best, v128.not(f32x4.le(v, best)));
              }
            }
            v128.store(yb + (<usize>ch << 2), best);
          }
          yb += cBytes;
          continue;
        }
        let first = true;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xp = xn + ((<usize>(iy * inW + ix) * c) << 2);
            if (first) {
              copyF32(yb, xp, c);
              first = false;
              continue;
            }
            let ch = 0;
            for (; ch < c4; ch += 4) {
              const o = <usize>ch << 2;
              const v = v128.load(xp + o);
              const best = v128.load(yb + o);
              v128.store(yb + o, v128.bitselect(v, best, v128.not(f32x4.le(v, best))));
            }
            for (; ch < c; ch++) {
              const o = <usize>ch << 2;
              const v = load<f32>(xp + o);
              if (!(v <= load<f32>(yb + o))) store<f32>(yb + o, v);
            }
          }
        }
        if (first) for (let ch = 0; ch < c; ch++) store<f32>(yb + (<usize>ch << 2), -Infinity);
        yb += cBytes;
      }
    }
  }
}

/** dx[0…inSize) ← 0, then each dy routed to its window's winner. */
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, n0: i32, n1: i32, outPer: i32, inPer: i32): void {
  // A winner's index is into the whole batch's input, always within its own sample's: samples split freely.
  zeroF32(dx + ((<usize>n0 * inPer) << 2), (n1 - n0) * inPer);
  for (let i = n0 * outPer, end = n1 * outPer; i < end; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    if (j >= 0) {
      const p = dx + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>i << 2)));
    }
  }
}

/**
 * For samples n0 ≤ n < n1 (pointers are the whole batch's), `mode` = back | countPad << 1:
 * back = 0: y[n, outH, outW, c] ← sum of each window's in-image taps of x over their count (src = x, dst = y).
 * back = 1: dx ← 0, then each dy spread over its window's in-image taps, divided alike (src = dy, dst = dx).
 * countPad: the count is of the window's taps in the padded input (PyTorch's count_include_pad).
 */
export function avgPool(
  src: usize, dst: usize, mode: i32, n0: i32, n1: i32, c: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
  padBottom: i32, padRight: i32,
): void {
  const back = mode & 1;
  const countPad = (mode & 2) != 0;
  // The rows and columns whose taps count: the input's, or the padded input's.
  const loH = countPad ? -padTop : 0, hiH = countPad ? inH + padBottom : inH;
  const loW = countPad ? -padLeft : 0, hiW = countPad ? inW + padRight : inW;
  const c4 = c & ~3;
  if (back) zeroF32(dst + ((<usize>n0 * inH * inW * c) << 2), (n1 - n0) * inH * inW * c);
  for (let n = n0; n < n1; n++) {
    const xn = n * inH * inW * c;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      let rows = 0;
      for (let ky = 0; ky < kh; ky++) if (y0 + ky * dh >= loH && y0 + ky * dh < hiH) rows++;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        let cols = 0;
        for (let kx = 0; kx < kw; kx++) if (x0 + kx * dw >= loW && x0 + kx * dw < hiW) cols++;
        const inv: f64 = rows * cols > 0 ? 1.0 / <f64>(rows * cols) : 0;
        const invv = f64x2.splat(inv);
        const yp = (back ? src : dst) + (<usize>(((n * outH + oy) * outW + ox) * c) << 2);
        if (!back) zeroF32(yp, c);
        for (let ky = 0; ky < kh; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xp = (back ? dst : src) + (<usize>(xn + (iy * inW + ix) * c) << 2);
            if (!back) {
              addF32(yp, xp, c);
              continue;
            }
            // dx += dy · inv, in float64 and rounded once.
            let ch = 0;
            for (; ch < c4; ch += 4) {
              const o = <usize>ch << 2;
              const d = v128.load(xp + o), g = v128.load(yp + o);
              v128.store(xp + o, pack32(
                f64x2.add(lo64(d), f64x2.mul(lo64(g), invv)),
                f64x2.add(hi64(d), f64x2.mul(hi64(g), invv)),
              ));
            }
            for (; ch < c; ch++) {
              const o = <usize>ch << 2;
              store<f32>(xp + o, <f32>(<f64>load<f32>(xp + o) + <f64>load<f32>(yp + o) * inv));
            }
          }
        }
        if (!back) {
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const o = <usize>ch << 2;
            v128.store(yp + o, mulBy64(v128.load(yp + o), invv));
          }
          for (; ch < c; ch++) {
            const o = <usize>ch << 2;
            store<f32>(yp + o, <f32>(<f64>load<f32>(yp + o) * inv));
          }
        }
      }
    }
  }
}
