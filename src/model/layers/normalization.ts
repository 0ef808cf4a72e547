import { formatDims, type LayerBase } from './base';
import { inputGradient, ownBuffers, sameRegion, sizeOf, type LayerDef } from './def';
import { common, type LayerSpec } from './fields';
import { PREPROCESSING_LIMIT } from './rescaling';

export interface NormalizationLayer extends LayerBase {
  readonly type: 'normalization';
  /** One number for every channel, or one per channel. */
  readonly mean: number | readonly number[];
  readonly variance: number | readonly number[];
}

/** Keras' backend epsilon: the divisor is max(√variance, ε), so a zero variance divides by ε, not by 0. */
export const NORMALIZATION_EPSILON = 1e-7;

const spec: LayerSpec = {
  doc:
    'Preprocessing in the model: y = (x − mean) / max(√variance, 1e-7) per channel (the last axis), with fixed statistics and no parameters ' +
    '(Keras\' Normalization given mean and variance). ImageNet\'s convention for 0–1 pixels (torchvision backbones): ' +
    'mean [0.485, 0.456, 0.406], variance [0.052441, 0.050176, 0.050625] (the squares of std [0.229, 0.224, 0.225]).',
  keras: 'Normalization',
  fields: {
    ...common,
    mean: { kind: 'numberOrList', min: -PREPROCESSING_LIMIT, max: PREPROCESSING_LIMIT, doc: 'Subtracted: one number for every channel, or one per channel.' },
    variance: {
      kind: 'numberOrList',
      min: 0,
      max: PREPROCESSING_LIMIT,
      doc: 'The divisor is its square root (a standard deviation squared): one number for every channel, or one per channel.',
    },
  },
  required: ['mean', 'variance'],
  template: { type: 'normalization', mean: 0.5, variance: 0.25 },
};

/** The values of a number-or-list field for `channels` channels (a number is repeated). */
export function perChannel(value: number | readonly number[], channels: number): number[] {
  return typeof value === 'number' ? new Array<number>(channels).fill(value) : [...value];
}

const channelsOf = (shape: readonly number[]): number => shape[shape.length - 1] ?? 0;

export const normalization: LayerDef<NormalizationLayer> = {
  spec,
  kind: 'normalization',
  shape(layer, [input], errors) {
    const c = channelsOf(input!);
    let ok = true;
    for (const field of ['mean', 'variance'] as const) {
      const v = layer[field];
      if (typeof v === 'number' || v.length === c) continue;
      ok = false;
      errors.push({
        code: 'bad-input',
        field,
        message: `normalization.${field} has ${v.length} value${v.length === 1 ? '' : 's'} but the input has ${c} channel${c === 1 ? '' : 's'} (input ${formatDims(input!)}): give one number or ${c}`,
      });
    }
    return ok ? { output: input!, macs: sizeOf(input) } : undefined;
  },
  buffers: (f, n) => ownBuffers([{ key: 'y', floats: n * f.outputElements, life: 'output' }, inputGradient(f, n)], false),
  inputRegion: sameRegion,
};

/** max(√variance, ε) per channel: Keras' divisor. */
export function normalizationDivisors(layer: NormalizationLayer, channels: number): number[] {
  return perChannel(layer.variance, channels).map((v) => Math.max(Math.sqrt(v), NORMALIZATION_EPSILON));
}

/** The layer as y = x · scale[c] + offset[c] (float64): what the engine computes and explanations show. */
export function normalizationAffine(layer: NormalizationLayer, channels: number): { readonly scale: number[]; readonly offset: number[] } {
  const mean = perChannel(layer.mean, channels);
  const scale = normalizationDivisors(layer, channels).map((d) => 1 / d);
  return { scale, offset: mean.map((m, i) => -m * scale[i]!) };
}
