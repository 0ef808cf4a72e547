// Breakdowns of the preprocessing layers (rescaling, normalization): one input value and the layer's fixed constants.
import type { LayerInfo } from '../../model/analysis';
import type { AffineExplanation } from '../../model/explanation';
import { normalizationDivisors, perChannel } from '../../model/layers/normalization';
import { rescalingFields } from '../../model/layers/rescaling';
import type { NormalizationLayer, RescalingLayer } from '../../model/types';
import type { CellBase } from './cellBase';
import type { SampleValues } from './values';

export function explainRescaling(values: SampleValues, _info: LayerInfo, base: CellBase, layer: RescalingLayer): AffineExplanation {
  const source = values.source(base.inputs[0]!, base.position);
  const { scale, offset } = rescalingFields(layer);
  return { ...base, kind: 'affine', layerType: 'rescaling', source, scale, offset, output: source.value * scale + offset };
}

export function explainNormalization(values: SampleValues, info: LayerInfo, base: CellBase, layer: NormalizationLayer): AffineExplanation {
  const source = values.source(base.inputs[0]!, base.position);
  const shape = info.inputShape ?? [];
  const channels = shape[shape.length - 1] ?? 1;
  const c = base.position.channel;
  const mean = perChannel(layer.mean, channels)[c]!;
  const variance = perChannel(layer.variance, channels)[c]!;
  const divisor = normalizationDivisors(layer, channels)[c]!;
  return { ...base, kind: 'affine', layerType: 'normalization', source, mean, variance, divisor, output: (source.value - mean) / divisor };
}
