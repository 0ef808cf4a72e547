// Breakdown of a dense cell: every weight × input product in float64, the ten largest by magnitude shown and the
// rest summed, plus the bias. Dense applies to the last axis, so a spatial input gives one vector per position.
import type { LayerInfo } from '../../model/analysis';
import { field, fusedActivationAlpha } from '../../model/spec';
import type { DenseLayer } from '../../model/types';
import { activationStep } from './activation';
import type { CellBase } from './cellBase';
import type { DenseExplanation, DenseTerm } from '../../model/explanation';
import type { SampleValues } from './values';

export const DENSE_TOP = 10;

export function explainDense(values: SampleValues, info: LayerInfo, base: CellBase, layer: DenseLayer): DenseExplanation {
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const inF = x.c;
  const outF = layer.units;
  const offset = (row * x.w + col) * inF;
  const kernel = values.param(info.name, 'kernel');
  const useBias = field('dense', layer.useBias, 'useBias');
  const bias = useBias ? values.param(info.name, 'bias') : undefined;
  const activation = field('dense', layer.activation, 'activation');
  const pre = (o: number): number => {
    let s = bias ? bias[o]! : 0;
    for (let i = 0; i < inF; i++) s += x.data[offset + i]! * kernel[i * outF + o]!;
    return s;
  };
  const terms: DenseTerm[] = [];
  for (let i = 0; i < inF; i++) {
    const input = x.data[offset + i]!;
    const weight = kernel[i * outF + channel]!;
    terms.push({ index: i, input, weight, product: input * weight });
  }
  // Largest magnitude first; ties by index, so the order is stable.
  const sorted = [...terms].sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.index - b.index);
  const top = sorted.slice(0, DENSE_TOP);
  let restSum = 0;
  for (const t of sorted.slice(DENSE_TOP)) restSum += t.product;
  let z = bias ? bias[channel]! : 0;
  for (const t of top) z += t.product;
  z += restSum;
  const row_ = (): number[] => Array.from({ length: outF }, (_, o) => (o === channel ? z : pre(o)));
  return {
    ...base,
    kind: 'dense',
    layerType: 'dense',
    inputFeatures: inF,
    top,
    restSum,
    restCount: sorted.length - top.length,
    bias: bias ? bias[channel]! : 0,
    useBias,
    preActivation: z,
    activation: activationStep(activation, fusedActivationAlpha(activation), z, row_, channel),
  };
}
