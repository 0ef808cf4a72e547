// explainCell: the breakdown of one output cell of one layer for one sample, from the engine's own values (every
// layer's output from Network.featureMaps, an inference pass) and the network's current params.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import type { Network } from '../network';
import type { Tensor } from '../tensor';
import type { CellBase } from './cellBase';
import { explainConv, explainSeparable } from './conv';
import { explainDense } from './dense';
import { receptiveField } from './receptiveField';
import { explainActivation, explainAdd, explainBatchNorm, explainCopy, explainPool } from './simple';
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

function dispatch(values: SampleValues, info: LayerInfo, base: CellBase): CellExplanation {
  const type = info.layer.type;
  switch (type) {
    case 'conv2d':
    case 'depthwiseConv2d':
      return explainConv(values, info, base);
    case 'separableConv2d':
      return explainSeparable(values, info, base);
    case 'dense':
      return explainDense(values, info, base);
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalMaxPool2d':
    case 'globalAvgPool2d':
      return explainPool(values, info, base);
    case 'batchNorm':
      return explainBatchNorm(values, info, base);
    case 'add':
      return explainAdd(values, info, base);
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return explainActivation(values, info, base);
    case 'flatten':
    case 'zeroPadding2D':
    case 'dropout':
    case 'concatenate':
      return explainCopy(values, info, base);
    default:
      return assertNever(type, 'layer type');
  }
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
      return e.output;
    case 'softmax':
      return e.softmax.probabilities[e.softmax.index]!;
    case 'add':
      return e.sum;
    case 'activation':
      return e.activation.output;
    case 'copy':
      return e.source?.value ?? 0;
    default:
      return assertNever(e, 'explanation');
  }
}
