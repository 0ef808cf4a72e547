import { paddingSides } from '../geometry';
import type { LayerBase, Padding2d } from './base';
import { orDefault } from './convolution';
import { inputGradient, needsSpatial, ownBuffers, spatialRegion, wholeRegion, type LayerDef } from './def';
import { common, MAX_DIM, type LayerSpec } from './fields';

export interface ZeroPadding2dLayer extends LayerBase {
  readonly type: 'zeroPadding2D';
  readonly padding?: Padding2d;
}

const spec: LayerSpec = {
  doc: 'Adds rows and columns of zeros around the height and width.',
  keras: 'ZeroPadding2D',
  fields: {
    ...common,
    padding: { kind: 'padding2d', min: 0, max: MAX_DIM, default: 1, doc: 'Zeros to add: n on every side, [h, w] (top = bottom = h, left = right = w) or [[top, bottom], [left, right]].' },
  },
  required: [],
  template: { type: 'zeroPadding2D', padding: 1 },
};

/** zeroPadding2D's padding as [[top, bottom], [left, right]] (the rule explicit conv and pool padding share). */
export { paddingSides };

/** A zeroPadding2D layer's sides, its default applied. */
export function zeroPaddingSides(layer: ZeroPadding2dLayer): readonly [readonly [number, number], readonly [number, number]] {
  return paddingSides(orDefault(spec, layer.padding, 'padding'));
}

export const zeroPadding2D: LayerDef<ZeroPadding2dLayer> = {
  spec,
  kind: 'reshape',
  shape(layer, [input], errors) {
    const spatial = needsSpatial(layer.type, input!, errors);
    if (!spatial) return undefined;
    const [[top, bottom], [left, right]] = zeroPaddingSides(layer);
    return { output: [spatial[0] + top + bottom, spatial[1] + left + right, spatial[2]] };
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion(f, _k, out, inShape) {
    if (out.kind !== 'spatial') return wholeRegion(inShape);
    const [[top], [left]] = zeroPaddingSides(f.layer);
    return spatialRegion(out.r0 - top, out.r1 - top, out.c0 - left, out.c1 - left);
  },
};
