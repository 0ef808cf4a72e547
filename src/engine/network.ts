// A sequential network built from a validated model: forward/backward over the layer list, the fused loss step
// used by training, and per-layer outputs for visualisation.
import type { ModelAnalysis } from '../model/analysis';
import type { LossName, Model, Shape } from '../model/types';
import type { EngineLayer, Param } from './layer';
import { createLayer } from './layers';
import { fusedLossStep, lossBackward, lossForward } from './losses';
import { createRng } from './rng';
import { cloneTensor, sizeOf, type Tensor } from './tensor';

export interface BatchResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** The network's outputs (probabilities after softmax), [N, ...outputShape]. A network-owned buffer:
   *  valid until the next call of forward/trainBatch/evaluateBatch with the same batch size. */
  readonly outputs: Tensor;
}

export interface Network {
  /** [h, w, c] of one sample. */
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly layers: readonly EngineLayer[];
  /** Every layer's params in layer order (trainable and not). */
  readonly params: readonly Param[];
  /** x is [N, h, w, c]; returns [N, ...outputShape] (network-owned buffer, see BatchResult.outputs). */
  forward(x: Tensor, training: boolean): Tensor;
  /** dLoss/dOutputs of the last forward → accumulates parameter gradients, returns dLoss/dInput. */
  backward(dy: Tensor): Tensor;
  /** Sets every gradient to 0. trainBatch does not do it, so gradients can be accumulated over batches. */
  zeroGrads(): void;
  /** forward(training=true), mean loss, backward: adds d(mean loss)/dParam to every param's grad.
   *  Softmax + cross-entropy (and sigmoid + binary cross-entropy) are fused from the logits, so they stay stable. */
  trainBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult;
  /** forward(training=false) and the mean loss; no gradients. */
  evaluateBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult;
  /** Every layer's output for one sample x ([h, w, c] or [1, h, w, c]), copied, in layer order (input excluded). */
  featureMaps(x: Tensor): Tensor[];
}

export function buildNetwork(model: Model, analysis: ModelAnalysis, seed: number): Network {
  const problems = analysis.layers.flatMap((l) => l.errors.map((e) => `layer ${l.index} (${l.name}): ${e.message}`));
  if (!analysis.ok || problems.length > 0 || !analysis.outputShape) {
    throw new Error(`cannot build model '${model.name}': ${problems.length ? problems.join('; ') : 'its shapes are unknown'}`);
  }
  const rng = createRng(seed);
  // One fork per layer: a layer's initial weights depend only on the seed and its position.
  const layers = analysis.layers.map((info) => createLayer(info, rng.fork()));
  return new SequentialNetwork(analysis.inputShape, analysis.outputShape, layers);
}

class SequentialNetwork implements Network {
  readonly params: readonly Param[];
  /** The loss gradient buffer, reused across batches of the same size. */
  private dLoss?: Tensor;

  constructor(
    readonly inputShape: Shape,
    readonly outputShape: Shape,
    readonly layers: readonly EngineLayer[],
  ) {
    this.params = layers.flatMap((l) => l.params);
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.checkInput(x);
    let t = x;
    for (const layer of this.layers) t = layer.forward(t, training);
    return t;
  }

  backward(dy: Tensor): Tensor {
    return this.backwardFrom(this.layers.length - 1, dy);
  }

  zeroGrads(): void {
    for (const p of this.params) p.grad.fill(0);
  }

  trainBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    const first = this.layers[0];
    // Nobody reads the gradient with respect to the image during training: skip its (costly) computation.
    if (first) first.inputGradient = false;
    try {
      return this.lossStep(x, labels, loss);
    } finally {
      if (first) first.inputGradient = true;
    }
  }

  private lossStep(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    const outputs = this.forward(x, true);
    const last = this.layers[this.layers.length - 1];
    if (last?.activation && last.preActivation && last.backwardPreActivation) {
      const fused = fusedLossStep(loss, last.activation, last.preActivation(), outputs, labels, true, this.dLoss);
      if (fused) {
        this.dLoss = fused.dLogits;
        this.backwardFrom(this.layers.length - 2, last.backwardPreActivation(fused.dLogits));
        return { loss: fused.loss, outputs };
      }
    }
    const value = lossForward(loss, outputs, labels);
    this.dLoss = lossBackward(loss, outputs, labels, this.dLoss);
    this.backward(this.dLoss);
    return { loss: value, outputs };
  }

  evaluateBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    const outputs = this.forward(x, false);
    const last = this.layers[this.layers.length - 1];
    if (last?.activation && last.preActivation) {
      const fused = fusedLossStep(loss, last.activation, last.preActivation(), outputs, labels, false);
      if (fused) return { loss: fused.loss, outputs };
    }
    return { loss: lossForward(loss, outputs, labels), outputs };
  }

  featureMaps(x: Tensor): Tensor[] {
    const one = x.shape.length === this.inputShape.length ? { shape: [1, ...x.shape], data: x.data } : x;
    this.checkInput(one);
    if (one.shape[0] !== 1) throw new Error(`featureMaps takes one sample, got a batch of ${one.shape[0]}`);
    const maps: Tensor[] = [];
    let t = one;
    for (const layer of this.layers) {
      t = layer.forward(t, false);
      maps.push(cloneTensor({ shape: t.shape.slice(1), data: t.data }));
    }
    return maps;
  }

  private backwardFrom(last: number, dy: Tensor): Tensor {
    let g = dy;
    for (let i = last; i >= 0; i--) g = this.layers[i]!.backward(g);
    return g;
  }

  private checkInput(x: Tensor): void {
    const want = this.inputShape;
    const ok = x.shape.length === want.length + 1 && want.every((d, i) => x.shape[i + 1] === d);
    if (!ok || x.data.length !== sizeOf(x.shape)) {
      throw new Error(`network input must be [N, ${want.join(', ')}], got [${x.shape.join(', ')}]`);
    }
  }
}
