import type { LayerBase } from './base';
import { sameRegion, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';
import { mergeInputsFit, sameDims } from './merge';

export interface AddLayer extends LayerBase {
  readonly type: 'add';
}

const spec: LayerSpec = {
  doc: 'Element-wise sum of two or more inputs of equal shape (a residual connection).',
  keras: 'Add',
  fields: { ...common },
  required: [],
  template: { type: 'add' },
};

export const add: LayerDef<AddLayer> = {
  spec,
  kind: 'merge',
  inputs: 'many',
  shape(_layer, inputs, errors, names) {
    const fit = mergeInputsFit('add', inputs, names, (a, b) => (sameDims(a, b) ? undefined : 'equal shapes'), errors);
    return fit ? { output: inputs[0]! } : undefined;
  },
  // dLoss/dInput_k = dLoss/dOutput for every input.
  buffers: (f, n) => ({ buffers: [{ key: 'y', floats: n * f.outputElements, life: 'output' }], readsInput: false, readsOutput: false, passThrough: false, gradientPassThrough: true }),
  inputRegion: sameRegion,
};
