// Sliding-window arithmetic shared by convolution and pooling: Keras' "same" padding rule (the extra row/column
// of odd padding goes at the bottom/right), explicit per-side padding and PyTorch's ceil mode.
import type { IntOrPair, Padding2d, WindowPadding } from './layers/base';

export interface Window2d {
  readonly inH: number;
  readonly inW: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly padBottom: number;
  readonly padRight: number;
  readonly outH: number;
  readonly outW: number;
}

export interface WindowError {
  readonly error: string;
  /** The layer field to blame. */
  readonly field: string;
}

export function pair(value: IntOrPair): readonly [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

export function formatPair([h, w]: readonly [number, number]): string {
  return `${h}×${w}`;
}

/** Explicit padding as [[top, bottom], [left, right]]: n on every side, [h, w] (top = bottom = h, left = right = w), or the sides. */
export function paddingSides(p: Padding2d): readonly [readonly [number, number], readonly [number, number]] {
  if (typeof p === 'number') return [[p, p], [p, p]];
  const [a, b] = p;
  if (typeof a === 'number' && typeof b === 'number') return [[a, a], [b, b]];
  return [a as readonly [number, number], b as readonly [number, number]];
}

export interface WindowOptions {
  /** The field that errors about the window's size name (pools: 'poolSize'). */
  readonly kernelField?: string;
  /** PyTorch's ceil_mode: the output size rounds up, but the last window starts inside the input or the top/left padding. */
  readonly ceilMode?: boolean;
  /** Pools: no window may hold padding alone (a pool leaves padding out). */
  readonly pool?: boolean;
}

/** Output size along one axis (PyTorch's pooling_output_shape_pad_lr; floor mode is also Keras' and the conv's rule). */
export function windowOutput(size: number, span: number, stride: number, padBefore: number, padAfter: number, ceilMode: boolean): number {
  const room = size + padBefore + padAfter - span;
  if (!ceilMode) return Math.floor(room / stride) + 1;
  let out = Math.floor((room + stride - 1) / stride) + 1;
  // A last window that would start in the bottom/right padding (or past it) is dropped.
  if ((out - 1) * stride >= size + padBefore) out--;
  return out;
}

export function window2d(
  inH: number,
  inW: number,
  kernel: IntOrPair,
  strides: IntOrPair,
  dilation: IntOrPair,
  padding: WindowPadding,
  options: WindowOptions = {},
): Window2d | WindowError {
  const { kernelField = 'kernelSize', ceilMode = false, pool = false } = options;
  const [kh, kw] = pair(kernel);
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilation);
  // The span a dilated kernel covers.
  const ekh = (kh - 1) * dh + 1;
  const ekw = (kw - 1) * dw + 1;
  const what = dh > 1 || dw > 1 ? `dilated kernel ${ekh}×${ekw}` : `kernel ${kh}×${kw}`;
  let win: Window2d;
  if (padding === 'same') {
    // Keras' rule; ceilMode changes nothing here: the padded input already ends with the last window.
    const outH = Math.ceil(inH / sh);
    const outW = Math.ceil(inW / sw);
    const padH = Math.max((outH - 1) * sh + ekh - inH, 0);
    const padW = Math.max((outW - 1) * sw + ekw - inW, 0);
    const padTop = Math.floor(padH / 2);
    const padLeft = Math.floor(padW / 2);
    win = { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom: padH - padTop, padRight: padW - padLeft, outH, outW };
  } else {
    const [[padTop, padBottom], [padLeft, padRight]] = padding === 'valid' ? [[0, 0], [0, 0]] : paddingSides(padding);
    const paddedH = inH + padTop + padBottom;
    const paddedW = inW + padLeft + padRight;
    if (ekh > paddedH || ekw > paddedW) {
      const where = padding === 'valid' ? `the ${inH}×${inW} input with 'valid' padding` : `the ${inH}×${inW} input padded to ${paddedH}×${paddedW}`;
      return { error: `${what} does not fit ${where}`, field: kernelField };
    }
    win = {
      inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight,
      outH: windowOutput(inH, ekh, sh, padTop, padBottom, ceilMode),
      outW: windowOutput(inW, ekw, sw, padLeft, padRight, ceilMode),
    };
  }
  if (pool) {
    // A pool's padding is left out: a window of padding alone would have no value (max) or no count (average).
    const row = paddingOnly(win.outH, sh, win.padTop, kh, dh, inH);
    const col = paddingOnly(win.outW, sw, win.padLeft, kw, dw, inW);
    if (row !== undefined || col !== undefined) {
      const where = row !== undefined ? `output row ${row}` : `output column ${col!}`;
      return { error: `the window of ${where} holds padding alone (a pool leaves padding out): use less padding or a larger window`, field: 'padding' };
    }
  }
  return win;
}

/** The first output index along one axis whose window has no tap inside the input, or undefined. */
function paddingOnly(out: number, stride: number, padBefore: number, taps: number, step: number, size: number): number | undefined {
  for (let o = 0; o < out; o++) {
    const start = o * stride - padBefore;
    // The first tap at or after row 0.
    const first = start >= 0 ? start : start + Math.ceil(-start / step) * step;
    if (first > start + (taps - 1) * step || first >= size) return o;
  }
  return undefined;
}

/** Whether the window has more outputs than rounding down gives (ceil mode added a last, partial window). */
export function ceilAddsWindows(win: Window2d): boolean {
  const floor = (size: number, k: number, d: number, s: number, before: number, after: number): number => windowOutput(size, (k - 1) * d + 1, s, before, after, false);
  return win.outH !== floor(win.inH, win.kh, win.dh, win.sh, win.padTop, win.padBottom) || win.outW !== floor(win.inW, win.kw, win.dw, win.sw, win.padLeft, win.padRight);
}

/** How many of a window's taps along one axis count in an average: those in the input, or (countPad) in the
 *  padded input [−padBefore, size + padAfter), as PyTorch's count_include_pad (taps past it, which ceil mode adds, never count). */
export function countedTaps(start: number, taps: number, step: number, size: number, padBefore: number, padAfter: number, countPad: boolean): number {
  const lo = countPad ? -padBefore : 0;
  const hi = countPad ? size + padAfter : size;
  let n = 0;
  for (let k = 0; k < taps; k++) {
    const i = start + k * step;
    if (i >= lo && i < hi) n++;
  }
  return n;
}

export function isWindowError(w: Window2d | WindowError): w is WindowError {
  return 'error' in w;
}
