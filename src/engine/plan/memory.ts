// What training a model will allocate, in bytes, from the shape function's result and the training config, so
// that a model too big for the machine is refused before the engine allocates anything. The engine's arena is
// counted exactly: params, gradients and optimizer slots (64-byte aligned allocations) and the liveness plan of
// every activation, gradient and scratch buffer (./bufferPlan, the very function the engine plans with); beside it
// the JavaScript GEMM's packing buffers and the training loop's copies. test/unit/engine/memory.test.ts checks it
// against a real network's allocations. All counts are integers in float64, exact up to 2^53.
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import { PLAN_ALIGN, planBuffers, reachesOutput } from './bufferPlan';
import { GEMM_DIRECT_MAX_N, GEMM_KC, GEMM_MC, GEMM_NC } from '../kernels/gemm';
import { OPTIMIZER_DEFAULTS, TRAINING_DEFAULTS } from '../../model/defaults';
import { formatCount } from '../../model/format';
import { field } from '../../model/spec';
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
  /** Training samples held in memory (float32 images and int32 labels), when known; also caps the batch. */
  readonly samples?: number;
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
    for (const p of paramsOf(info)) {
      paramValues += p.size;
      if (p.trainable) largestTrainable = Math.max(largestTrainable, p.size);
      // Each epoch's checkpoint (node/checkpoint/weightsFile.ts) encodes the weights, and copies the optimizer state
      // (exportState) before encoding that copy: one more value and two more of each slot, for a moment.
      const checkpoint = (1 + (p.trainable ? 2 * slots : 0)) * p.size * F32;
      const what = p.trainable
        ? slots
          ? `${info.name}'s ${p.name}, its gradient, ${slots} ${OPTIMIZER_NAMES[optimizer]} slot${slots > 1 ? 's' : ''} and checkpoint copies`
          : `${info.name}'s ${p.name}, its gradient and checkpoint copy`
        : `${info.name}'s ${p.name} and checkpoint copy`;
      // Each buffer is its own arena allocation, rounded up to 64 bytes (batch norm's pairs are two each).
      const pieces = p.pieces ?? 1;
      add(what, (p.trainable ? 2 + slots : 1) * pieces * alignFloats(p.size / pieces) * F32, 'parameters', parameterRemedy(info), true, checkpoint);
    }
  }
  // Activations, gradients and scratch: one region planned by liveness (./bufferPlan), exactly as the engine does.
  // Buffers whose lifetimes do not overlap share memory, so each layer is listed with its share of the region.
  const plan = planBuffers(analysis.inputShape, layers, n);
  const planBytes = plan.floats * F32;
  const own = new Map<number, { activations: number; scratch: number }>();
  let unshared = 0;
  for (const b of plan.buffers) {
    const bytes = alignFloats(b.floats) * F32;
    unshared += bytes;
    const entry = own.get(b.layer) ?? { activations: 0, scratch: 0 };
    if (b.key === 'cols') entry.scratch += bytes;
    else entry.activations += bytes;
    own.set(b.layer, entry);
  }
  const share = unshared > 0 ? planBytes / unshared : 0;
  let scratchShare = 0;
  const describe = (label: string, bytes: number, kind: MemoryKind, remedy: string): void => {
    if (bytes > 0) consumers.push({ label, bytes, kind, remedy, plural: true });
  };
  const live = reachesOutput(layers);
  for (const info of layers) {
    gemm.nextLayer();
    // Training skips the gradient of the model input (a layer that reads nothing else computes none), and a dead
    // branch has no backward pass at all.
    gemmCalls(info, n, info.inputs.every((i) => i.index === -1), live[info.index] ?? false, gemm);
    const entry = own.get(info.index);
    if (!entry) continue;
    scratchShare += Math.round(entry.scratch * share);
    describe(`${info.name}'s activations and gradients × batch ${n}`, Math.round(entry.activations * share), 'activations', batchRemedy);
    describe(`${info.name}'s im2col patches × batch ${n}`, Math.round(entry.scratch * share), 'scratch', `reduce ${info.name}'s kernel size or its input's size, or the batch size (${n})`);
  }
  describe(`the network's input batch and loss gradient`, Math.round((own.get(-1)?.activations ?? 0) * share), 'activations', batchRemedy);
  byKind.scratch += scratchShare;
  byKind.activations += planBytes - scratchShare;
  add('the GEMM packing buffers (float64)', gemm.bytes(), 'scratch', 'reduce units or filters');
  add("the optimizer's gradient scratch", alignFloats(largestTrainable) * F32, 'scratch', 'reduce units or filters', false);
  if (training?.earlyStopping) add("early stopping's copy of the best weights", paramValues * F32, 'copies', 'reduce units or filters', false);
  const sample = product(analysis.inputShape);
  const evaluates = training?.data?.test !== undefined || (training?.validationSplit ?? TRAINING_DEFAULTS.validationSplit) > 0;
  const batchLabel = evaluates ? `the input batches for training and evaluation (${n} images each)` : `the input batch (${n} images)`;
  add(batchLabel, (evaluates ? 2 : 1) * n * (sample + 1) * F32, 'input', batchRemedy, evaluates);
  if (options.samples !== undefined) add(`the ${options.samples} training images in memory`, options.samples * (sample + 1) * F32, 'input', 'use fewer or smaller images');

  consumers.sort((a, b) => b.bytes - a.bytes);
  let totalBytes = 0;
  for (const k of Object.values(byKind)) totalBytes += k;
  return { totalBytes, batchSize: n, optimizer, byKind, consumers: consumers.slice(0, MAX_CONSUMERS) };
}

interface ParamSize {
  readonly name: string;
  readonly size: number;
  readonly trainable: boolean;
  /** Params of equal size counted as one (batch norm's gamma and beta): each is its own allocation. */
  readonly pieces?: number;
}

/** The engine's params per layer, with the same split as the shape function's counts. */
function paramsOf(info: LayerInfo): ParamSize[] {
  const { trainable, nonTrainable } = info.params;
  const layer = info.layer;
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'dense': {
      const channels = layer.type === 'dense' ? layer.units : (info.outputShape?.[2] ?? 0);
      const bias = field(layer.type, layer.useBias, 'useBias') ? channels : 0;
      return [
        { name: 'kernel', size: trainable - bias, trainable: true },
        ...(bias ? [{ name: 'bias', size: bias, trainable: true }] : []),
      ];
    }
    case 'separableConv2d': {
      const w = info.window;
      const mid = (info.inputShape?.[2] ?? 0) * field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      const bias = field('separableConv2d', layer.useBias, 'useBias') ? layer.filters : 0;
      return [
        { name: 'depthwise kernel', size: (w ? w.kh * w.kw : 0) * mid, trainable: true },
        { name: 'pointwise kernel', size: mid * layer.filters, trainable: true },
        ...(bias ? [{ name: 'bias', size: bias, trainable: true }] : []),
      ];
    }
    case 'batchNorm':
      return [
        { name: 'gamma and beta', size: trainable, trainable: true, pieces: 2 },
        { name: 'moving statistics', size: nonTrainable, trainable: false, pieces: 2 },
      ];
    case 'add':
    case 'concatenate':
    case 'zeroPadding2D':
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
    case 'flatten':
    case 'dropout':
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return [];
  }
}

function parameterRemedy(info: LayerInfo): string {
  switch (info.layer.type) {
    case 'dense': {
      // A huge kernel usually comes from a huge input (a wide flatten), not from the units.
      const features = info.inputShape ? product(info.inputShape) : 0;
      return features > info.layer.units ? `reduce ${info.name}'s ${formatCount(features)} input features (pool or downsample before flattening) or its units` : `reduce ${info.name}'s units`;
    }
    case 'conv2d':
    case 'separableConv2d':
      return `reduce ${info.name}'s filters`;
    case 'depthwiseConv2d':
      return `reduce ${info.name}'s depthMultiplier`;
    case 'add':
    case 'concatenate':
    case 'zeroPadding2D':
    case 'batchNorm':
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
    case 'flatten':
    case 'dropout':
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return `reduce the channels before ${info.name}`;
  }
}

/** The GEMMs a layer runs in a training step (engine/layers), for the JavaScript GEMM's packing buffers.
 *  `inputOnly`: it reads only the model input (whose gradient training skips); `backward`: it has a backward pass. */
function gemmCalls(info: LayerInfo, n: number, inputOnly: boolean, backward: boolean, gemm: GemmScratch): void {
  const layer = info.layer;
  const bwd = (transA: boolean, m: number, cols: number, k: number): void => {
    if (backward) gemm.backward(transA, m, cols, k);
  };
  switch (layer.type) {
    case 'conv2d': {
      const w = info.window;
      if (!w) return;
      // One GEMM over the whole batch's patches (or the input itself for a pointwise conv).
      const rows = n * w.outH * w.outW;
      const k = w.kh * w.kw * (info.inputShape?.[2] ?? 0);
      gemm.forward(false, rows, layer.filters, k);
      bwd(true, k, layer.filters, rows);
      if (!inputOnly) bwd(false, rows, k, layer.filters);
      return;
    }
    case 'separableConv2d': {
      const w = info.window;
      if (!w) return;
      // The pointwise stage: a GEMM over the depthwise output; its input gradient feeds the depthwise kernel's.
      const rows = n * w.outH * w.outW;
      const mid = (info.inputShape?.[2] ?? 0) * field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      gemm.forward(false, rows, layer.filters, mid);
      bwd(true, mid, layer.filters, rows);
      bwd(false, rows, mid, layer.filters);
      return;
    }
    case 'dense': {
      const inF = info.inputShape ? info.inputShape[info.inputShape.length - 1]! : 0;
      const rows = info.inputShape ? (n * product(info.inputShape)) / inF : 0;
      gemm.forward(false, rows, layer.units, inF);
      bwd(true, inF, layer.units, rows);
      bwd(false, rows, inF, layer.units);
      return;
    }
    case 'add':
    case 'concatenate':
    case 'zeroPadding2D':
    case 'depthwiseConv2d':
    case 'maxPool2d':
    case 'globalMaxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'flatten':
    case 'dropout':
    case 'batchNorm':
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return;
  }
}

type GemmCall = readonly [transA: boolean, m: number, n: number, k: number];

/**
 * engine/kernels/gemm.ts packs op(A) into 4-row and op(B) into 2-column float64 panels, block by block (its
 * GEMM_KC deep, GEMM_MC rows of A, GEMM_NC columns of B), in two module buffers that grow to max(needed, twice their
 * length). Replaying a training step's GEMM calls in their order (forward in layer order, then backward in
 * reverse) gives their final size.
 */
class GemmScratch {
  private readonly forwardCalls: GemmCall[] = [];
  private readonly backwardCalls: GemmCall[][] = [];

  nextLayer(): void {
    this.backwardCalls.push([]);
  }

  /** C[m×n] = op(A)[m×k]·op(B)[k×n], A transposed or not (B's transpose does not change the sizes). */
  forward(transA: boolean, m: number, n: number, k: number): void {
    this.forwardCalls.push([transA, m, n, k]);
  }

  backward(transA: boolean, m: number, n: number, k: number): void {
    this.backwardCalls[this.backwardCalls.length - 1]?.push([transA, m, n, k]);
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

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}
