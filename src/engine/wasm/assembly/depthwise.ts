// AssemblyScript: direct depthwise convolution, NHWC, forward and backward over byte offsets (reference:
// src/engine/kernels/depthwise.ts). Output channel j = ch·mult + m sees input channel ch through w[ky, kx, j]
// (Keras' [kh, kw, c, mult], i.e. [kh·kw][c·mult]). Vectors run over 4 consecutive output channels j; the input
// lanes they need are x[ch] for j / mult: the channel vector itself (mult 1), pairs duplicated (mult 2), one
// channel splatted (mult a multiple of 4); other multipliers take the scalar loop. Only in-image taps are
// visited (their ranges computed once per output pixel, no per-tap bounds test).
//
// Forward keeps each output vector in a register over the window's taps (taps in the reference's order),
// backward accumulates dw and dx in place as the reference does. The arithmetic is float32 (the reference rounds
// float64 sums once per add): results agree to about 1e-6 relative, bit for bit where it is one fused multiply-add.
import { madd } from './simd';
import { activatesInStore, biasActivation, storeActivation1, storeActivation4 } from './elementwise';

/** First tap k ≥ 0 with p0 + k·d ≥ 0. */
@inline function firstTap(p0: i32, d: i32): i32 {
  return p0 >= 0 ? 0 : (d - 1 - p0) / d;
}

/** One past the last tap k < taps with p0 + k·d < len. */
@inline function endTap(p0: i32, d: i32, taps: i32, len: i32): i32 {
  const room = len - 1 - p0;
  return room < 0 ? 0 : min(taps, room / d + 1);
}

/** Input lanes for output channels j…j+3 (j a multiple of 4), xp = the pixel's channel row, by multiplier mode. */
@inline function inputLanes(mode: i32, xp: usize, j: i32, mult: i32): v128 {
  if (mode == 1) return v128.load(xp + (<usize>j << 2));
  if (mode == 2) {
    const v = v128.load64_zero(xp + (<usize>(j >> 1) << 2));
    return v128.shuffle<f32>(v, v, 0, 0, 1, 1);
  }
  return v128.load32_splat(xp + (<usize>(j / mult) << 2));
}

// The forward epilogue applied as outputs are stored (each thread its own instance, so its own globals): the bias
// (0: none), then linear, relu or relu6; NONE when depthwiseForward applies no epilogue or one per row after.
const NONE = -1;
let storeAct: i32 = NONE;
let storeBias: usize = 0;

/** Channels jo/4…+3 of an output pixel as stored: + bias, then the activation, as biasActivation computes them. */
@inline function finish4(v: v128, jo: usize): v128 {
  if (storeAct == NONE) return v;
  if (storeBias != 0) v = f32x4.add(v, v128.load(storeBias + jo));
  return storeActivation4(storeAct, v);
}

@inline function finish1(v: f32, jo: usize): f32 {
  if (storeAct == NONE) return v;
  if (storeBias != 0) v += load<f32>(storeBias + jo);
  return storeActivation1(storeAct, v);
}

/** 1: mult 1; 2: mult 2; 4: mult a multiple of 4; 0: scalar. */
@inline function modeOf(mult: i32): i32 {
  return mult == 1 ? 1 : mult == 2 ? 2 : (mult & 3) == 0 ? 4 : 0;
}

/** y[n, outH, outW, c·mult] ← depthwise(x[n, inH, inW, c], w) for output rows r0 ≤ r < r1, r = n·outH + oy (pointers
 *  are the whole batch's), overwritten; then, when act ≥ 0, biasActivation(act)'s work (bias 0: none): as the outputs
 *  are stored for linear, relu and relu6, on each row while it is in cache for the others. By rows, not samples, so
 *  that a batch of one splits over threads. */
export function depthwiseForward(
  x: usize, w: usize, y: usize, r0: i32, r1: i32, c: i32, mult: i32, bias: usize, act: i32, alpha: f64,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const oc = c * mult;
  const mode = modeOf(mult);
  const vecEnd = mode == 0 ? 0 : oc & ~3;
  const tapYBytes = <usize>(dh * inW * c) << 2, tapXBytes = <usize>(dw * c) << 2;
  const wRowBytes = <usize>(kw * oc) << 2, wTapBytes = <usize>oc << 2;
  const stepXBytes = <usize>(sw * c) << 2;
  const wRowOut = <usize>(outW * oc) << 2;
  // linear, relu and relu6 as the outputs are stored; other activations row by row after.
  const inStore = activatesInStore(act);
  storeAct = inStore ? act : NONE;
  storeBias = bias;
  let yp = y + ((<usize>r0 * outW * oc) << 2);
  // 3 taps a row at unit stride and dilation, one channel per output: eight outputs share each input vector.
  const slide = mode == 1 && vecEnd > 0 && kw == 3 && (sw == 1 || sw == 2) && dw == 1;
  const span = 7 * sw + 2;
  for (let r = r0; r < r1; r++) {
    const n = r / outH, oy = r - n * outH;
    const xn = x + ((<usize>n * inH * inW * c) << 2);
    const y0 = oy * sh - padTop;
    const ky0 = firstTap(y0, dh), ky1 = endTap(y0, dh, kh, inH);
    const wRow = w + <usize>ky0 * wRowBytes;
    let ox = 0;
    while (ox < outW) {
      const x0 = ox * sw - padLeft;
      if (slide && ox + 8 <= outW && x0 >= 0 && x0 + span < inW) {
        const xb = xn + ((<usize>((y0 + ky0 * dh) * inW + x0) * c) << 2);
        if (sw == 1) for (let j = 0; j < vecEnd; j += 4) slide8(xb, wRow, yp, j, ky1 - ky0, tapXBytes, tapYBytes, wTapBytes, wRowBytes);
        else for (let j = 0; j < vecEnd; j += 4) slide8s2(xb, wRow, yp, j, ky1 - ky0, tapXBytes, tapYBytes, wTapBytes, wRowBytes);
        if (vecEnd < oc) {
          for (let p = 0; p < 8; p++) {
            pixelForward(mode, mult, oc, vecEnd, xb + <usize>p * stepXBytes, wRow, yp + <usize>p * wTapBytes, ky0, ky1, 0, kw, tapXBytes, tapYBytes, wTapBytes, wRowBytes);
          }
        }
        yp += 8 * wTapBytes;
        ox += 8;
        continue;
      }
      // Four output pixels whose windows lie inside the image's width: each kernel vector loaded once for the four.
      if (vecEnd > 0 && ox + 4 <= outW && x0 >= 0 && x0 + 3 * sw + (kw - 1) * dw < inW) {
        const xb = xn + ((<usize>((y0 + ky0 * dh) * inW + x0) * c) << 2);
        for (let j = 0; j < vecEnd; j += 4) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          const jo = <usize>j << 2;
          let xr = xb, wr = wRow + jo;
          for (let ky = ky0; ky < ky1; ky++) {
            let xt = xr, wt = wr;
            for (let kx = 0; kx < kw; kx++) {
              const wv = v128.load(wt);
              a0 = madd(inputLanes(mode, xt, j, mult), wv, a0);
              a1 = madd(inputLanes(mode, xt + stepXBytes, j, mult), wv, a1);
              a2 = madd(inputLanes(mode, xt + 2 * stepXBytes, j, mult), wv, a2);
              a3 = madd(inputLanes(mode, xt + 3 * stepXBytes, j, mult), wv, a3);
              xt += tapXBytes;
              wt += wTapBytes;
            }
            xr += tapYBytes;
            wr += wRowBytes;
          }
          v128.store(yp + jo, finish4(a0, jo));
          v128.store(yp + wTapBytes + jo, finish4(a1, jo));
          v128.store(yp + 2 * wTapBytes + jo, finish4(a2, jo));
          v128.store(yp + 3 * wTapBytes + jo, finish4(a3, jo));
        }
        if (vecEnd < oc) {
          for (let p = 0; p < 4; p++) {
            pixelForward(mode, mult, oc, vecEnd, xb + <usize>p * stepXBytes, wRow, yp + <usize>p * wTapBytes, ky0, ky1, 0, kw, tapXBytes, tapYBytes, wTapBytes, wRowBytes);
          }
        }
        yp += 4 * wTapBytes;
        ox += 4;
        continue;
      }
      const kx0 = firstTap(x0, dw), kx1 = endTap(x0, dw, kw, inW);
      // The first in-image tap's input row and kernel row.
      const xb = xn + ((<usize>((y0 + ky0 * dh) * inW + x0 + kx0 * dw) * c) << 2);
      pixelForward(mode, mult, oc, 0, xb, wRow + <usize>kx0 * wTapBytes, yp, ky0, ky1, kx0, kx1, tapXBytes, tapYBytes, wTapBytes, wRowBytes);
      yp += wTapBytes;
      ox++;
    }
    if (act >= 0 && !inStore) biasActivation(act, yp - wRowOut, bias, yp - wRowOut, outW, oc, alpha);
  }
  storeAct = NONE;
}

/**
 * Channels j…j+3 of eight adjacent output pixels of a 3-wide, unit-stride, multiplier-1 window over `rows` kernel
 * rows: per row the ten input vectors are loaded once each and meet the three kernel vectors of the row, so each
 * output's multiply-adds come in the usual tap order (ky, then kx), bit-identical to the four-pixel block.
 */
@inline function slide8(xb: usize, wRow: usize, yp: usize, j: i32, rows: i32, cB: usize, tapYBytes: usize, wTapBytes: usize, wRowBytes: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const jo = <usize>j << 2;
  let xr = xb + jo, wr = wRow + jo;
  for (let ky = 0; ky < rows; ky++) {
    const w0 = v128.load(wr), w1 = v128.load(wr + wTapBytes), w2 = v128.load(wr + 2 * wTapBytes);
    let v = v128.load(xr);
    a0 = madd(v, w0, a0);
    v = v128.load(xr + cB);
    a0 = madd(v, w1, a0); a1 = madd(v, w0, a1);
    v = v128.load(xr + 2 * cB);
    a0 = madd(v, w2, a0); a1 = madd(v, w1, a1); a2 = madd(v, w0, a2);
    v = v128.load(xr + 3 * cB);
    a1 = madd(v, w2, a1); a2 = madd(v, w1, a2); a3 = madd(v, w0, a3);
    v = v128.load(xr + 4 * cB);
    a2 = madd(v, w2, a2); a3 = madd(v, w1, a3); a4 = madd(v, w0, a4);
    v = v128.load(xr + 5 * cB);
    a3 = madd(v, w2, a3); a4 = madd(v, w1, a4); a5 = madd(v, w0, a5);
    v = v128.load(xr + 6 * cB);
    a4 = madd(v, w2, a4); a5 = madd(v, w1, a5); a6 = madd(v, w0, a6);
    v = v128.load(xr + 7 * cB);
    a5 = madd(v, w2, a5); a6 = madd(v, w1, a6); a7 = madd(v, w0, a7);
    v = v128.load(xr + 8 * cB);
    a6 = madd(v, w2, a6); a7 = madd(v, w1, a7);
    v = v128.load(xr + 9 * cB);
    a7 = madd(v, w2, a7);
    xr += tapYBytes;
    wr += wRowBytes;
  }
  store8(yp, jo, wTapBytes, a0, a1, a2, a3, a4, a5, a6, a7);
}

/** The eight outputs' channels jo/4…+3, wTapBytes apart, as stored (finish4). */
@inline function store8(yp: usize, jo: usize, wTapBytes: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(yp + jo, finish4(a0, jo));
  v128.store(yp + wTapBytes + jo, finish4(a1, jo));
  v128.store(yp + 2 * wTapBytes + jo, finish4(a2, jo));
  v128.store(yp + 3 * wTapBytes + jo, finish4(a3, jo));
  v128.store(yp + 4 * wTapBytes + jo, finish4(a4, jo));
  v128.store(yp + 5 * wTapBytes + jo, finish4(a5, jo));
  v128.store(yp + 6 * wTapBytes + jo, finish4(a6, jo));
  v128.store(yp + 7 * wTapBytes + jo, finish4(a7, jo));
}

/** slide8 at stride 2: seventeen input vectors a kernel row, output p taking inputs 2p, 2p + 1 and 2p + 2. */
@inline function slide8s2(xb: usize, wRow: usize, yp: usize, j: i32, rows: i32, cB: usize, tapYBytes: usize, wTapBytes: usize, wRowBytes: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  const jo = <usize>j << 2;
  let xr = xb + jo, wr = wRow + jo;
  for (let ky = 0; ky < rows; ky++) {
    const w0 = v128.load(wr), w1 = v128.load(wr + wTapBytes), w2 = v128.load(wr + 2 * wTapBytes);
    let v = v128.load(xr);
    a0 = madd(v, w0, a0);
    a0 = madd(v128.load(xr + cB), w1, a0);
    v = v128.load(xr + 2 * cB);
    a0 = madd(v, w2, a0); a1 = madd(v, w0, a1);
    a1 = madd(v128.load(xr + 3 * cB), w1, a1);
    v = v128.load(xr + 4 * cB);
    a1 = madd(v, w2, a1); a2 = madd(v, w0, a2);
    a2 = madd(v128.load(xr + 5 * cB), w1, a2);
    v = v128.load(xr + 6 * cB);
    a2 = madd(v, w2, a2); a3 = madd(v, w0, a3);
    a3 = madd(v128.load(xr + 7 * cB), w1, a3);
    v = v128.load(xr + 8 * cB);
    a3 = madd(v, w2, a3); a4 = madd(v, w0, a4);
    a4 = madd(v128.load(xr + 9 * cB), w1, a4);
    v = v128.load(xr + 10 * cB);
    a4 = madd(v, w2, a4); a5 = madd(v, w0, a5);
    a5 = madd(v128.load(xr + 11 * cB), w1, a5);
    v = v128.load(xr + 12 * cB);
    a5 = madd(v, w2, a5); a6 = madd(v, w0, a6);
    a6 = madd(v128.load(xr + 13 * cB), w1, a6);
    v = v128.load(xr + 14 * cB);
    a6 = madd(v, w2, a6); a7 = madd(v, w0, a7);
    a7 = madd(v128.load(xr + 15 * cB), w1, a7);
    a7 = madd(v128.load(xr + 16 * cB), w2, a7);
    xr += tapYBytes;
    wr += wRowBytes;
  }
  store8(yp, jo, wTapBytes, a0, a1, a2, a3, a4, a5, a6, a7);
}

/** One output pixel's channels j0…oc: xb, wb = the first in-image tap's input and kernel rows. */
@inline function pixelForward(
  mode: i32, mult: i32, oc: i32, j0: i32, xb: usize, wb: usize, yp: usize, ky0: i32, ky1: i32, kx0: i32, kx1: i32,
  tapXBytes: usize, tapYBytes: usize, wTapBytes: usize, wRowBytes: usize,
): void {
  const vecEnd = mode == 0 ? 0 : oc & ~3;
  let j = j0;
  for (; j + 8 <= vecEnd; j += 8) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    const jo = <usize>j << 2;
    let xr = xb, wr = wb;
    for (let ky = ky0; ky < ky1; ky++) {
      let xt = xr, wt = wr;
      for (let kx = kx0; kx < kx1; kx++) {
        a0 = madd(inputLanes(mode, xt, j, mult), v128.load(wt + jo), a0);
        a1 = madd(inputLanes(mode, xt, j + 4, mult), v128.load(wt + jo + 16), a1);
        xt += tapXBytes;
        wt += wTapBytes;
      }
      xr += tapYBytes;
      wr += wRowBytes;
    }
    v128.store(yp + jo, finish4(a0, jo));
    v128.store(yp + jo + 16, finish4(a1, jo + 16));
  }
  for (; j < vecEnd; j += 4) {
    let a0 = f32x4.splat(0);
    const jo = <usize>j << 2;
    let xr = xb, wr = wb;
    for (let ky = ky0; ky < ky1; ky++) {
      let xt = xr, wt = wr;
      for (let kx = kx0; kx < kx1; kx++) {
        a0 = madd(inputLanes(mode, xt, j, mult), v128.load(wt + jo), a0);
        xt += tapXBytes;
        wt += wTapBytes;
      }
      xr += tapYBytes;
      wr += wRowBytes;
    }
    v128.store(yp + jo, finish4(a0, jo));
  }
  for (; j < oc; j++) {
    let a: f32 = 0;
    const xo = <usize>(j / mult) << 2, jo = <usize>j << 2;
    let xr = xb, wr = wb;
    for (let ky = ky0; ky < ky1; ky++) {
      let xt = xr, wt = wr;
      for (let kx = kx0; kx < kx1; kx++) {
        a += load<f32>(xt + xo) * load<f32>(wt + jo);
        xt += tapXBytes;
        wt += wTapBytes;
      }
      xr += tapYBytes;
      wr += wRowBytes;
    }
    store<f32>(yp + jo, finish1(a, jo));
  }
}

/** dx ← dL/dx (overwritten, batch·inH·inW·c floats); dwg += dL/dw. */
export function depthwiseBackward(
  x: usize, w: usize, dy: usize, dx: usize, dwg: usize, batch: i32, c: i32, mult: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32,
): void {
  const oc = c * mult;
  const mode = modeOf(mult);
  const vecEnd = mode == 0 ? 0 : oc & ~3;
  const tapYBytes = <usize>(dh * inW * c) << 2, tapXBytes = <usize>(dw * c) << 2;
  const wRowBytes = <usize>(kw * oc) << 2, wTapBytes = <usize>oc << 2;
  memory.fill(dx, 0, (<usize>batch * inH * inW * c) << 2);
  let gp = dy;
  for (let n = 0; n < batch; n++) {
    const pixel0 = (<usize>n * inH * inW * c) << 2;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sh - padTop;
      const ky0 = firstTap(y0, dh), ky1 = endTap(y0, dh, kh, inH);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = ox * sw - padLeft;
        const kx0 = firstTap(x0, dw), kx1 = endTap(x0, dw, kw, inW);
        const first = pixel0 + ((<usize>((y0 + ky0 * dh) * inW + x0 + kx0 * dw) * c) << 2);
        const wFirst = <usize>ky0 * wRowBytes + <usize>kx0 * wTapBytes;
        let xr = x + first, dxr = dx + first, wr = w + wFirst, dwr = dwg + wFirst;
        for (let ky = ky0; ky < ky1; ky++) {
          let xt = xr, dxt = dxr, wt = wr, dwt = dwr;
          for (let kx = kx0; kx < kx1; kx++) {
            tapBackward(mode, mult, oc, vecEnd, xt, dxt, wt, dwt, gp);
            xt += tapXBytes;
            dxt += tapXBytes;
            wt += wTapBytes;
            dwt += wTapBytes;
          }
          xr += tapYBytes;
          dxr += tapYBytes;
          wr += wRowBytes;
          dwr += wRowBytes;
        }
        gp += wTapBytes;
      }
    }
  }
}

/** One tap of one output pixel: dw[j] += dy[j]·x[j / mult], dx[ch] += Σ_m dy[ch·mult + m]·w[ch·mult + m]. */
@inline function tapBackward(mode: i32, mult: i32, oc: i32, vecEnd: i32, xt: usize, dxt: usize, wt: usize, dwt: usize, gp: usize): void {
  let j = 0;
  if (mode == 1) {
    for (; j < vecEnd; j += 4) {
      const o = <usize>j << 2;
      const g = v128.load(gp + o);
      v128.store(dwt + o, madd(g, v128.load(xt + o), v128.load(dwt + o)));
      v128.store(dxt + o, madd(g, v128.load(wt + o), v128.load(dxt + o)));
    }
  } else if (mode == 2) {
    for (; j < vecEnd; j += 4) {
      const o = <usize>j << 2;
      const g = v128.load(gp + o);
      const xo = <usize>(j >> 1) << 2;
      const xv = v128.load64_zero(xt + xo);
      v128.store(dwt + o, madd(g, v128.shuffle<f32>(xv, xv, 0, 0, 1, 1), v128.load(dwt + o)));
      // Lanes (ch, m0), (ch, m1), (ch+1, m0), (ch+1, m1): pairwise sums into dx[ch], dx[ch+1].
      const p = f32x4.mul(g, v128.load(wt + o));
      const s = f32x4.add(v128.shuffle<f32>(p, p, 0, 2, 0, 2), v128.shuffle<f32>(p, p, 1, 3, 1, 3));
      v128.store64_lane(dxt + xo, f32x4.add(v128.load64_zero(dxt + xo), s), 0);
    }
  } else if (mode == 4) {
    for (let ch = 0; ch < oc / mult; ch++) {
      const xs = v128.load32_splat(xt + (<usize>ch << 2));
      let acc = f32x4.splat(0);
      const end = j + mult;
      for (; j < end; j += 4) {
        const o = <usize>j << 2;
        const g = v128.load(gp + o);
        v128.store(dwt + o, madd(g, xs, v128.load(dwt + o)));
        acc = madd(g, v128.load(wt + o), acc);
      }
      const s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      const p = dxt + (<usize>ch << 2);
      store<f32>(p, load<f32>(p) + s);
    }
    return;
  }
  // The rest (odd channel tails, other multipliers): scalar, as the reference.
  for (; j < oc; j++) {
    const o = <usize>j << 2;
    const ch = j / mult;
    const g = load<f32>(gp + o);
    store<f32>(dwt + o, load<f32>(dwt + o) + g * load<f32>(xt + (<usize>ch << 2)));
    const p = dxt + (<usize>ch << 2);
    store<f32>(p, load<f32>(p) + g * load<f32>(wt + o));
  }
}
