import { formatDims, type LayerBase, type Shape } from './base';
import { ownBuffers, sizeOf, spatialRegion, wholeRegion, type BufferSpec, type LayerDef, type Region } from './def';
import { common, type LayerSpec } from './fields';

export interface MultiplyLayer extends LayerBase {
  readonly type: 'multiply';
}

const spec: LayerSpec = {
  doc:
    'Element-wise product of two or more inputs (a gate: squeeze-and-excitation). Shapes broadcast as in Keras and NumPy: ' +
    'aligned from the last axis, each dimension equal or 1, so a [1, 1, c] or [c] gate scales every cell of an [h, w, c] input.',
  keras: 'Multiply',
  fields: { ...common },
  required: [],
  template: { type: 'multiply' },
};

/** The broadcast of the inputs' shapes (aligned from the last axis), or the first input that does not fit. */
export function broadcastShapes(inputs: readonly Shape[]): { readonly output: Shape } | { readonly misfit: number } {
  const rank = Math.max(...inputs.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of inputs) for (let i = 0; i < s.length; i++) {
    const o = rank - s.length + i;
    if (out[o] === 1) out[o] = s[i]!;
  }
  const misfit = inputs.findIndex((s) => s.some((d, i) => d !== 1 && d !== out[rank - s.length + i]));
  return misfit < 0 ? { output: out } : { misfit };
}

export const multiply: LayerDef<MultiplyLayer> = {
  spec,
  kind: 'merge',
  inputs: 'many',
  shape(_layer, inputs, errors, names) {
    const b = broadcastShapes(inputs);
    if ('output' in b) return { output: b.output, macs: sizeOf(b.output) * (inputs.length - 1) };
    // Name the misfit against an input it disagrees with (the first, unless the misfit is the first).
    const k = b.misfit;
    const other = inputs.findIndex((s, j) => j !== k && !('output' in broadcastShapes([s, inputs[k]!])));
    const j = other < 0 ? 0 : other;
    errors.push({
      code: 'shape-mismatch',
      field: 'inputs',
      element: k,
      message: `multiply needs shapes that broadcast (aligned from the last axis, each dimension equal or 1): "${names[k]}" gives ${formatDims(inputs[k]!)} but "${names[j]}" gives ${formatDims(inputs[j]!)}`,
    });
    return undefined;
  },
  // Backward reads every input: input k's gradient is dy times the others, summed over its broadcast axes (with
  // three inputs or more, dy times all others but one is formed in 'mid' first).
  buffers: (f, n) =>
    ownBuffers([
      { key: 'y', floats: n * f.outputElements, life: 'output' },
      ...(f.inputs.length > 2 ? [{ key: 'mid', floats: n * f.outputElements, life: 'backward' } as const] : []),
      ...f.inputs.map((inp, k): BufferSpec => ({ key: `dx${k}`, floats: n * sizeOf(inp.shape), life: 'inputGrad', input: k })),
    ], true),
  inputRegion(_f, _k, out, inShape): Region {
    if (out.kind !== 'spatial' || inShape.length !== 3) return wholeRegion(inShape);
    // A broadcast axis (1) is read at its only cell.
    return spatialRegion(inShape[0] === 1 ? 0 : out.r0, inShape[0] === 1 ? 0 : out.r1, inShape[1] === 1 ? 0 : out.c0, inShape[1] === 1 ? 0 : out.c1);
  },
};
