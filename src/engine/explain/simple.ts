// Breakdowns of the layers without learned sums: pooling, batch norm, add, activation layers, softmax, and the
// layers that only move values (flatten, zero padding, dropout, concatenate).
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import { field, fieldDefault, LEAKY_RELU_ALPHA } from '../../model/spec';
import { paddingSides } from '../../model/shapes';
import type { ActivationName, ZeroPadding2dLayer } from '../../model/types';
import { activationStep, softmaxStep } from './activation';
import type { CellBase } from './cellBase';
import type {
  ActivationExplanation, AddExplanation, BatchNormExplanation, CellPosition, CopyExplanation, PoolExplanation,
  SoftmaxExplanation, TapWindow,
} from '../../model/explanation';
import { at, type SampleValues } from './values';

export function explainPool(values: SampleValues, info: LayerInfo, base: CellBase): PoolExplanation {
  const type = info.layer.type as PoolExplanation['layerType'];
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const global = type === 'globalAvgPool2d' || type === 'globalMaxPool2d';
  const g = info.window;
  const win: TapWindow = global || !g
    ? { rowStart: 0, colStart: 0, rowStep: 1, colStep: 1, rows: x.h, cols: x.w }
    : { rowStart: row * g.sh - g.padTop, colStart: col * g.sw - g.padLeft, rowStep: g.dh, colStep: g.dw, rows: g.kh, cols: g.kw };
  const op: PoolExplanation['op'] = type === 'maxPool2d' || type === 'globalMaxPool2d' ? 'max' : 'mean';
  const vals: number[] = [];
  const inside: boolean[] = [];
  let keptIndex = -1;
  let best = -Infinity;
  let sum = 0;
  let count = 0;
  for (let ky = 0; ky < win.rows; ky++) {
    const r = win.rowStart + ky * win.rowStep;
    for (let kx = 0; kx < win.cols; kx++) {
      const c = win.colStart + kx * win.colStep;
      const ok = r >= 0 && r < x.h && c >= 0 && c < x.w;
      const v = ok ? at(x, r, c, channel) : 0;
      vals.push(v);
      inside.push(ok);
      if (!ok) continue;
      // The first maximum wins ties, as in the engine's kernel.
      if (keptIndex < 0 || v > best) {
        best = v;
        keptIndex = vals.length - 1;
      }
      sum += v;
      count++;
    }
  }
  const common = { ...base, kind: 'pool' as const, layerType: type, op, window: win, values: vals, inside };
  return op === 'max' ? { ...common, keptIndex, output: best } : { ...common, sum, count, output: sum / count };
}

export function explainBatchNorm(values: SampleValues, info: LayerInfo, base: CellBase): BatchNormExplanation {
  const layer = info.layer as Extract<LayerInfo['layer'], { type: 'batchNorm' }>;
  const { row, col, channel } = base.position;
  const x = at(values.value(base.inputs[0]!.index), row, col, channel);
  const mean = values.param(info.name, 'movingMean')[channel]!;
  const variance = values.param(info.name, 'movingVariance')[channel]!;
  const gamma = values.param(info.name, 'gamma')[channel]!;
  const beta = values.param(info.name, 'beta')[channel]!;
  const epsilon = field('batchNorm', layer.epsilon, 'epsilon');
  const normalized = (x - mean) / Math.sqrt(variance + epsilon);
  return { ...base, kind: 'batchNorm', layerType: 'batchNorm', x, mean, variance, epsilon, gamma, beta, normalized, output: gamma * normalized + beta };
}

export function explainAdd(values: SampleValues, _info: LayerInfo, base: CellBase): AddExplanation {
  const terms = base.inputs.map((ref) => values.source(ref, base.position));
  let sum = 0;
  for (const t of terms) sum += t.value;
  return { ...base, kind: 'add', layerType: 'add', terms, sum };
}

export function explainActivation(values: SampleValues, info: LayerInfo, base: CellBase): ActivationExplanation | SoftmaxExplanation {
  const layer = info.layer;
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const rowValues = (): number[] => Array.from(x.data.subarray((row * x.w + col) * x.c, (row * x.w + col + 1) * x.c));
  if (layer.type === 'softmax') return { ...base, kind: 'softmax', layerType: 'softmax', softmax: softmaxStep(rowValues(), channel) };
  const type = layer.type as ActivationExplanation['layerType'];
  const alpha = layer.type === 'leakyRelu' ? (layer.alpha ?? (fieldDefault('leakyRelu', 'alpha') as number)) : LEAKY_RELU_ALPHA;
  const source = values.source(base.inputs[0]!, base.position);
  return { ...base, kind: 'activation', layerType: type, source, activation: activationStep(type as ActivationName, alpha, source.value, rowValues, channel) };
}

export function explainCopy(values: SampleValues, info: LayerInfo, base: CellBase): CopyExplanation {
  const type = info.layer.type as CopyExplanation['layerType'];
  const { row, col, channel } = base.position;
  const x = values.value(base.inputs[0]!.index);
  const from = (ref: CopyExplanation['inputs'][number], position: CellPosition): CopyExplanation => ({
    ...base, kind: 'copy', layerType: type, source: values.source(ref, position),
  });
  switch (type) {
    case 'flatten': {
      const f = channel;
      return from(base.inputs[0]!, { row: Math.floor(f / (x.w * x.c)), col: Math.floor(f / x.c) % x.w, channel: f % x.c });
    }
    case 'zeroPadding2D': {
      const [[top], [left]] = paddingSides(field('zeroPadding2D', (info.layer as ZeroPadding2dLayer).padding, 'padding'));
      const r = row - top;
      const c = col - left;
      if (r < 0 || r >= x.h || c < 0 || c >= x.w) return { ...base, kind: 'copy', layerType: 'zeroPadding2D' };
      return from(base.inputs[0]!, { row: r, col: c, channel });
    }
    case 'concatenate': {
      // Along the last axis: the input whose channel range holds the cell's channel.
      let offset = 0;
      for (let k = 0; k < base.inputs.length; k++) {
        const ref = base.inputs[k]!;
        const c = values.value(ref.index).c;
        if (channel < offset + c) return from(ref, { row, col, channel: channel - offset });
        offset += c;
      }
      throw new Error(`layer ${info.name}: channel ${channel} is beyond its inputs`);
    }
    case 'dropout':
      // The identity at inference.
      return from(base.inputs[0]!, base.position);
    default:
      return assertNever(type, 'layer type');
  }
}
