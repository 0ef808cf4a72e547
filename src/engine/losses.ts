// Losses over a batch of outputs [N, ...] against integer labels (class indices), averaged like Keras.
// Targets: one-hot of the label when the output has C > 1 units; the label itself (0/1) when it has one unit.
// Probabilities are clipped to [1e-7, 1 − 1e-7] (Keras' epsilon); fusedLossStep works from logits instead.
import type { ActivationName, LossName } from '../model/types';
import { getKernels } from './kernels';
import { reuse, sizeOf, type Tensor } from './tensor';

const EPS = 1e-7;
/** dLogits when no gradient is asked for (evaluation): one shared empty tensor, nothing allocated per batch. */
const NO_GRADIENT: Tensor = { shape: [0], data: new Float32Array(0) };

interface Rows {
  readonly n: number;
  readonly c: number;
}

function rows(outputs: Tensor, labels: Int32Array): Rows {
  const n = outputs.shape[0] ?? 0;
  const c = n > 0 ? sizeOf(outputs.shape) / n : 0;
  if (labels.length !== n) throw new Error(`${labels.length} labels for a batch of ${n} outputs`);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (y < 0 || (c > 1 && y >= c) || (c === 1 && y > 1)) {
      throw new Error(`label ${y} of sample ${i} is out of range for ${c} output unit${c === 1 ? '' : 's'}`);
    }
  }
  return { n, c };
}

/** The target value of output unit j of a sample with label y. */
function target(y: number, j: number, c: number): number {
  return c === 1 ? y : y === j ? 1 : 0;
}

const isCrossEntropy = (loss: LossName): boolean => loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy';

/** Mean loss of `outputs` (the network's final values, e.g. probabilities). */
export function lossForward(loss: LossName, outputs: Tensor, labels: Int32Array): number {
  const { n, c } = rows(outputs, labels);
  const p = outputs.data;
  let sum = 0;
  if (isCrossEntropy(loss)) {
    for (let i = 0; i < n; i++) sum -= Math.log(clip(p[i * c + labels[i]!]!));
    return n ? sum / n : 0;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const v = p[i * c + j]!;
      const t = target(labels[i]!, j, c);
      if (loss === 'binaryCrossentropy') { const q = clip(v); sum -= t * Math.log(q) + (1 - t) * Math.log(1 - q); }
      else sum += (v - t) * (v - t);
    }
  }
  return n * c ? sum / (n * c) : 0;
}

/** d(mean loss)/d(outputs), written into `out` (reused when given with the right shape). */
export function lossBackward(loss: LossName, outputs: Tensor, labels: Int32Array, out?: Tensor): Tensor {
  const { n, c } = rows(outputs, labels);
  const g = reuse(out, outputs.shape);
  const p = outputs.data;
  const d = g.data;
  if (isCrossEntropy(loss)) {
    d.fill(0);
    for (let i = 0; i < n; i++) {
      const k = i * c + labels[i]!;
      const v = p[k]!;
      // Zero where the clip is active, as the clipped function is flat there.
      d[k] = v > EPS && v < 1 - EPS ? -1 / (n * v) : 0;
    }
    return g;
  }
  const scale = 1 / (n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const k = i * c + j;
      const v = p[k]!;
      const t = target(labels[i]!, j, c);
      if (loss === 'binaryCrossentropy') d[k] = v > EPS && v < 1 - EPS ? scale * ((1 - t) / (1 - v) - t / v) : 0;
      else d[k] = 2 * scale * (v - t);
    }
  }
  return g;
}

export interface FusedLoss {
  readonly loss: number;
  /** d(mean loss)/d(logits); empty when not requested. */
  readonly dLogits: Tensor;
}

/**
 * Softmax + (sparse) categorical cross-entropy, or sigmoid + binary cross-entropy, computed from the logits so that
 * neither the loss nor its gradient (p − t)/N loses precision. undefined when the pair is not one of those.
 * `probs` are the activation's outputs for the same logits.
 */
export function fusedLossStep(
  loss: LossName, activation: ActivationName, logits: Tensor, probs: Tensor, labels: Int32Array,
  withGradient = true, out?: Tensor,
): FusedLoss | undefined {
  const softmaxCe = activation === 'softmax' && isCrossEntropy(loss);
  const sigmoidBce = activation === 'sigmoid' && loss === 'binaryCrossentropy';
  if (!softmaxCe && !sigmoidBce) return undefined;
  const { n, c } = rows(logits, labels);
  const z = logits.data;
  const p = probs.data;
  const g = withGradient ? reuse(out, logits.shape) : NO_GRADIENT;
  const d = g.data;
  // One kernel (kernels/softmaxLoss: the loss by log-sum-exp, dLogits = (p − t)/N), in WebAssembly when it runs there.
  if (softmaxCe) return { loss: getKernels().softmaxCrossEntropy(z, p, labels, n, c, withGradient ? d : undefined), dLogits: g };
  let sum = 0;
  const scale = 1 / (n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const k = i * c + j;
      const v = z[k]!;
      const t = target(labels[i]!, j, c);
      sum += Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
      if (withGradient) d[k] = scale * (p[k]! - t);
    }
  }
  return { loss: n * c ? sum * scale : 0, dLogits: g };
}

function clip(v: number): number {
  return v < EPS ? EPS : v > 1 - EPS ? 1 - EPS : v;
}
