// What training a model will allocate, in bytes, from the shape function's result and the training config, so
// that a model too big for the machine is refused before the engine allocates anything. The engine's arena is
// counted exactly: params, gradients and optimizer slots (64-byte aligned allocations) and the liveness plan of
// every activation, gradient and scratch buffer (./bufferPlan, the very function the engine plans with); beside it
// the JavaScript GEMM's packing buffers and the training loop's copies. test/unit/engine/memory.test.ts checks it
// against a real network's allocations. All counts are integers in float64, exact up to 2^53.
import type { ModelAnalysis } from '../../model/analysis';
import { PLAN_ALIGN, planBuffers, reachesOutput, trainedUpstream } from './bufferPlan';
import { GEMM_DIRECT_MAX_N, GEMM_KC, GEMM_MC, GEMM_NC } from '../kernels/gemm';
import { OPTIMIZER_DEFAULTS, TRAINING_DEFAULTS } from '../../model/defaults';
import { defOf, paramDefs } from '../../model/layers';
import { sizeOf, type GemmCall, type GemmCalls } from '../../model/layers/def';
import type { OptimizerConfig, OptimizerType, TrainingConfig } from '../../model/types';

/** parameters: values, gradients and optimizer slots; copies: of the weights, for checkpoints and early stopping;
 *  input: the batches the training loop fills (and the data set, when counted). */
export type MemoryKind = 'parameters' | 'activations' | 'scratch' | 'copies' | 'input';

export interface MemoryConsumer {
  /** e.g. "dense_1's kernel, its gradient, 2 Adam slots and checkpoint copies" */
  readonly label: string;
  readonly bytes: number;
  /** The kind of the engine's part of it (parameters also carry their checkpoint copies). */
  readonly kind: MemoryKind;
  /** The label names several things ("… are 1.2 GiB"). */
  readonly plural: boolean;
  /** What makes it smaller, e.g. "reduce dense_1's units" or "reduce the batch size (32)". */
  readonly remedy: string;
}

export interface MemoryEstimate {
  readonly totalBytes: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerType;
  /** Bytes per kind, over every consumer. */
  readonly byKind: Readonly<Record<MemoryKind, number>>;
  /** The largest consumers (at most MAX_CONSUMERS), largest first. */
  readonly consumers: readonly MemoryConsumer[];
}

export interface MemoryOptions {
  /** Training samples, when known: caps the batch, and counts as float32 images and int32 labels in memory unless
   *  `dataBytes` says what the data really holds there (bytes, or nothing for data streamed from disk). */
  readonly samples?: number;
  readonly dataBytes?: number;
  /** The data streams from disk: each batch reader adds two byte buffers of a batch (engine/batches.ts). */
  readonly streamed?: boolean;
}

/** How many consumers an estimate lists: enough to explain it, few enough for a model of 200,000 layers. */
export const MAX_CONSUMERS = 12;
const F32 = 4;
const F64 = 8;
const OPTIMIZER_NAMES: Readonly<Record<OptimizerType, string>> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop' };

/** Per-parameter state buffers of each optimizer, as its rule in engine/optimizers declares them. */
export function optimizerSlots(config: OptimizerConfig | undefined): number {
  const cfg: OptimizerConfig = config ?? { type: 'adam' };
  switch (cfg.type) {
    case 'sgd':
      return (cfg.momentum ?? OPTIMIZER_DEFAULTS.sgd.momentum) > 0 ? 1 : 0;
    case 'adam':
    case 'adamw':
      return 2;
    case 'rmsprop':
      return (cfg.momentum ?? OPTIMIZER_DEFAULTS.rmsprop.momentum) > 0 ? 2 : 1;
  }
}

export function estimateTrainingMemory(analysis: ModelAnalysis, training: TrainingConfig | undefined, options: MemoryOptions = {}): MemoryEstimate {
  const optimizer = training?.optimizer?.type ?? 'adam';
  const slots = optimizerSlots(training?.optimizer);
  const configured = training?.batchSize ?? TRAINING_DEFAULTS.batchSize;
  const n = Math.max(1, options.samples !== undefined ? Math.min(configured, options.samples) : configured);
  const batchRemedy = `reduce the batch size (${n})`;
  const consumers: MemoryConsumer[] = [];
  const byKind: Record<MemoryKind, number> = { parameters: 0, activations: 0, scratch: 0, copies: 0, input: 0 };
  // `copies` counts toward the consumer's bytes but goes to its own kind (it is not the engine's).
  const add = (label: string, bytes: number, kind: MemoryKind, remedy: string, plural = true, copies = 0): void => {
    byKind[kind] += bytes;
    byKind.copies += copies;
    if (bytes + copies > 0) consumers.push({ label, bytes: bytes + copies, kind, remedy, plural });
  };
  const gemm = new GemmScratch();
  const layers = analysis.layers;
  let paramValues = 0;
  let largestTrainable = 0;

  for (const info of layers) {
    for (const p of paramDefs(info)) {
      const size = sizeOf(p.shape);
      paramValues += size;
      if (p.trainable) largestTrainable = Math.max(largestTrainable, size);
      // Each epoch's checkpoint (node/checkpoint/weightsFile.ts) encodes the weights, and copies the optimizer state
      // (exportState) before encoding that copy: one more value and two more of each slot, for a moment.
      const checkpoint = (1 + (p.trainable ? 2 * slots : 0)) * size * F32;
      const what = p.trainable
        ? slots
          ? `${info.name}'s ${p.name}, its gradient, ${slots} ${OPTIMIZER_NAMES[optimizer]} slot${slots > 1 ? 's' : ''} and checkpoint copies`
          : `${info.name}'s ${p.name}, its gradient and checkpoint copy`
        : `${info.name}'s ${p.name} and checkpoint copy`;
      // Each buffer is its own arena allocation, rounded up to 64 bytes.
      add(what, (p.trainable ? 2 + slots : 1) * alignFloats(size) * F32, 'parameters', p.remedy ?? `reduce the channels before ${info.name}`, true, checkpoint);
    }
  }
  // Activations, gradients and scratch: one region planned by liveness (./bufferPlan), exactly as the engine does.
  // Buffers whose lifetimes do not overlap share memory, so each layer is listed with its share of the region.
  const plan = planBuffers(analysis.inputShape, layers, n);
  const planBytes = plan.floats * F32;
  const own = new Map<number, { activations: number; scratch: number }>();
  let unshared = 0;
  const wino = new Set<number>();
  for (const b of plan.buffers) {
    const bytes = alignFloats(b.floats) * F32;
    unshared += bytes;
    const entry = own.get(b.layer) ?? { activations: 0, scratch: 0 };
    if (b.key === 'wino') wino.add(b.layer);
    if (b.key === 'cols' || b.key === 'wino' || b.key === 'wfilter') entry.scratch += bytes;
    else entry.activations += bytes;
    own.set(b.layer, entry);
  }
  const share = unshared > 0 ? planBytes / unshared : 0;
  let scratchShare = 0;
  const describe = (label: string, bytes: number, kind: MemoryKind, remedy: string): void => {
    if (bytes > 0) consumers.push({ label, bytes, kind, remedy, plural: true });
  };
  const live = reachesOutput(layers);
  const trained = trainedUpstream(layers);
  for (const info of layers) {
    // As the engine trains: no input gradient where no input depends on a trainable parameter (the model input
    // never does), no backward pass for a dead branch nor where nothing at or before the layer is trainable, no
    // weight gradient for a frozen layer.
    const frozen = !paramDefs(info).some((p) => p.trainable);
    const noInputGradient = info.inputs.every((i) => !trained[(i.index ?? -1) + 1]);
    gemm.add(defOf(info.layer).gemms?.(info, n), noInputGradient, (live[info.index] ?? false) && trained[info.index + 1] === true, frozen);
    const entry = own.get(info.index);
    if (!entry) continue;
    scratchShare += Math.round(entry.scratch * share);
    describe(`${info.name}'s activations and gradients × batch ${n}`, Math.round(entry.activations * share), 'activations', batchRemedy);
    describe(`${info.name}'s ${wino.has(info.index) ? 'im2col patches and Winograd tiles' : 'im2col patches'} × batch ${n}`, Math.round(entry.scratch * share), 'scratch', `reduce ${info.name}'s kernel size or its input's size, or the batch size (${n})`);
  }
  describe(`the network's input batch and loss gradient`, Math.round((own.get(-1)?.activations ?? 0) * share), 'activations', batchRemedy);
  byKind.scratch += scratchShare;
  byKind.activations += planBytes - scratchShare;
  add('the GEMM packing buffers (float64)', gemm.bytes(), 'scratch', 'reduce units or filters');
  add("the optimizer's gradient scratch", alignFloats(largestTrainable) * F32, 'scratch', 'reduce units or filters', false);
  if (training?.earlyStopping) add("early stopping's copy of the best weights", paramValues * F32, 'copies', 'reduce units or filters', false);
  const sample = sizeOf(analysis.inputShape);
  const evaluates = training?.data?.test !== undefined || (training?.validationSplit ?? TRAINING_DEFAULTS.validationSplit) > 0;
  const batchLabel = evaluates ? `the input batches for training and evaluation (${n} images each)` : `the input batch (${n} images)`;
  add(batchLabel, (evaluates ? 2 : 1) * n * (sample + 1) * F32, 'input', batchRemedy, evaluates);
  if (options.streamed) add('the streamed batches read ahead from disk', (evaluates ? 2 : 1) * 2 * n * sample, 'input', batchRemedy);
  if (options.samples !== undefined) add(`the ${options.samples} training images in memory`, options.dataBytes ?? options.samples * (sample + 1) * F32, 'input', 'use fewer or smaller images');

  consumers.sort((a, b) => b.bytes - a.bytes);
  let totalBytes = 0;
  for (const k of Object.values(byKind)) totalBytes += k;
  return { totalBytes, batchSize: n, optimizer, byKind, consumers: consumers.slice(0, MAX_CONSUMERS) };
}

/**
 * engine/kernels/gemm.ts packs op(A) into 4-row and op(B) into 2-column float64 panels, block by block (its
 * GEMM_KC deep, GEMM_MC rows of A, GEMM_NC columns of B), in two module buffers that grow to max(needed, twice their
 * length). Replaying a training step's GEMM calls in their order (forward in layer order, then backward in
 * reverse) gives their final size.
 */
class GemmScratch {
  private readonly forwardCalls: GemmCall[] = [];
  private readonly backwardCalls: GemmCall[][] = [];

  /** A layer's calls. `noInputGradient`: training skips its input gradient; `backward`: it has a backward pass (a
   *  dead branch or a frozen backbone has none); `frozen`: no weight gradient. */
  add(calls: GemmCalls | undefined, noInputGradient: boolean, backward: boolean, frozen: boolean): void {
    this.backwardCalls.push([]);
    if (!calls) return;
    this.forwardCalls.push(...calls.forward);
    if (!backward) return;
    const mine = this.backwardCalls[this.backwardCalls.length - 1]!;
    for (const c of calls.backward) {
      if ('inputGradient' in c) {
        if (!noInputGradient) mine.push(c.inputGradient);
      } else if ('weightGradient' in c) {
        if (!frozen) mine.push(c.weightGradient);
      } else mine.push(c);
    }
  }

  bytes(): number {
    let a = 0;
    let b = 0;
    const replay = ([transA, m, n, k]: GemmCall): void => {
      if (m <= 0 || n <= 0 || k <= 0) return;
      // The first blocks are the largest: min(n, NC) columns, min(k, KC) deep, min(m, MC) rows.
      const kc = Math.min(k, GEMM_KC);
      b = grow(b, Math.ceil(Math.min(n, GEMM_NC) / 2) * 2 * kc);
      // Up to 8 columns, a non-transposed A is read in place except for its last partial block of 4 rows.
      const packedRows = !transA && n <= GEMM_DIRECT_MAX_N ? (m % 4 === 0 ? 0 : 4) : Math.ceil(Math.min(m, GEMM_MC) / 4) * 4;
      if (packedRows > 0) a = grow(a, packedRows * kc);
    };
    for (const call of this.forwardCalls) replay(call);
    for (let i = this.backwardCalls.length - 1; i >= 0; i--) for (const call of this.backwardCalls[i]!) replay(call);
    return (a + b) * F64;
  }
}

function grow(length: number, needed: number): number {
  return length < needed ? Math.max(needed, length * 2) : length;
}

function alignFloats(f: number): number {
  return Math.ceil(f / PLAN_ALIGN) * PLAN_ALIGN;
}

