// A sequential network built from a validated model: forward/backward over the layer list, the fused loss step
// used by training, and per-layer outputs for visualisation.
import type { LayerInfo, ModelAnalysis } from '../model/analysis';
import { planBuffers } from '../model/bufferPlan';
import type { LossName, Model, Shape } from '../model/types';
import { Buf, type Arena } from './arena';
import { getKernels } from './kernels';
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
  /** The memory the network owns: params, gradients, optimizer slots and the plan of every buffer of a step. */
  readonly arena: Arena;
  /** The batch size the buffers are planned for (0 before the first pass); only a larger batch re-plans. */
  readonly plannedBatch: number;
  /** Plans the buffers for batches up to n now (else the first pass does). */
  plan(n: number): void;
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
  const arena = getKernels().createArena();
  // One fork per layer: a layer's initial weights depend only on the seed and its position.
  const layers = analysis.layers.map((info) => createLayer(info, rng.fork(), arena));
  return new SequentialNetwork(analysis.inputShape, analysis.outputShape, analysis.layers, layers, arena);
}

class SequentialNetwork implements Network {
  readonly params: readonly Param[];
  plannedBatch = 0;
  /** The plan's region, and the network's own buffers in it: the input batch and the loss gradient. */
  private planStart = -1;
  private planEnd = -1;
  private input?: Buf;
  private dLoss?: Buf;
  /** Whether the last forward pass was a training one (backward needs it). */
  private trained = false;

  constructor(
    readonly inputShape: Shape,
    readonly outputShape: Shape,
    private readonly infos: readonly LayerInfo[],
    readonly layers: readonly EngineLayer[],
    readonly arena: Arena,
  ) {
    this.params = layers.flatMap((l) => l.params);
  }

  plan(n: number): void {
    if (n <= this.plannedBatch) return;
    const a = this.arena;
    // Re-plan in place when nothing (an optimizer's slots) was allocated above the old plan, else above all.
    if (this.planEnd >= 0 && a.mark() === this.planEnd) a.release(this.planStart);
    const plan = planBuffers(this.inputShape, this.infos, n);
    this.planStart = a.alloc(plan.floats);
    this.planEnd = a.mark();
    const perLayer = this.layers.map(() => new Map<string, Buf>());
    for (const b of plan.buffers) {
      const buf = new Buf(a, this.planStart + b.offset, b.floats);
      if (b.layer >= 0) perLayer[b.layer]!.set(b.key, buf);
      else if (b.key === 'input') this.input = buf;
      else this.dLoss = buf;
    }
    this.layers.forEach((l, i) => l.memory.bind(perLayer[i]!, n));
    this.plannedBatch = n;
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.checkInput(x);
    this.trained = training;
    const n = x.shape[0]!;
    this.plan(n);
    // The batch is copied into the plan's input buffer, so every operand of every kernel is in the arena.
    const input = this.input!.tensor(n, this.inputShape);
    if (input.data !== x.data) input.data.set(x.data);
    let t = input;
    for (const layer of this.layers) t = layer.forward(t, training);
    return t;
  }

  backward(dy: Tensor): Tensor {
    // An inference pass keeps neither the patches nor the pooling winners, and the plan may reuse the memory of
    // values that only training keeps alive.
    if (!this.trained) throw new Error('backward() needs a training forward pass (forward(x, true)) first');
    return this.backwardFrom(this.layers.length - 1, dy);
  }

  zeroGrads(): void {
    for (const p of this.params) if (p.trainable) p.grad.fill(0);
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
      const fused = fusedLossStep(loss, last.activation, last.preActivation(), outputs, labels, true, this.lossGradient(outputs));
      if (fused) {
        this.backwardFrom(this.layers.length - 2, last.backwardPreActivation(fused.dLogits));
        return { loss: fused.loss, outputs };
      }
    }
    const value = lossForward(loss, outputs, labels);
    this.backward(lossBackward(loss, outputs, labels, this.lossGradient(outputs)));
    return { loss: value, outputs };
  }

  /** The plan's dLoss buffer as a tensor shaped like the outputs. */
  private lossGradient(outputs: Tensor): Tensor {
    return this.dLoss!.tensor(outputs.shape[0]!, this.outputShape);
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
    // A one-sample pass uses prefixes of the planned buffers (plans for 1 only when nothing was planned yet).
    this.plan(1);
    const input = this.input!.tensor(1, this.inputShape);
    input.data.set(one.data);
    this.trained = false;
    let t = input;
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
