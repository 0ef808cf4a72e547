// The engine's memory plan for a batch size, from the shape function's sizes alone (pure, so the training memory
// estimate in ./memory.ts counts exactly what the engine allocates): which buffers each layer needs, how long
// each lives in a training step, and an offset for each in one region where buffers whose lifetimes do not
// overlap share memory. Liveness works on values and their readers, not on list positions: a value read by two
// layers lives until the later reader, and its gradient is the sum of every reader's contribution (see
// planBuffers). In a chain the reader of layer i's output is layer i + 1.
import type { LayerInfo } from '../../model/analysis';
import { defOf, paramDefs } from '../../model/layers';
import { sizeOf, type BufferKey, type LayerBuffers } from '../../model/layers/def';
import type { ActivationName } from '../../model/types';

export type { BufferLife, BufferSpec, LayerBuffers } from '../../model/layers/def';
export { backwardReadsOutput } from '../../model/layers/def';
export { isPointwise } from '../../model/layers/conv2d';

/** The activation applied by a layer's `activation` field or by the layer itself. */
export function activationOf(info: LayerInfo): ActivationName | undefined {
  return defOf(info.layer).activation?.(info.layer);
}

/** The buffers a layer needs for a batch of n (training, which also covers inference): its definition's. */
export function layerBuffers(info: LayerInfo, n: number): LayerBuffers {
  return defOf(info.layer).buffers(info, n);
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

/** Per value (0 the model input, i + 1 layer i's output): whether a trainable parameter lies at or before it.
 *  Training's backward pass skips the layers whose output has none (a frozen backbone), and computes no input
 *  gradient in a layer none of whose inputs has one. */
export function trainedUpstream(layers: readonly LayerInfo[]): boolean[] {
  const trained = [false];
  for (const info of layers) {
    trained.push(paramDefs(info).some((p) => p.trainable) || info.inputs.some((inp) => trained[valueOf(inp, info)] === true));
  }
  return trained;
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
  readonly key: PlanKey;
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
export const GRAD_SUM = 'gradSum' as const;

/** A planned buffer's key: a layer's, or the network's own (its input batch, dLoss, a value's gradient sum). */
export type PlanKey = BufferKey | 'input' | 'dLoss' | typeof GRAD_SUM;

const align = (f: number): number => Math.ceil(f / PLAN_ALIGN) * PLAN_ALIGN;

interface Live {
  readonly layer: number;
  readonly key: PlanKey;
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
  const make = (layer: number, key: PlanKey, floats: number, start: number, end: number): Live => {
    const b: Live = { layer, key, floats, start, end, offset: 0 };
    all.push(b);
    return b;
  };
  const live = reachesOutput(layers);
  // values[v]: the buffer holding value v (0: the model input, i + 1: layer i's output).
  const values: Live[] = [make(-1, 'input', n * sizeOf(inputShape), 0, 0)];
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
