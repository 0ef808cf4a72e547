// One sample's values as the explainer reads them: the model input and every layer's output, each viewed as
// [h, w, c] (a rank-1 value [f] as [1, 1, f]), and the layers' params by name.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Network } from '../network';
import type { Tensor } from '../tensor';
import type { CellPosition, CellSource, LayerRef } from '../../model/explanation';

export interface Value3 {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly data: Float32Array;
}

export function as3(shape: Shape): readonly [number, number, number] {
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  if (shape.length === 1) return [1, 1, shape[0]!];
  throw new Error(`cannot explain a value of shape [${shape.join(', ')}]`);
}

export function value3(t: Tensor, shape: Shape): Value3 {
  const [h, w, c] = as3(shape);
  if (t.data.length !== h * w * c) throw new Error(`value has ${t.data.length} numbers, shape [${shape.join(', ')}] needs ${h * w * c}`);
  return { h, w, c, data: t.data };
}

export function at(v: Value3, row: number, col: number, ch: number): number {
  return v.data[(row * v.w + col) * v.c + ch]!;
}

/** The values of one sample: index −1 is the model input, i the output of layer i. */
export class SampleValues {
  constructor(
    private readonly image: Value3,
    private readonly maps: readonly Value3[],
    readonly infos: readonly LayerInfo[],
    private readonly network: Network,
  ) {}

  value(index: number): Value3 {
    if (index < 0) return this.image;
    const v = this.maps[index];
    if (!v) throw new Error(`no feature map for layer ${index}`);
    return v;
  }

  /** Layer i's k-th input as a reference. */
  input(info: LayerInfo, k: number): LayerRef {
    const inp = info.inputs[k];
    if (!inp || inp.index === undefined) throw new Error(`layer ${info.name}: input ${k} does not resolve`);
    return { name: inp.name, index: inp.index };
  }

  source(ref: LayerRef, position: CellPosition): CellSource {
    return { ...ref, position, value: at(this.value(ref.index), position.row, position.col, position.channel) };
  }

  /** A param's values by its name, `<layer>.<param>` (docs/weights.md). */
  param(layer: string, param: string): Float32Array {
    const name = `${layer}.${param}`;
    const p = this.network.params.find((q) => q.name === name);
    if (!p) throw new Error(`the network has no parameter ${name}`);
    return p.value;
  }

  hasParam(layer: string, param: string): boolean {
    const name = `${layer}.${param}`;
    return this.network.params.some((q) => q.name === name);
  }
}
