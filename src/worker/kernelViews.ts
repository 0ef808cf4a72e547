// Every weight layer's kernels for the training view, in file order: a conv's kh×kw tiles per output × input
// channel, a depthwise kernel's tile per channel, dense kernels and 1×1 / pointwise convolutions as a matrix.
// A big layer is cut to its first rows and columns (the view says how many there are) so a message stays small
// and drawing never freezes the view; the colour scale is the whole parameter's.
import type { Network } from '../engine/network';
import type { LayerInfo } from '../model/analysis';
import { paramDefs } from '../model/layers';
import type { KernelLayout } from '../model/layers/def';
import type { KernelView } from '../protocol/worker';

/** Tiles drawn per conv layer: output channels × input channels. */
export const MAX_TILE_ROWS = 64;
export const MAX_TILE_COLS = 32;
/** Depthwise channels drawn. */
export const MAX_DEPTHWISE = 256;
/** Matrix cells drawn: outputs × inputs. */
export const MAX_MATRIX_ROWS = 256;
export const MAX_MATRIX_COLS = 1024;

function absMax(w: Float32Array): number {
  let m = 0;
  for (let i = 0; i < w.length; i++) {
    const a = Math.abs(w[i]);
    if (a > m) m = a;
  }
  return m;
}

/** kernel [kh, kw, inC, outC] (HWIO) → the first rows × cols tiles as [out][in][kh][kw]. */
function convTiles(layer: string, param: string, w: Float32Array, shape: readonly number[]): KernelView {
  const [kh, kw, inC, outC] = shape as [number, number, number, number];
  if (kh === 1 && kw === 1) return matrix(layer, param, w, shape, inC, outC);
  const rows = Math.min(outC, MAX_TILE_ROWS);
  const cols = Math.min(inC, MAX_TILE_COLS);
  const data = new Float32Array(rows * cols * kh * kw);
  let o = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) data[o++] = w[((y * kw + x) * inC + c) * outC + r];
  return { layer, param, kind: 'conv', shape: [...shape], rows, cols, totalRows: outC, totalCols: inC, kh, kw, data, absMax: absMax(w) };
}

/** depthwise kernel [kh, kw, channels, multiplier] → [channel][m][kh][kw]. */
function depthwiseTiles(layer: string, param: string, w: Float32Array, shape: readonly number[]): KernelView {
  const [kh, kw, ch, mult] = shape as [number, number, number, number];
  const rows = Math.min(ch, MAX_DEPTHWISE);
  const data = new Float32Array(rows * mult * kh * kw);
  let o = 0;
  for (let c = 0; c < rows; c++)
    for (let m = 0; m < mult; m++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) data[o++] = w[((y * kw + x) * ch + c) * mult + m];
  return { layer, param, kind: 'depthwise', shape: [...shape], rows, cols: mult, totalRows: ch, totalCols: mult, kh, kw, data, absMax: absMax(w) };
}

/** An [in, out] matrix (a dense kernel, or a 1×1 kernel's in × out) → [out][in]: a row per output unit. */
function matrix(layer: string, param: string, w: Float32Array, shape: readonly number[], inF: number, outF: number): KernelView {
  const rows = Math.min(outF, MAX_MATRIX_ROWS);
  const cols = Math.min(inF, MAX_MATRIX_COLS);
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = w[c * outF + r];
  return { layer, param, kind: 'matrix', shape: [...shape], rows, cols, totalRows: outF, totalCols: inF, kh: 1, kw: 1, data, absMax: absMax(w) };
}

type Make = (layer: string, param: string, w: Float32Array, shape: readonly number[]) => KernelView;
const denseMatrix: Make = (l, n, w, s) => matrix(l, n, w, s, s[0]!, s[1]!);

/** How each kernel layout is drawn (the registry's ParamDef.layout says which params are kernels, and how). */
const DRAW: { readonly [K in KernelLayout]: Make } = {
  conv: convTiles,
  depthwise: depthwiseTiles,
  matrix: denseMatrix,
};

/** The kernels of every weight layer of a network built from `infos` (the shape function's, in file order), each
 *  layer's in its definition's order. */
export function kernelViews(network: Network, infos: readonly LayerInfo[]): KernelView[] {
  const byName = new Map(network.params.map((p) => [p.name, p]));
  const views: KernelView[] = [];
  for (const info of infos) {
    for (const { name, layout } of paramDefs(info)) {
      const p = byName.get(`${info.name}.${name}`);
      if (layout && p) views.push(DRAW[layout](info.name, p.name, p.value, p.shape));
    }
  }
  return views;
}
