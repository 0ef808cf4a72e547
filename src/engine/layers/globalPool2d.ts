// Global average / max pooling: [h, w, c] → [c], as one pooling window covering the whole input.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { shapes } from './common';

export function wholeInputWindow(info: LayerInfo): Window2d {
  const [inH, inW] = shapes(info).input as [number, number, number];
  return {
    inH, inW, kh: inH, kw: inW, sh: 1, sw: 1, dh: 1, dw: 1,
    padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outH: 1, outW: 1,
  };
}
