// explainCell: the breakdown of one output cell of one layer for one sample, from the engine's own values (every
// layer's output from Network.featureMaps, an inference pass) and the network's current params.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import type { Layer, LayerOf, LayerType } from '../../model/types';
import type { Network } from '../network';
import type { Tensor } from '../tensor';
import type { CellBase } from './cellBase';
import { explainConv2d, explainDepthwise, explainSeparable } from './conv';
import { explainDense } from './dense';
import { explainNormalization, explainRescaling } from './preprocessing';
import { receptiveField } from './receptiveField';
import {
  explainActivation, explainAdd, explainBatchNorm, explainChannelShuffle, explainChannelSlice, explainConcatenate, explainDropout, explainFlatten,
  explainHardSigmoid, explainLayerNorm, explainLeakyRelu, explainMultiply, explainPool, explainSoftmax, explainZeroPadding,
} from './simple';
import type { CellExplanation, CellPosition } from '../../model/explanation';
import { SampleValues, as3, at, value3 } from './values';

/** "14×14×6" or "120". */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

/** Why a position is not a cell of the layer's output, or undefined when it is one. */
export function positionProblem(info: LayerInfo, position: CellPosition): string | undefined {
  const shape = info.outputShape;
  if (!shape) return `layer "${info.name}" has no known output shape`;
  const [h, w, c] = as3(shape);
  const { row, col, channel } = position;
  const ok = [row, col, channel].every(Number.isInteger) && row >= 0 && row < h && col >= 0 && col < w && channel >= 0 && channel < c;
  if (ok) return undefined;
  if (shape.length === 1 && (row !== 0 || col !== 0)) return `layer "${info.name}" has a flat output (${c} features): row and column must be 0, got row ${row}, column ${col}`;
  const where = shape.length === 1 ? `feature ${channel}` : `row ${row}, column ${col}, channel ${channel}`;
  const range = shape.length === 1 ? `features 0–${c - 1}` : `rows 0–${h - 1}, columns 0–${w - 1}, channels 0–${c - 1}`;
  return `${where} is outside the output of layer "${info.name}" (${formatShape(shape)}: ${range})`;
}

/**
 * Explains output cell (row, col, channel) of layer `layerIndex` (index into analysis.layers = network.layers)
 * for the sample `image` ([h, w, c] or [1, h, w, c]). A rank-1 output ([features]) has row 0, col 0 and the
 * feature as channel. `maps` may pass network.featureMaps(image) when the caller already has it.
 */
export function explainCell(
  network: Network, analysis: ModelAnalysis, image: Tensor, layerIndex: number, row: number, col: number, channel: number,
  maps?: readonly Tensor[],
): CellExplanation {
  const infos = analysis.layers;
  const info = infos[layerIndex];
  if (!info) throw new Error(`no layer ${layerIndex}: the model has ${infos.length}`);
  if (infos.length !== network.layers.length) throw new Error('the analysis and the network disagree on the layers');
  const position = { row, col, channel };
  const problem = positionProblem(info, position);
  if (problem) throw new RangeError(problem);
  const fm = maps ?? network.featureMaps(image);
  const values = new SampleValues(
    value3(image, analysis.inputShape),
    fm.map((t, i) => value3(t, infos[i]!.outputShape!)),
    infos,
    network,
  );
  const base: CellBase = {
    layerIndex,
    layerName: info.name,
    outputShape: info.outputShape!,
    position,
    value: at(values.value(layerIndex), row, col, channel),
    receptiveField: receptiveField(analysis, layerIndex, row, col, channel),
    inputs: info.inputs.map((_, k) => values.input(info, k)),
  };
  return dispatch(values, info, base);
}

/** One layer type's breakdown of a cell, from the sample's values and the network's params. */
type Explainer<L> = (values: SampleValues, info: LayerInfo, base: CellBase, layer: L) => CellExplanation;

/** Every layer type's breakdown: a new type in the registry is a compile error here until it has one. */
const EXPLAINERS: { readonly [T in LayerType]: Explainer<LayerOf<T>> } = {
  conv2d: explainConv2d,
  depthwiseConv2d: explainDepthwise,
  separableConv2d: explainSeparable,
  add: explainAdd,
  concatenate: explainConcatenate,
  multiply: explainMultiply,
  channelSlice: explainChannelSlice,
  zeroPadding2D: explainZeroPadding,
  channelShuffle: explainChannelShuffle,
  maxPool2d: explainPool('max'),
  avgPool2d: explainPool('mean'),
  globalAvgPool2d: explainPool('mean'),
  globalMaxPool2d: explainPool('max'),
  flatten: explainFlatten,
  dense: explainDense,
  dropout: explainDropout,
  batchNorm: explainBatchNorm,
  layerNormalization: explainLayerNorm,
  rescaling: explainRescaling,
  normalization: explainNormalization,
  relu: explainActivation,
  relu6: explainActivation,
  leakyRelu: explainLeakyRelu,
  sigmoid: explainActivation,
  tanh: explainActivation,
  swish: explainActivation,
  hardSwish: explainActivation,
  hardSigmoid: explainHardSigmoid,
  gelu: explainActivation,
  softmax: explainSoftmax,
};

function dispatch(values: SampleValues, info: LayerInfo, base: CellBase): CellExplanation {
  // The entry of the layer's own type (TypeScript cannot correlate the two by itself).
  const explain = EXPLAINERS[info.layer.type] as Explainer<Layer>;
  return explain(values, info, base, info.layer);
}

/** The value a breakdown arrives at in float64 (to compare with `value`, the engine's). */
export function explainedValue(e: CellExplanation): number {
  switch (e.kind) {
    case 'conv':
    case 'separable':
    case 'dense':
      return e.activation.output;
    case 'pool':
    case 'batchNorm':
    case 'affine':
      return e.output;
    case 'softmax':
      return e.softmax.probabilities[e.softmax.index]!;
    case 'add':
      return e.sum;
    case 'product':
      return e.product;
    case 'activation':
      return e.activation.output;
    case 'copy':
      return e.source?.value ?? 0;
    default:
      return assertNever(e, 'explanation');
  }
}
