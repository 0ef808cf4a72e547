// Sliding-window arithmetic shared by convolution and pooling, with Keras' "same" padding rule
// (the extra row/column of odd padding goes at the bottom/right).
import type { IntOrPair, Padding } from './layers/base';

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

export function window2d(
  inH: number,
  inW: number,
  kernel: IntOrPair,
  strides: IntOrPair,
  dilation: IntOrPair,
  padding: Padding,
  kernelField = 'kernelSize',
): Window2d | WindowError {
  const [kh, kw] = pair(kernel);
  const [sh, sw] = pair(strides);
  const [dh, dw] = pair(dilation);
  // The span a dilated kernel covers.
  const ekh = (kh - 1) * dh + 1;
  const ekw = (kw - 1) * dw + 1;
  if (padding === 'valid') {
    if (ekh > inH || ekw > inW) {
      const what = dh > 1 || dw > 1 ? `dilated kernel ${ekh}×${ekw}` : `kernel ${kh}×${kw}`;
      return {
        error: `${what} does not fit the ${inH}×${inW} input with 'valid' padding`,
        field: kernelField,
      };
    }
    return {
      inH, inW, kh, kw, sh, sw, dh, dw,
      padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
      outH: Math.floor((inH - ekh) / sh) + 1,
      outW: Math.floor((inW - ekw) / sw) + 1,
    };
  }
  const outH = Math.ceil(inH / sh);
  const outW = Math.ceil(inW / sw);
  const padH = Math.max((outH - 1) * sh + ekh - inH, 0);
  const padW = Math.max((outW - 1) * sw + ekw - inW, 0);
  const padTop = Math.floor(padH / 2);
  const padLeft = Math.floor(padW / 2);
  return { inH, inW, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom: padH - padTop, padRight: padW - padLeft, outH, outW };
}

export function isWindowError(w: Window2d | WindowError): w is WindowError {
  return 'error' in w;
}
