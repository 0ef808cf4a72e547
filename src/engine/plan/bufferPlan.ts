// The engine's memory plan for a batch size, from the shape function's sizes alone (pure, so the training memory
// estimate in ./memory.ts counts exactly what the engine allocates): which buffers each layer needs, how long
// each lives in a training step, and an offset for each in one region where buffers whose lifetimes do not
// overlap share memory. Liveness works on values and their readers, not on list positions: a value read by two
// layers lives until the later reader, and its gradient is the sum of every reader's contribution (see
// planBuffers). In a chain the reader of layer i's output is layer i + 1.
import type { LayerInfo } from '../../model/analysis';
import { field } from '../../model/spec';
import type { ActivationName } from '../../model/types';

/** When a layer's buffer is live, relative to the layer's own passes:
 *  output: its forward output, read by the layers that take it (and the caller, for the last layer);
 *  inputGrad: dLoss/dInput (of input `input`), written by its backward, read by the backward of the layer that
 *  produced the input (or summed with the other readers' contributions);
 *  kept: written by its forward, read by its backward; step: the whole step and across steps (a frozen dropout
 *  mask is reused by later forwards); forward / backward: scratch of that pass only. */
export type BufferLife = 'output' | 'inputGrad' | 'kept' | 'step' | 'forward' | 'backward';

export interface BufferSpec {
  /** The layer's name for it: y, dx, z, dz, cols, argmax, mask, stats, sums. */
  readonly key: string;
  /** In floats (int32 and float64 buffers count their 4-byte words). */
  readonly floats: number;
  readonly life: BufferLife;
  /** For inputGrad: which of the layer's inputs it is the gradient of (0 when there is one). */
  readonly input?: number;
}

export interface LayerBuffers {
  readonly buffers: readonly BufferSpec[];
  /** Backward reads the layer's input (it then lives until this layer's backward). */
  readonly readsInput: boolean;
  /** Backward reads the layer's own output. */
  readonly readsOutput: boolean;
  /** The output is the input, reshaped (flatten, dropout at rate 0): no y, and dLoss/dInput is dLoss/dOutput. */
  readonly passThrough: boolean;
  /** dLoss/dInput is dLoss/dOutput for every input, without a buffer of its own (pass-through layers, add). */
  readonly gradientPassThrough: boolean;
  /** In inference the output is the input itself (dropout): the input then lives as long as the output. */
  readonly inferencePassThrough?: boolean;
}

/** The activation applied by a layer's `activation` field or by the layer itself. */
export function activationOf(info: LayerInfo): ActivationName | undefined {
  const layer = info.layer;
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'separableConv2d':
    case 'dense':
      return field(layer.type, layer.activation, 'activation');
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return layer.type;
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
  const own = (buffers: BufferSpec[], readsInput: boolean, readsOutput = false): LayerBuffers =>
    ({ buffers, readsInput, readsOutput, passThrough: false, gradientPassThrough: false });
  const passThrough: LayerBuffers = { buffers: [], readsInput: false, readsOutput: false, passThrough: true, gradientPassThrough: true };
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
    case 'separableConv2d': {
      // The depthwise stage's output is the pointwise GEMM's input (kept for its weight gradient); its gradient
      // is backward scratch.
      const mid = n * (info.window ? info.window.outH * info.window.outW : 0) * (info.inputShape?.[2] ?? 0) * field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      return own([y, ...preActivation(), { key: 'mid', floats: mid, life: 'kept' }, { key: 'dmid', floats: mid, life: 'backward' }, dx], true, backwardReadsOutput(act));
    }
    case 'dense':
    case 'depthwiseConv2d':
      return own([y, ...preActivation(), dx], true, backwardReadsOutput(act));
    case 'maxPool2d':
    case 'globalMaxPool2d':
      return own([y, { key: 'argmax', floats: O, life: 'kept' }, dx], false);
    case 'avgPool2d':
    case 'globalAvgPool2d':
    case 'zeroPadding2D':
      return own([y, dx], false);
    case 'add':
      // dLoss/dInput_k = dLoss/dOutput for every input.
      return { buffers: [y], readsInput: false, readsOutput: false, passThrough: false, gradientPassThrough: true };
    case 'concatenate':
      // Input k's gradient is its channel slice of dLoss/dOutput, one buffer per input.
      return own([y, ...info.inputs.map((inp, k): BufferSpec => ({ key: `dx${k}`, floats: n * product(inp.shape), life: 'inputGrad', input: k }))], false);
    case 'flatten':
      return passThrough;
    case 'dropout':
      if (layer.rate <= 0) return passThrough;
      return { ...own([y, { key: 'mask', floats: I, life: 'step' }, dx], false), inferencePassThrough: true };
    case 'batchNorm': {
      const c = info.inputShape?.[info.inputShape.length - 1] ?? 0;
      // float64 per channel: mean and 1/√(var + ε) from forward; Σdy and Σdy·x̂ in backward.
      return own([y, { key: 'stats', floats: 4 * c, life: 'kept' }, { key: 'sums', floats: 4 * c, life: 'backward' }, dx], true);
    }
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return own([y, dx], true, backwardReadsOutput(act));
  }
}

/** Whether each layer's output reaches the last layer (the model's output): the others (dead branches, a
 *  warning of the shape function) run forward but get no gradient, so they have no backward pass. */
export function reachesOutput(layers: readonly LayerInfo[]): boolean[] {
  const L = layers.length;
  const live = new Array<boolean>(L).fill(false);
  if (L > 0) live[L - 1] = true;
  for (let i = L - 1; i >= 0; i--) {
    if (!live[i]) continue;
    for (const inp of layers[i]!.inputs) if (inp.index !== undefined && inp.index >= 0) live[inp.index] = true;
  }
  return live;
}

/** Which value each input of each layer is: index + 1 of the producing layer, 0 for the model input. */
function valueOf(inp: { readonly name: string; readonly index?: number }, layer: LayerInfo): number {
  if (inp.index === undefined) throw new Error(`layer ${layer.name}: input "${inp.name}" does not resolve`);
  return inp.index + 1;
}

/** A buffer's place in the plan; layer −1 is the network's own (input, dLoss, and 'gradSum' of the input). */
export interface PlannedBuffer {
  readonly layer: number;
  /** The layer's key, or 'gradSum': the sum of the gradients of that layer's output (read by several layers). */
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

/** The key of the buffer in which the network sums a value's gradient contributions (see planBuffers). */
export const GRAD_SUM = 'gradSum';

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
 * Plans a training step for a batch of n. Time runs forward(i) = i, the loss at L, backward(i) = 2L − i, and the
 * end of the step (the caller reads the outputs, or dLoss/dInput) at 2L + 1. A value (the model input or a
 * layer's output) lives until its last reader: each reader's forward, its backward when that reads its input,
 * the producer's backward when that reads its own output; the last layer's to the end. Gradients mirror the
 * network's backward pass (engine/network.ts): layers in reverse file order, each handing one contribution per
 * input; a value's first contribution is used as it is, a second one is added to it into the value's `gradSum`
 * buffer, later ones are added into that. Buffers are placed in start order, largest first among equal starts, at
 * the lowest free offset (first fit over a coalescing free list); a buffer's memory is free again after its last
 * reader. For a chain this is exactly the plan of a list of layers.
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
  const live = reachesOutput(layers);
  // values[v]: the buffer holding value v (0: the model input, i + 1: layer i's output).
  const values: Live[] = [make(-1, 'input', n * product(inputShape), 0, 0)];
  const specs = layers.map((info) => layerBuffers(info, n));
  // Per layer, its inputs' gradient buffers by input (undefined for a gradient pass-through).
  const dxOf: (Live | undefined)[][] = layers.map(() => []);
  for (let i = 0; i < L; i++) {
    const s = specs[i]!;
    const info = layers[i]!;
    // Reading an input extends its value's life to this forward, and to this backward when backward reads it.
    for (const inp of info.inputs) {
      const v = values[valueOf(inp, info)]!;
      v.end = Math.max(v.end, fwd(i), s.readsInput && live[i] ? bwd(i) : 0);
    }
    let out = s.passThrough ? values[valueOf(info.inputs[0]!, info)]! : undefined;
    for (const b of s.buffers) {
      switch (b.life) {
        case 'output': out = make(i, b.key, b.floats, fwd(i), fwd(i)); break;
        case 'kept': make(i, b.key, b.floats, fwd(i), live[i] ? bwd(i) : fwd(i)); break;
        case 'step': make(i, b.key, b.floats, 0, END); break;
        case 'forward': make(i, b.key, b.floats, fwd(i), fwd(i)); break;
        // A dead branch has no backward pass: no buffers for it.
        case 'backward': if (live[i]) make(i, b.key, b.floats, bwd(i), bwd(i)); break;
        case 'inputGrad': if (live[i]) dxOf[i]![b.input ?? 0] = make(i, b.key, b.floats, bwd(i), bwd(i)); break;
      }
    }
    if (!out) throw new Error(`layer ${info.name}: no output buffer in its plan`);
    if (s.readsOutput && live[i]) out.end = Math.max(out.end, bwd(i));
    values.push(out);
  }
  values[L]!.end = END;
  // A layer that hands on its input in inference: the input is read wherever the output is (later layers first,
  // for a dropout after a dropout).
  for (let i = L - 1; i >= 0; i--) {
    if (!specs[i]!.inferencePassThrough) continue;
    const v = values[valueOf(layers[i]!.inputs[0]!, layers[i]!)]!;
    v.end = Math.max(v.end, values[i + 1]!.end);
  }
  // Gradients: dLoss flows into the last layer's backward. It may be passed through to the layer below (an
  // activation layer fused with the loss): live to the end.
  const lastO = L > 0 ? n * layers[L - 1]!.outputElements : 0;
  const grads: (Live | undefined)[] = new Array<Live | undefined>(L + 1);
  const sums: (Live | undefined)[] = new Array<Live | undefined>(L + 1);
  grads[L] = make(-1, 'dLoss', lastO, L, END);
  for (let i = L - 1; i >= 0; i--) {
    if (!live[i]) continue;
    const info = layers[i]!;
    const t = bwd(i);
    const g = grads[i + 1]!;
    g.end = Math.max(g.end, t);
    info.inputs.forEach((inp, k) => {
      const v = valueOf(inp, info);
      const c = specs[i]!.gradientPassThrough ? g : dxOf[i]![k]!;
      c.end = Math.max(c.end, t);
      const first = grads[v];
      if (!first) {
        grads[v] = c;
        return;
      }
      let sum = sums[v];
      if (!sum) {
        // The second contribution: first + this into the value's own buffer.
        const floats = v === 0 ? values[0]!.floats : n * layers[v - 1]!.outputElements;
        sum = sums[v] = grads[v] = make(v - 1, GRAD_SUM, floats, t, t);
        first.end = Math.max(first.end, t);
      }
      sum.end = Math.max(sum.end, t);
    });
  }
  // dLoss/dInput is returned to the caller.
  const dInput = grads[0];
  if (dInput) dInput.end = END;
  return place(n, all, END);
}

/** Placement, in start order; the free list holds [offset, size) gaps below `top`, sorted by offset. */
function place(n: number, all: readonly Live[], END: number): BufferPlan {
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
