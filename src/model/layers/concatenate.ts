import type { LayerBase } from './base';
import { ownBuffers, sizeOf, type BufferSpec, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';
import { mergeInputsFit, sameDims } from './merge';

export interface ConcatenateLayer extends LayerBase {
  readonly type: 'concatenate';
}

const spec: LayerSpec = {
  doc: 'Joins two or more inputs along the channel (last) axis; all other dimensions must be equal.',
  keras: 'Concatenate',
  fields: { ...common },
  required: [],
  template: { type: 'concatenate' },
};

export const concatenate: LayerDef<ConcatenateLayer> = {
  spec,
  kind: 'merge',
  inputs: 'many',
  shape(_layer, inputs, errors, names) {
    const first = inputs[0]!;
    const what = first.length === 3 ? 'equal height and width' : 'inputs of equal shape but for the last axis';
    const fit = mergeInputsFit('concatenate', inputs, names, (a, b) => (a.length === b.length && sameDims(a.slice(0, -1), b.slice(0, -1)) ? undefined : what), errors);
    if (!fit) return undefined;
    const last = first.length - 1;
    let channels = 0;
    for (const s of inputs) channels += s[last]!;
    return { output: [...first.slice(0, last), channels] };
  },
  // Input k's gradient is its channel slice of dLoss/dOutput, one buffer per input.
  buffers: (f, n) =>
    ownBuffers([
      { key: 'y', floats: n * f.outputElements, life: 'output' },
      ...f.inputs.map((inp, k): BufferSpec => ({ key: `dx${k}`, floats: n * sizeOf(inp.shape), life: 'inputGrad', input: k })),
    ], false),
  inputRegion(f, k, out) {
    if (out.kind === 'spatial') return out;
    let offset = 0;
    for (let j = 0; j < k; j++) offset += f.inputs[j]?.shape?.[0] ?? 0;
    return { kind: 'flat', f0: out.f0 - offset, f1: out.f1 - offset };
  },
};
