// Breakdowns of the layers without learned sums: pooling, batch norm, add, activation layers, softmax, and the
// layers that only move values (flatten, zero padding, dropout, concatenate).
import type { LayerInfo } from '../../model/analysis';
import { countedTaps } from '../../model/geometry';
import { LAYER_DEFS } from '../../model/layers';
import { countsPadding } from '../../model/layers/avgPool2d';
import { field, fusedActivationAlpha } from '../../model/spec';
import { paddingSides } from '../../model/shapes';
import { shuffledChannel } from '../../model/layers/channelShuffle';
import { layerNormFields } from '../../model/layers/layerNormalization';
import type {
  ActivationLayer, BatchNormLayer, ChannelShuffleLayer, ChannelSliceLayer, GlobalPool2dLayer, HardSigmoidLayer, LayerNormalizationLayer, LeakyReluLayer, Pool2dLayer,
  ZeroPadding2dLayer,
} from '../../model/types';
import { activationStep, softmaxStep } from './activation';
import type { CellBase } from './cellBase';
import type {
  ActivationExplanation, AddExplanation, BatchNormExplanation, CellPosition, CopyExplanation, PoolExplanation,
  ProductExplanation, SoftmaxExplanation, TapWindow,
} from '../../model/explanation';
import { at, type SampleValues } from './values';

type PoolLayer = Pool2dLayer | GlobalPool2dLayer;

/** The breakdown of a pooling layer whose window computes `op`. */
export function explainPool(op: PoolExplanation['op']): (values: SampleValues, info: LayerInfo, base: CellBase, layer: PoolLayer) => PoolExplanation {
  return (values, info, base, layer) => poolCell(values, info, base, layer, op);
}

function poolCell(values: SampleValues, info: LayerInfo, base: CellBase, layer: PoolLayer, op: PoolExplanation['op']): PoolExplanation {
  const type = layer.type;
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const global = LAYER_DEFS[type].kind === 'globalPooling';
  const g = info.window;
  const win: TapWindow = global || !g
    ? { rowStart: 0, colStart: 0, rowStep: 1, colStep: 1, rows: x.h, cols: x.w }
    : { rowStart: row * g.sh - g.padTop, colStart: col * g.sw - g.padLeft, rowStep: g.dh, colStep: g.dw, rows: g.kh, cols: g.kw };
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
  if (op === 'max') return { ...common, keptIndex, output: best };
  // countIncludePad: the average counts the window's padded cells too (as zeros), not those ceil mode adds past them.
  if (type === 'avgPool2d' && g && countsPadding(layer)) {
    const padded = countedTaps(win.rowStart, g.kh, g.dh, g.inH, g.padTop, g.padBottom, true) * countedTaps(win.colStart, g.kw, g.dw, g.inW, g.padLeft, g.padRight, true);
    return { ...common, sum, count: padded, countsPadding: true, output: sum / padded };
  }
  return { ...common, sum, count, output: sum / count };
}

export function explainBatchNorm(values: SampleValues, info: LayerInfo, base: CellBase, layer: BatchNormLayer): BatchNormExplanation {
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

/** Each input read at the cell, a broadcast axis (size 1) at its only index. */
export function explainMultiply(values: SampleValues, _info: LayerInfo, base: CellBase): ProductExplanation {
  const { row, col, channel } = base.position;
  const terms = base.inputs.map((ref) => {
    const x = values.value(ref.index);
    return values.source(ref, { row: x.h === 1 ? 0 : row, col: x.w === 1 ? 0 : col, channel: x.c === 1 ? 0 : channel });
  });
  let product = 1;
  for (const t of terms) product *= t.value;
  return { ...base, kind: 'product', layerType: 'multiply', terms, product };
}

/** The statistics of the cell's position over the channels, as the engine computes them (two passes). */
export function explainLayerNorm(values: SampleValues, info: LayerInfo, base: CellBase, layer: LayerNormalizationLayer): BatchNormExplanation {
  const row = rowValues(values, base)();
  const x = row[base.position.channel]!;
  let mean = 0;
  for (const v of row) mean += v;
  mean /= row.length;
  let variance = 0;
  for (const v of row) variance += (v - mean) * (v - mean);
  variance /= row.length;
  const { epsilon, center, scale } = layerNormFields(layer);
  const gamma = scale ? values.param(info.name, 'gamma')[base.position.channel]! : 1;
  const beta = center ? values.param(info.name, 'beta')[base.position.channel]! : 0;
  const normalized = (x - mean) / Math.sqrt(variance + epsilon);
  return { ...base, kind: 'batchNorm', layerType: 'layerNormalization', x, mean, variance, epsilon, gamma, beta, normalized, output: gamma * normalized + beta };
}

/** The activation layers but softmax; `alpha` is leakyRelu's or hardSigmoid's slope. */
export function explainActivation(
  values: SampleValues, _info: LayerInfo, base: CellBase, layer: Exclude<ActivationLayer, { type: 'softmax' }> | LeakyReluLayer | HardSigmoidLayer,
  alpha = fusedActivationAlpha(layer.type),
): ActivationExplanation {
  const source = values.source(base.inputs[0]!, base.position);
  return { ...base, kind: 'activation', layerType: layer.type, source, activation: activationStep(layer.type, alpha, source.value, rowValues(values, base), base.position.channel) };
}

export function explainLeakyRelu(values: SampleValues, info: LayerInfo, base: CellBase, layer: LeakyReluLayer): ActivationExplanation {
  return explainActivation(values, info, base, layer, field('leakyRelu', layer.alpha, 'alpha'));
}

export function explainHardSigmoid(values: SampleValues, info: LayerInfo, base: CellBase, layer: HardSigmoidLayer): ActivationExplanation {
  return explainActivation(values, info, base, layer, field('hardSigmoid', layer.alpha, 'alpha'));
}

/** Softmax over the last axis: the whole row of the cell's position. */
export function explainSoftmax(values: SampleValues, _info: LayerInfo, base: CellBase): SoftmaxExplanation {
  return { ...base, kind: 'softmax', layerType: 'softmax', softmax: softmaxStep(rowValues(values, base)(), base.position.channel) };
}

/** The input's values along the last axis at the cell's position. */
function rowValues(values: SampleValues, base: CellBase): () => number[] {
  const x = values.value(base.inputs[0]!.index);
  const { row, col } = base.position;
  return () => Array.from(x.data.subarray((row * x.w + col) * x.c, (row * x.w + col + 1) * x.c));
}

/** A breakdown naming the input cell the value was copied from. */
function copied(values: SampleValues, base: CellBase, layerType: CopyExplanation['layerType'], ref: CopyExplanation['inputs'][number], position: CellPosition): CopyExplanation {
  return { ...base, kind: 'copy', layerType, source: values.source(ref, position) };
}

export function explainFlatten(values: SampleValues, _info: LayerInfo, base: CellBase): CopyExplanation {
  const x = values.value(base.inputs[0]!.index);
  const f = base.position.channel;
  return copied(values, base, 'flatten', base.inputs[0]!, { row: Math.floor(f / (x.w * x.c)), col: Math.floor(f / x.c) % x.w, channel: f % x.c });
}

export function explainZeroPadding(values: SampleValues, _info: LayerInfo, base: CellBase, layer: ZeroPadding2dLayer): CopyExplanation {
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const [[top], [left]] = paddingSides(field('zeroPadding2D', layer.padding, 'padding'));
  const r = row - top;
  const c = col - left;
  if (r < 0 || r >= x.h || c < 0 || c >= x.w) return { ...base, kind: 'copy', layerType: 'zeroPadding2D' };
  return copied(values, base, 'zeroPadding2D', base.inputs[0]!, { row: r, col: c, channel });
}

/** Along the last axis: the input whose channel range holds the cell's channel. */
export function explainConcatenate(values: SampleValues, info: LayerInfo, base: CellBase): CopyExplanation {
  const { row, col, channel } = base.position;
  let offset = 0;
  for (const ref of base.inputs) {
    const c = values.value(ref.index).c;
    if (channel < offset + c) return copied(values, base, 'concatenate', ref, { row, col, channel: channel - offset });
    offset += c;
  }
  throw new Error(`layer ${info.name}: channel ${channel} is beyond its inputs`);
}

/** The input channel the permutation takes the cell's channel from. */
export function explainChannelShuffle(values: SampleValues, info: LayerInfo, base: CellBase, layer: ChannelShuffleLayer): CopyExplanation {
  const { row, col, channel } = base.position;
  return copied(values, base, 'channelShuffle', base.inputs[0]!, { row, col, channel: shuffledChannel(channel, info.inputShape![2]!, layer.groups) });
}

/** The input channel the slice takes the cell's channel from. */
export function explainChannelSlice(values: SampleValues, _info: LayerInfo, base: CellBase, layer: ChannelSliceLayer): CopyExplanation {
  const { row, col, channel } = base.position;
  return copied(values, base, 'channelSlice', base.inputs[0]!, { row, col, channel: channel + layer.start });
}

/** The identity at inference. */
export function explainDropout(values: SampleValues, _info: LayerInfo, base: CellBase): CopyExplanation {
  return copied(values, base, 'dropout', base.inputs[0]!, base.position);
}
