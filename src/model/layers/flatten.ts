import type { LayerBase } from './base';
import { PASS_THROUGH, sizeOf, spatialRegion, wholeRegion, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';

export interface FlattenLayer extends LayerBase {
  readonly type: 'flatten';
}

const spec: LayerSpec = {
  doc: 'Flattens [h, w, c] to [h·w·c] (row-major, channels last, as Keras).',
  keras: 'Flatten',
  fields: { ...common },
  required: [],
  template: { type: 'flatten' },
};

export const flatten: LayerDef<FlattenLayer> = {
  spec,
  kind: 'reshape',
  shape: (_layer, [input]) => ({ output: [sizeOf(input)] }),
  buffers: () => PASS_THROUGH,
  inputRegion(_f, _k, out, inShape) {
    if (out.kind !== 'flat' || inShape.length !== 3) return wholeRegion(inShape);
    const w = inShape[1]!;
    const c = inShape[2]!;
    const r0 = Math.floor(out.f0 / (w * c));
    const r1 = Math.floor(out.f1 / (w * c));
    if (r0 !== r1) return spatialRegion(r0, r1, 0, w - 1);
    return spatialRegion(r0, r1, Math.floor((out.f0 % (w * c)) / c), Math.floor((out.f1 % (w * c)) / c));
  },
};
