// A network built from a validated model: a graph of layers in file order (dependency order), each reading the
// outputs its `inputs` name (a chain is the case where each reads the previous layer); forward and backward over
// it, the fused loss step used by training, and per-layer outputs for visualisation.
//
// Gradients: layers run backward in reverse file order, each handing back one dLoss/dInput per input
// (EngineLayer.backward, or backwardInputs for add/concatenate). Where a value feeds several layers (or one
// layer twice, add([x, x])), the network sums the contributions: the first is used as it is, the second is added
// to it into the value's own 'gradSum' buffer of the plan, later ones into that (model/bufferPlan plans exactly
// this). Layers whose output does not reach the last layer (dead branches) run forward, for their feature maps,
// and get no gradient. In training, layers that no trainable parameter lies at or before (a frozen backbone) get
// no backward pass at all, and the first layers with one compute no input gradient.
import type { LayerInfo, ModelAnalysis } from '../model/analysis';
import type { BufferKey } from '../model/layers/def';
import { GRAD_SUM, planBuffers, reachesOutput, trainedUpstream } from './plan/bufferPlan';
import type { LossName, Model, Shape } from '../model/types';
import { allocBuf, Buf, type Arena } from './arena';
import { getKernels } from './kernels';
import { findFolds, Folds } from './fold';
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

/** Options of Network.gradients (explanations: saliency, Grad-CAM). */
export interface GradientOptions {
  /** dy is d(score)/d(the last layer's pre-activation), its logits: the last activation's derivative is skipped. */
  readonly preActivation?: boolean;
  /** Called in backward with d(score)/d(layer i's output) once every reader has added to it (a view of the
   *  network's memory, valid during the call only). Not called for layers that no gradient reaches, nor for the
   *  last layer with `preActivation`. */
  readonly onGradient?: (layer: number, grad: Tensor) => void;
}

export interface Network {
  /** [h, w, c] of one sample. */
  readonly inputShape: Shape;
  /** The last layer's output shape (the model's output). */
  readonly outputShape: Shape;
  /** In file order. */
  readonly layers: readonly EngineLayer[];
  /** Every layer's params in layer order (trainable and not). */
  readonly params: readonly Param[];
  /** The memory the network owns: params, gradients, optimizer slots and the plan of every buffer of a step. */
  readonly arena: Arena;
  /** The batch size the buffers are planned for (0 before the first pass); only a larger batch re-plans. */
  readonly plannedBatch: number;
  /** Plans the buffers for batches up to n now (else the first pass does). */
  plan(n: number): void;
  /** x is [N, h, w, c]; returns the last layer's output [N, ...outputShape] (network-owned buffer, see BatchResult.outputs). */
  forward(x: Tensor, training: boolean): Tensor;
  /** dLoss/dOutputs of the last forward → accumulates parameter gradients, returns dLoss/dInput (summed over
   *  every layer that reads the model input). */
  backward(dy: Tensor): Tensor;
  /** Sets every gradient to 0. trainBatch does not do it, so gradients can be accumulated over batches. */
  zeroGrads(): void;
  /** forward(training=true), mean loss, backward: adds d(mean loss)/dParam to every param's grad.
   *  Softmax + cross-entropy (and sigmoid + binary cross-entropy) are fused from the logits, so they stay stable.
   *  dLoss/dInput is not computed. */
  trainBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult;
  /** forward(training=false) and the mean loss; no gradients. */
  evaluateBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult;
  /** Every layer's output for one sample x ([h, w, c] or [1, h, w, c]), copied, in file order (input excluded). */
  featureMaps(x: Tensor): Tensor[];
  /** For explanations, not training: forward x as inference computes it (batch norm's moving statistics, no
   *  dropout, nothing updated), then backward from dy = d(score)/d(last output) (see GradientOptions). Adds to the
   *  params' grads as backward does; returns d(score)/dInput (network-owned buffer). */
  gradients(x: Tensor, dy: Tensor, options?: GradientOptions): Tensor;
  /** When set, inference passes (forward(x, false), evaluateBatch, forwardTo, and those of a network seen from a
   *  layer) fold each batch norm into the convolution or dense layer before it (engine/fold.ts): faster, equal to
   *  the unoptimised graph to float rounding, not bit for bit. Off by default: frozen features, explanations and
   *  feature maps promise results bit-identical to the training pass; `cnn predict` and the benchmarks turn it on.
   *  Passes with an observer never fold. */
  foldBatchNorms: boolean;
  /** When set, every forward pass hands it each layer's output (file index; a network-owned view: read it at
   *  once). Training health sets it on the few batches it measures (engine/health). */
  observer?: (layer: number, output: Tensor) => void;
  /** The last layer of the longest prefix that trains nothing and draws no random numbers (frozen, parameterless,
   *  no dropout, no batch norm in training mode), contains a frozen layer with weights, and whose output is the only
   *  value the layers after it read: its output per sample never changes during training (engine/frozenFeatures). */
  readonly frozenPrefix?: number;
  /** Layers 0…`last` in inference on x ([N, h, w, c]): layer `last`'s output (a network-owned view, valid until
   *  the next pass). */
  forwardTo(x: Tensor, last: number): Tensor;
  /** This network as seen from layer `after`'s output: its input is [N, ...that output's shape], its forward,
   *  trainBatch and evaluateBatch run only the layers after it, on the same params and memory. */
  from(after: number): Network;
}

export function buildNetwork(model: Model, analysis: ModelAnalysis, seed: number): Network {
  // Warnings (a dead branch) do not stop a model from running.
  const problems = analysis.layers.flatMap((l) => l.errors.filter((e) => e.severity !== 'warning').map((e) => `layer ${l.index} (${l.name}): ${e.message}`));
  if (!analysis.ok || problems.length > 0 || !analysis.outputShape) {
    throw new Error(`cannot build model '${model.name}': ${problems.length ? problems.join('; ') : 'its shapes are unknown'}`);
  }
  const rng = createRng(seed);
  const arena = getKernels().createArena();
  // One fork per layer: a layer's initial weights depend only on the seed and its position.
  const layers = analysis.layers.map((info) => createLayer(info, rng.fork(), arena));
  return new GraphNetwork(analysis.inputShape, analysis.outputShape, analysis.layers, layers, arena);
}

class GraphNetwork implements Network {
  readonly params: readonly Param[];
  readonly frozenPrefix?: number;
  plannedBatch = 0;
  foldBatchNorms = false;
  observer?: (layer: number, output: Tensor) => void;
  /** The plan's region, and the network's own buffers in it: the input batch and the loss gradient. */
  private planStart = -1;
  private planEnd = -1;
  private input?: Buf;
  private dLoss?: Buf;
  /** Whether the last forward pass was a training one (backward needs it). */
  private trained = false;
  /** Values are numbered 0 for the model input, i + 1 for layer i's output. Per layer: the values it reads. */
  private readonly reads: readonly (readonly number[])[];
  /** Per layer: its output reaches the last layer (else it gets no backward pass). */
  private readonly live: readonly boolean[];
  /** Per layer: no value it reads depends on a trainable parameter (training skips its input gradient). */
  private readonly untrainedInputs: readonly boolean[];
  /** Per value: it depends on a trainable parameter (training's backward pass skips the layers whose output does not). */
  private readonly trainedUpstream: readonly boolean[];
  /** Per layer: its training forward differs from inference (batch norm, dropout), not only in what it keeps. */
  private readonly trainingBehaviour: readonly boolean[];
  /** Per value: one sample's shape, and the plan's buffer for the sum of its gradients (when several layers read it). */
  private readonly valueShapes: readonly Shape[];
  private readonly sums: (Buf | undefined)[];
  /** Per pass, reused: every value's tensor, each multi-input layer's inputs, every value's gradient so far and
   *  how many contributions it has received. */
  private readonly values: Tensor[];
  private readonly xs: Tensor[][];
  private readonly grads: (Tensor | undefined)[];
  private readonly counts: number[];
  /** Batch norms folded into the convolutions before them, for inference passes (engine/fold.ts). */
  private readonly folds: Folds;

  constructor(
    readonly inputShape: Shape,
    readonly outputShape: Shape,
    private readonly infos: readonly LayerInfo[],
    readonly layers: readonly EngineLayer[],
    readonly arena: Arena,
  ) {
    this.params = layers.flatMap((l) => l.params);
    this.reads = infos.map((info) =>
      info.inputs.map((inp) => {
        if (inp.index === undefined) throw new Error(`layer ${info.name}: input "${inp.name}" does not resolve`);
        return inp.index + 1;
      }),
    );
    this.live = reachesOutput(infos);
    const trained = (this.trainedUpstream = trainedUpstream(infos));
    this.untrainedInputs = this.reads.map((r) => r.every((v) => !trained[v]));
    this.trainingBehaviour = layers.map((l) => l.trainingDiffers === true);
    this.valueShapes = [inputShape, ...infos.map((info) => info.outputShape ?? [])];
    const count = infos.length + 1;
    this.sums = new Array<Buf | undefined>(count);
    this.values = new Array<Tensor>(count);
    this.xs = this.reads.map((r) => new Array<Tensor>(r.length));
    this.grads = new Array<Tensor | undefined>(count);
    this.counts = new Array<number>(count).fill(0);
    this.frozenPrefix = frozenPrefixOf(this.reads, layers);
    this.folds = new Folds(findFolds(layers, this.reads, this.live), layers, arena);
  }

  /** Inference passes fold batch norms unless an observer wants every layer's own output. Allocates the folded
   *  weights' buffers: call it before taking any view of the memory. */
  prepareFolds(): boolean {
    if (!this.foldBatchNorms || this.observer || this.folds.groups.length === 0) return false;
    this.folds.allocate();
    return true;
  }

  plan(n: number): void {
    if (n <= this.plannedBatch) return;
    const a = this.arena;
    // Re-plan in place when nothing (an optimizer's slots) was allocated above the old plan, else above all.
    if (this.planEnd >= 0 && a.mark() === this.planEnd) a.release(this.planStart);
    const plan = planBuffers(this.inputShape, this.infos, n);
    this.planStart = a.alloc(plan.floats);
    this.planEnd = a.mark();
    const perLayer = this.layers.map(() => new Map<BufferKey, Buf>());
    this.sums.fill(undefined);
    for (const b of plan.buffers) {
      const buf = new Buf(a, this.planStart + b.offset, b.floats);
      if (b.key === GRAD_SUM) this.sums[b.layer + 1] = buf;
      else if (b.key === 'input') this.input = buf;
      else if (b.key === 'dLoss') this.dLoss = buf;
      else perLayer[b.layer]!.set(b.key, buf);
    }
    this.layers.forEach((l, i) => l.memory.bind(perLayer[i]!, n));
    this.plannedBatch = n;
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.checkInput(x);
    this.trained = training;
    const n = x.shape[0]!;
    this.plan(n);
    const fold = !training && this.prepareFolds();
    // The batch is copied into the plan's input buffer, so every operand of every kernel is in the arena.
    const input = this.input!.tensor(n, this.inputShape);
    if (input.data !== x.data) input.data.set(x.data);
    return this.run(input, training, undefined, false, 0, this.layers.length, fold);
  }

  /** Every layer in file order from the input batch; copies each output into `maps` when given. `inference`
   *  (with training): every layer keeps what backward needs, but batch norm and dropout run as in inference. */
  private run(input: Tensor, training: boolean, maps?: Tensor[], inference = false, start = 0, end = this.layers.length, fold = false): Tensor {
    // Value `start` is the input: the model input (0), or layer start − 1's output for a network seen from it.
    const values = this.values;
    values[start] = input;
    const folds = this.folds;
    if (fold) folds.update();
    for (let i = start; i < end; i++) {
      const layer = this.layers[i]!;
      const reads = this.reads[i]!;
      if (fold) {
        // A folded group runs as its first layer; each member's value is the group's output.
        if (folds.skips(i, start, end)) continue;
        const f = folds.run(i, values[reads[0]!]!, start, end);
        if (f) {
          values[i + 1] = values[f.group.last + 1] = f.out;
          if (f.group.bn !== undefined) values[f.group.bn + 1] = f.out;
          continue;
        }
      }
      const t = training && !(inference && this.trainingBehaviour[i]);
      let out: Tensor;
      if (layer.forwardInputs) {
        const xs = this.xs[i]!;
        for (let k = 0; k < reads.length; k++) xs[k] = values[reads[k]!]!;
        out = layer.forwardInputs(xs, t);
      } else {
        out = layer.forward(values[reads[0]!]!, t);
      }
      values[i + 1] = out;
      if (this.observer) this.observer(i, out);
      if (maps) maps.push(cloneTensor({ shape: out.shape.slice(1), data: out.data }));
    }
    return values[end]!;
  }

  forwardTo(x: Tensor, last: number): Tensor {
    this.checkInput(x);
    if (!(last >= 0 && last < this.layers.length)) throw new RangeError(`forwardTo: no layer ${last}`);
    const n = x.shape[0]!;
    this.plan(n);
    const fold = this.prepareFolds();
    const input = this.input!.tensor(n, this.inputShape);
    if (input.data !== x.data) input.data.set(x.data);
    this.trained = false;
    return this.run(input, false, undefined, false, 0, last + 1, fold);
  }

  from(after: number): Network {
    if (!(after >= 0 && after < this.layers.length - 1)) throw new RangeError(`from: layer ${after} has no layers after it`);
    const later = this.reads.slice(after + 1).flat();
    if (later.some((v) => v <= after)) throw new Error(`from: layers after ${this.layers[after]!.name} read earlier values too`);
    return new NetworkFrom(this, after, this.valueShapes[after + 1]!);
  }

  /** The layers after `after`, from its output x: what NetworkFrom runs (x is already in the network's memory;
   *  for inference, the caller ran prepareFolds before placing it). */
  forwardFrom(x: Tensor, after: number, training: boolean): Tensor {
    this.plan(x.shape[0]!);
    this.trained = training;
    const fold = !training && this.foldBatchNorms && !this.observer && this.folds.ready;
    return this.run(x, training, undefined, false, after + 1, this.layers.length, fold);
  }

  trainBatchFrom(x: Tensor, after: number, labels: Int32Array, loss: LossName): BatchResult {
    this.setInputGradients(false);
    try {
      return this.lossStep(this.forwardFrom(x, after, true), labels, loss);
    } finally {
      this.setInputGradients(true);
    }
  }

  evaluateBatchFrom(x: Tensor, after: number, labels: Int32Array, loss: LossName): BatchResult {
    return this.evaluation(this.forwardFrom(x, after, false), labels, loss);
  }

  backward(dy: Tensor): Tensor {
    // An inference pass keeps neither the patches nor the pooling winners, and the plan may reuse the memory of
    // values that only training keeps alive.
    if (!this.trained) throw new Error('backward() needs a training forward pass (forward(x, true)) first');
    return this.backwardPass(dy, false, false)!;
  }

  zeroGrads(): void {
    for (const p of this.params) if (p.trainable) p.grad.fill(0);
  }

  trainBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    // Nobody reads the gradient with respect to the image during training: skip it, and the (costly) input
    // gradients of the layers that read nothing else that a trainable parameter produces.
    this.setInputGradients(false);
    try {
      return this.lossStep(this.forward(x, true), labels, loss);
    } finally {
      this.setInputGradients(true);
    }
  }

  private setInputGradients(on: boolean): void {
    for (let i = 0; i < this.layers.length; i++) if (this.untrainedInputs[i]) this.layers[i]!.inputGradient = on;
  }

  /** The loss of a training forward pass's outputs, and the backward pass from it. */
  private lossStep(outputs: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    const last = this.layers[this.layers.length - 1];
    if (last?.activation && last.preActivation && last.backwardPreActivation) {
      const fused = fusedLossStep(loss, last.activation, last.preActivation(), outputs, labels, true, this.lossGradient(outputs));
      if (fused) {
        this.backwardPass(fused.dLogits, true, true);
        return { loss: fused.loss, outputs };
      }
    }
    const value = lossForward(loss, outputs, labels);
    this.backwardPass(lossBackward(loss, outputs, labels, this.lossGradient(outputs)), false, true);
    return { loss: value, outputs };
  }

  /** The plan's dLoss buffer as a tensor shaped like the outputs. */
  private lossGradient(outputs: Tensor): Tensor {
    return this.dLoss!.tensor(outputs.shape[0]!, this.outputShape);
  }

  evaluateBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    return this.evaluation(this.forward(x, false), labels, loss);
  }

  private evaluation(outputs: Tensor, labels: Int32Array, loss: LossName): BatchResult {
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
    this.run(input, false, maps);
    return maps;
  }

  gradients(x: Tensor, dy: Tensor, options: GradientOptions = {}): Tensor {
    this.checkInput(x);
    const n = x.shape[0]!;
    const fused = options.preActivation ?? false;
    const last = this.layers[this.layers.length - 1];
    if (fused && !last?.backwardPreActivation) throw new Error(`the last layer (${last?.name ?? 'none'}) has no pre-activation to start from`);
    this.plan(n);
    const input = this.input!.tensor(n, this.inputShape);
    input.data.set(x.data);
    this.trained = true;
    const outputs = this.run(input, true, undefined, true);
    // dy goes into the plan's dLoss buffer: kernels find every operand in the network's memory.
    const g = this.lossGradient(outputs);
    if (dy.data.length !== g.data.length) throw new Error(`gradients: dy has ${dy.data.length} values, the outputs ${g.data.length}`);
    g.data.set(dy.data);
    return this.backwardPass(g, fused, false, options.onGradient)!;
  }

  /**
   * Backward over the live layers in reverse file order from dy = dLoss/d(last output) (with `fused`,
   * dLoss/d(the last layer's pre-activation)). Returns dLoss/dInput, or undefined with `skipInput`.
   */
  private backwardPass(dy: Tensor, fused: boolean, skipInput: boolean, onGradient?: GradientOptions['onGradient']): Tensor | undefined {
    const L = this.layers.length;
    const n = dy.shape[0]!;
    this.grads.fill(undefined);
    this.counts.fill(0);
    this.grads[L] = dy;
    for (let i = L - 1; i >= 0; i--) {
      if (!this.live[i]) continue;
      // Training: nothing at or before this layer is trained (a frozen backbone), so its gradients serve no one.
      if (skipInput && !this.trainedUpstream[i + 1]) continue;
      const layer = this.layers[i]!;
      const reads = this.reads[i]!;
      const g = this.grads[i + 1]!;
      if (onGradient && !(i === L - 1 && fused)) onGradient(i, g);
      if (i === L - 1 && fused) this.contribute(reads[0]!, layer.backwardPreActivation!(g), n, skipInput);
      else if (layer.backwardInputs) {
        const dxs = layer.backwardInputs(g);
        for (let k = 0; k < reads.length; k++) this.contribute(reads[k]!, dxs[k]!, n, skipInput);
      } else this.contribute(reads[0]!, layer.backward(g), n, skipInput);
    }
    return this.grads[0];
  }

  /** Adds one reader's dLoss/d(value v) to v's gradient (see the file comment). */
  private contribute(v: number, dx: Tensor, n: number, skipInput: boolean): void {
    if (v === 0 && skipInput) return;
    const c = (this.counts[v] = this.counts[v]! + 1);
    const first = this.grads[v];
    if (c === 1 || !first) {
      this.grads[v] = dx;
      return;
    }
    const size = sizeOf(dx.shape);
    if (c === 2) {
      const sum = this.sums[v]!.tensor(n, this.valueShapes[v]!);
      getKernels().addArrays(first.data, dx.data, sum.data, size);
      this.grads[v] = sum;
    } else {
      getKernels().accumulate(first.data, dx.data, size);
    }
  }

  private checkInput(x: Tensor): void {
    const want = this.inputShape;
    const ok = x.shape.length === want.length + 1 && want.every((d, i) => x.shape[i + 1] === d);
    if (!ok || x.data.length !== sizeOf(x.shape)) {
      throw new Error(`network input must be [N, ${want.join(', ')}], got [${x.shape.join(', ')}]`);
    }
  }
}

/** See Network.frozenPrefix. `reads[i]`: the values layer i reads (0 the input, j + 1 layer j's output). */
function frozenPrefixOf(reads: readonly (readonly number[])[], layers: readonly EngineLayer[]): number | undefined {
  // earliestAfter[k]: the smallest value any layer after k reads.
  const earliestAfter = new Array<number>(layers.length).fill(Number.POSITIVE_INFINITY);
  for (let k = layers.length - 2; k >= 0; k--) earliestAfter[k] = Math.min(earliestAfter[k + 1]!, ...reads[k + 1]!);
  let found: number | undefined;
  let weights = false;
  for (let k = 0; k < layers.length - 1; k++) {
    const l = layers[k]!;
    if (l.trainingDiffers || l.params.some((p) => p.trainable)) break;
    weights ||= l.params.length > 0;
    if (weights && earliestAfter[k]! >= k + 1) found = k;
  }
  return found;
}

/** A network seen from one layer's output (Network.from): the batch is copied into a buffer of the network's own
 *  memory, then only the later layers run. */
class NetworkFrom implements Network {
  private features?: Buf;
  private capacity = 0;

  constructor(
    private readonly net: GraphNetwork,
    private readonly after: number,
    readonly inputShape: Shape,
  ) {}

  get outputShape(): Shape {
    return this.net.outputShape;
  }
  get layers(): readonly EngineLayer[] {
    return this.net.layers;
  }
  get params(): readonly Param[] {
    return this.net.params;
  }
  get arena(): Arena {
    return this.net.arena;
  }
  get plannedBatch(): number {
    return this.net.plannedBatch;
  }
  get observer(): ((layer: number, output: Tensor) => void) | undefined {
    return this.net.observer;
  }
  set observer(o: ((layer: number, output: Tensor) => void) | undefined) {
    this.net.observer = o;
  }
  get foldBatchNorms(): boolean {
    return this.net.foldBatchNorms;
  }
  set foldBatchNorms(on: boolean) {
    this.net.foldBatchNorms = on;
  }
  plan(n: number): void {
    this.net.plan(n);
  }
  zeroGrads(): void {
    this.net.zeroGrads();
  }

  /** x ([N, ...] with the output's size per sample) copied into the network's memory as [N, ...inputShape]. */
  private place(x: Tensor): Tensor {
    const n = x.shape[0]!;
    const size = sizeOf(this.inputShape);
    if (x.data.length !== n * size) throw new Error(`the network from ${this.net.layers[this.after]!.name} takes [N, ${this.inputShape.join(', ')}], got [${x.shape.join(', ')}]`);
    // Planned first, so the features' buffer sits above the plan and a larger batch re-plans below nothing new.
    this.net.plan(n);
    if (!this.features || n > this.capacity) {
      this.features = allocBuf(this.net.arena, n * size);
      this.capacity = n;
    }
    const t = this.features.tensor(n, this.inputShape);
    t.data.set(x.data);
    return t;
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!training) this.net.prepareFolds();
    return this.net.forwardFrom(this.place(x), this.after, training);
  }
  trainBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    return this.net.trainBatchFrom(this.place(x), this.after, labels, loss);
  }
  evaluateBatch(x: Tensor, labels: Int32Array, loss: LossName): BatchResult {
    this.net.prepareFolds();
    return this.net.evaluateBatchFrom(this.place(x), this.after, labels, loss);
  }
  backward(): Tensor {
    throw new Error('backward() is not available on a network seen from a layer; trainBatch computes the gradients');
  }
  featureMaps(): Tensor[] {
    throw new Error('featureMaps() needs the whole network');
  }
  gradients(): Tensor {
    throw new Error('gradients() needs the whole network');
  }
  forwardTo(): Tensor {
    throw new Error('forwardTo() needs the whole network');
  }
  from(): Network {
    throw new Error('from() needs the whole network');
  }
}
