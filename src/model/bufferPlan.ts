// The engine's memory plan for a batch size, from the shape function's sizes alone (pure, so the training memory
// estimate in ./memory.ts counts exactly what the engine allocates): which buffers each layer needs, how long
// each lives in a training step, and an offset for each in one region where buffers whose lifetimes do not
// overlap share memory. Liveness works on values and their readers, not on list positions, so it serves graph
// models (a value read by two layers lives until the later reader) once layers name their inputs; today's
// models are chains, where the reader of layer i's output is layer i + 1.
import type { LayerInfo } from './analysis';
import { field } from './spec';
import type { ActivationName } from './types';

/** When a layer's buffer is live, relative to the layer's own passes:
 *  output: its forward output, read by the layers that take it (and the caller, for the last layer);
 *  inputGrad: dLoss/dInput, written by its backward, read by the backward of the layer that produced the input;
 *  kept: written by its forward, read by its backward; step: the whole step and across steps (a frozen dropout
 *  mask is reused by later forwards); forward / backward: scratch of that pass only. */
export type BufferLife = 'output' | 'inputGrad' | 'kept' | 'step' | 'forward' | 'backward';

export interface BufferSpec {
  /** The layer's name for it: y, dx, z, dz, cols, argmax, mask, stats, sums. */
  readonly key: string;
  /** In floats (int32 and float64 buffers count their 4-byte words). */
  readonly floats: number;
  readonly life: BufferLife;
}

export interface LayerBuffers {
  readonly buffers: readonly BufferSpec[];
  /** Backward reads the layer's input (it then lives until this layer's backward). */
  readonly readsInput: boolean;
  /** Backward reads the layer's own output. */
  readonly readsOutput: boolean;
  /** The output is the input, reshaped (flatten, dropout at rate 0): no y, and dLoss/dInput is dLoss/dOutput. */
  readonly passThrough: boolean;
}

/** The activation applied by a layer's `activation` field or by the layer itself. */
export function activationOf(info: LayerInfo): ActivationName | undefined {
  const layer = info.layer;
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'dense':
      return field(layer.type, layer.activation, 'activation');
    case 'relu':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
      return layer.type;
    case 'batchNorm':
    case 'maxPool2d':
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'globalMaxPool2d':
    case 'flatten':
    case 'dropout':
      return undefined;
  }
}

/** Whether the activation's backward reads its output (else its input). */
export function backwardReadsOutput(act: ActivationName | undefined): boolean {
  return act === 'sigmoid' || act === 'tanh' || act === 'softmax';
}

/** 1×1, stride 1, unpadded: the input already is the patch matrix (conv is a plain GEMM). */
export function isPointwise(info: LayerInfo): boolean {
  const w = info.window;
  return !!w && w.kh === 1 && w.kw === 1 && w.sh === 1 && w.sw === 1 && w.padTop + w.padLeft + w.padBottom + w.padRight === 0;
}

function product(shape: readonly number[] | undefined): number {
  let p = 1;
  for (const d of shape ?? [0]) p *= d;
  return p;
}

/** The buffers a layer needs for a batch of n (training, which also covers inference). */
export function layerBuffers(info: LayerInfo, n: number): LayerBuffers {
  const I = n * product(info.inputShape);
  const O = n * info.outputElements;
  const act = activationOf(info);
  const y: BufferSpec = { key: 'y', floats: O, life: 'output' };
  const dx: BufferSpec = { key: 'dx', floats: I, life: 'inputGrad' };
  const own = (buffers: BufferSpec[], readsInput: boolean, readsOutput = false): LayerBuffers => ({ buffers, readsInput, readsOutput, passThrough: false });
  // Pre-activation z and its gradient, unless the activation is linear (then y is z and dz is dy).
  const preActivation = (): BufferSpec[] =>
    act === undefined || act === 'linear' ? [] : [{ key: 'z', floats: O, life: 'kept' }, { key: 'dz', floats: O, life: 'backward' }];
  const layer = info.layer;
  switch (layer.type) {
    case 'conv2d': {
      const w = info.window;
      const pointwise = isPointwise(info);
      const patches = w && !pointwise ? n * w.outH * w.outW * w.kh * w.kw * (info.inputShape?.[2] ?? 0) : 0;
      // The batch's patch matrix is kept for the weight gradient, then reused for the patches' gradient.
      const cols: BufferSpec[] = patches ? [{ key: 'cols', floats: patches, life: 'kept' }] : [];
      return own([y, ...preActivation(), ...cols, dx], pointwise, backwardReadsOutput(act));
    }
    case 'dense':
    case 'depthwiseConv2d':
      return own([y, ...preActivation(), dx], true, backwardReadsOutput(act));
    case 'maxPool2d':
    case 'globalMaxPool2d':
      return own([y, { key: 'argmax', floats: O, life: 'kept' }, dx], false);
    case 'avgPool2d':
    case 'globalAvgPool2d':
      return own([y, dx], false);
    case 'flatten':
      return { buffers: [], readsInput: false, readsOutput: false, passThrough: true };
    case 'dropout':
      if (layer.rate <= 0) return { buffers: [], readsInput: false, readsOutput: false, passThrough: true };
      return own([y, { key: 'mask', floats: I, life: 'step' }, dx], false);
    case 'batchNorm': {
      const c = info.inputShape?.[info.inputShape.length - 1] ?? 0;
      // float64 per channel: mean and 1/√(var + ε) from forward; Σdy and Σdy·x̂ in backward.
      return own([y, { key: 'stats', floats: 4 * c, life: 'kept' }, { key: 'sums', floats: 4 * c, life: 'backward' }, dx], true);
    }
    case 'relu':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'softmax':
      return own([y, dx], true, backwardReadsOutput(act));
  }
}

/** A buffer's place in the plan; layer −1 is the network's own (input, dLoss). */
export interface PlannedBuffer {
  readonly layer: number;
  readonly key: string;
  /** Floats from the start of the region, a multiple of PLAN_ALIGN. */
  readonly offset: number;
  readonly floats: number;
}

export interface BufferPlan {
  /** The batch size it was planned for (smaller batches use prefixes of the same buffers). */
  readonly batch: number;
  /** Floats of the whole region. */
  readonly floats: number;
  readonly buffers: readonly PlannedBuffer[];
}

/** Offsets are multiples of 16 floats (64 bytes), as the engine's arena aligns. */
export const PLAN_ALIGN = 16;

const align = (f: number): number => Math.ceil(f / PLAN_ALIGN) * PLAN_ALIGN;

interface Live {
  readonly layer: number;
  readonly key: string;
  readonly floats: number;
  start: number;
  end: number;
  offset: number;
}

/**
 * Plans a training step of a chain for a batch of n. Time runs forward(i) = i, the loss at L, backward(i) = 2L − i,
 * and the end of the step (the caller reads the outputs, or dLoss/dInput) at 2L + 1. Buffers are placed in start
 * order, largest first among equal starts, at the lowest free offset (first fit over a coalescing free list); a
 * buffer's memory is free again after its last reader.
 */
export function planBuffers(inputShape: readonly number[], layers: readonly LayerInfo[], n: number): BufferPlan {
  const L = layers.length;
  const fwd = (i: number): number => i;
  const bwd = (i: number): number => 2 * L - i;
  const END = 2 * L + 1;
  const all: Live[] = [];
  const make = (layer: number, key: string, floats: number, start: number, end: number): Live => {
    const b: Live = { layer, key, floats, start, end, offset: 0 };
    all.push(b);
    return b;
  };
  // The buffer holding the value each layer reads (its input) and the one its gradient goes to.
  let value = make(-1, 'input', n * product(inputShape), 0, 0);
  const specs = layers.map((info) => layerBuffers(info, n));
  const gradOf: (Live | undefined)[] = new Array<Live | undefined>(L);
  const dxOf: (Live | undefined)[] = new Array<Live | undefined>(L);
  for (let i = 0; i < L; i++) {
    const s = specs[i]!;
    // Reading the input extends its value's life to this forward, and to this backward when backward reads it.
    value.end = Math.max(value.end, fwd(i), s.readsInput ? bwd(i) : 0);
    let out = value;
    for (const b of s.buffers) {
      switch (b.life) {
        case 'output': out = make(i, b.key, b.floats, fwd(i), fwd(i)); break;
        case 'kept': make(i, b.key, b.floats, fwd(i), bwd(i)); break;
        case 'step': make(i, b.key, b.floats, 0, END); break;
        case 'forward': make(i, b.key, b.floats, fwd(i), fwd(i)); break;
        case 'backward': make(i, b.key, b.floats, bwd(i), bwd(i)); break;
        case 'inputGrad': dxOf[i] = make(i, b.key, b.floats, bwd(i), bwd(i)); break;
      }
    }
    if (s.readsOutput) out.end = Math.max(out.end, bwd(i));
    value = out;
  }
  value.end = END;
  // Gradients: dLoss flows into the last layer's backward; a pass-through layer hands its dy on as its dx.
  const lastO = L > 0 ? n * layers[L - 1]!.outputElements : 0;
  // dLoss may be passed through to the layer below (an activation layer fused with the loss): live to the end.
  let grad = make(-1, 'dLoss', lastO, L, END);
  for (let i = L - 1; i >= 0; i--) {
    gradOf[i] = grad;
    grad.end = Math.max(grad.end, bwd(i));
    grad = specs[i]!.passThrough ? grad : dxOf[i]!;
  }
  // The first layer's dLoss/dInput is returned to the caller.
  grad.end = END;

  // Placement, in start order; the free list holds [offset, size) gaps below `top`, sorted by offset.
  const byStart: Live[][] = Array.from({ length: END + 1 }, () => []);
  const byEnd: Live[][] = Array.from({ length: END + 1 }, () => []);
  for (const b of all) {
    byStart[b.start]!.push(b);
    byEnd[b.end]!.push(b);
  }
  const free: number[] = []; // flat [offset, size, offset, size, …]
  let top = 0;
  const take = (size: number): number => {
    for (let f = 0; f < free.length; f += 2) {
      if (free[f + 1]! >= size) {
        const at = free[f]!;
        if (free[f + 1] === size) free.splice(f, 2);
        else { free[f] = at + size; free[f + 1] = free[f + 1]! - size; }
        return at;
      }
    }
    // Extend the top, merging a gap that ends at the top.
    const lastGap = free.length - 2;
    if (lastGap >= 0 && free[lastGap]! + free[lastGap + 1]! === top) {
      const at = free[lastGap]!;
      free.splice(lastGap, 2);
      top = at + size;
      return at;
    }
    const at = top;
    top += size;
    return at;
  };
  const give = (at: number, size: number): void => {
    let f = 0;
    while (f < free.length && free[f]! < at) f += 2;
    free.splice(f, 0, at, size);
    // Coalesce with the next and the previous gap.
    if (f + 2 < free.length && free[f]! + free[f + 1]! === free[f + 2]) { free[f + 1] = free[f + 1]! + free[f + 3]!; free.splice(f + 2, 2); }
    if (f >= 2 && free[f - 2]! + free[f - 1]! === free[f]) { free[f - 1] = free[f - 1]! + free[f + 1]!; free.splice(f, 2); }
  };
  for (let t = 0; t <= END; t++) {
    const starting = byStart[t]!;
    if (starting.length > 1) starting.sort((a, b) => b.floats - a.floats);
    for (const b of starting) b.offset = b.floats > 0 ? take(align(b.floats)) : 0;
    for (const b of byEnd[t]!) if (b.floats > 0) give(b.offset, align(b.floats));
  }
  return { batch: n, floats: top, buffers: all.map(({ layer, key, floats, offset }) => ({ layer, key, floats, offset })) };
}
