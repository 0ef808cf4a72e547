// The receptive field of a cell: the model-input rows and columns it can depend on, found by walking the graph
// backwards from the cell and mapping each layer's output region to its inputs' regions (a hull per value, so a
// graph's paths are united). Regions are clipped to each value's extent at every step: what falls outside is
// padding, which reads no pixel.
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import { defOf } from '../../model/layers';
import { spatialRegion, type Region } from '../../model/layers/def';
import type { Shape } from '../../model/types';
import type { ReceptiveField } from '../../model/explanation';

export const EMPTY_FIELD: ReceptiveField = { rows: [0, -1], cols: [0, -1] };

/** The region clipped to the value's extent, or undefined when nothing is left. */
function clip(r: Region, shape: Shape): Region | undefined {
  if (r.kind === 'flat') {
    const f0 = Math.max(r.f0, 0);
    const f1 = Math.min(r.f1, (shape.length === 1 ? shape[0]! : shape.reduce((a, b) => a * b, 1)) - 1);
    return f0 <= f1 ? { kind: 'flat', f0, f1 } : undefined;
  }
  const r0 = Math.max(r.r0, 0);
  const r1 = Math.min(r.r1, shape[0]! - 1);
  const c0 = Math.max(r.c0, 0);
  const c1 = Math.min(r.c1, shape[1]! - 1);
  return r0 <= r1 && c0 <= c1 ? spatialRegion(r0, r1, c0, c1) : undefined;
}

function hull(a: Region | undefined, b: Region): Region {
  if (!a) return b;
  if (a.kind === 'flat' && b.kind === 'flat') return { kind: 'flat', f0: Math.min(a.f0, b.f0), f1: Math.max(a.f1, b.f1) };
  if (a.kind === 'spatial' && b.kind === 'spatial') return spatialRegion(Math.min(a.r0, b.r0), Math.max(a.r1, b.r1), Math.min(a.c0, b.c0), Math.max(a.c1, b.c1));
  throw new Error('receptive field: a value read both as spatial and as flat');
}

/** The region of input k of `info` that its output region `out` reads (before clipping): its definition's geometry. */
function inputRegion(info: LayerInfo, k: number, out: Region): Region | undefined {
  const inShape = info.inputs[k]?.shape;
  return inShape && defOf(info.layer).inputRegion(info, k, out, inShape);
}

/** The receptive field of cell (row, col) of layer `layerIndex` (index into analysis.layers; rank-1 outputs:
 *  `row` ignored, `col` ignored, `channel` is the feature). */
export function receptiveField(analysis: ModelAnalysis, layerIndex: number, row: number, col: number, channel = 0): ReceptiveField {
  const infos = analysis.layers;
  const info = infos[layerIndex];
  if (!info?.outputShape) throw new Error(`no layer ${layerIndex} with a known output shape`);
  // regions[v]: v = 0 the model input, i + 1 layer i's output.
  const regions = new Array<Region | undefined>(infos.length + 1);
  regions[layerIndex + 1] = info.outputShape.length === 3 ? spatialRegion(row, row, col, col) : { kind: 'flat', f0: channel, f1: channel };
  for (let i = layerIndex; i >= 0; i--) {
    const out = regions[i + 1];
    const l = infos[i]!;
    if (!out) continue;
    l.inputs.forEach((inp, k) => {
      if (inp.index === undefined || !inp.shape) return;
      const r = inputRegion(l, k, out);
      const clipped = r && clip(r, inp.shape);
      if (clipped) regions[inp.index + 1] = hull(regions[inp.index + 1], clipped);
    });
  }
  const r = regions[0];
  if (!r) return EMPTY_FIELD;
  if (r.kind === 'flat') return { rows: [0, analysis.inputShape[0]! - 1], cols: [0, analysis.inputShape[1]! - 1] };
  return { rows: [r.r0, r.r1], cols: [r.c0, r.c1] };
}
