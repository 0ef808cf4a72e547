// What the model room knows about a layer type, in one object per type (./<type>.ts), collected in a
// Record<LayerType, LayerDef> (./index.ts): its fields, shape rule, parameters, buffers, receptive-field
// geometry and memory. Validation, schema, docs, palette, the shape function, summary, the buffer plan and the
// memory estimate all read it; engine and exporters keep their own Record<LayerType, …> tables beside it.
import type { Window2d } from '../geometry';
import { formatDims, type ActivationName, type LayerInput, type Shape, type ShapeError } from './base';
import type { LayerSpec } from './fields';

/** What the shape function found for one layer: what every per-layer rule below reads. */
export interface LayerFacts<L> {
  readonly layer: L;
  readonly name: string;
  /** Every input, in order, with its shape when known. */
  readonly inputs: readonly LayerInput[];
  /** The first input's shape. */
  readonly inputShape?: Shape;
  readonly outputShape?: Shape;
  readonly window?: Window2d;
  /** Output elements per sample. */
  readonly outputElements: number;
}

/** A layer's output for known input shapes; `macs` are multiply-adds per sample. */
export interface ShapeResult {
  readonly output: Shape;
  readonly window?: Window2d;
  readonly macs?: number;
}

/** How a parameter starts: Glorot uniform (Keras' kernel default), zeros or ones. */
export type ParamInit = 'glorotUniform' | 'zeros' | 'ones';
/** How a kernel is laid out, for the kernel views: [kh, kw, in, out], [kh, kw, c, multiplier] or [in, out]. */
export type KernelLayout = 'conv' | 'depthwise' | 'matrix';

export interface ParamDef {
  /** The tensor's name after the layer's: `<layer>.<name>` in checkpoints and exports. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable: boolean;
  readonly init: ParamInit;
  /** Set on kernels (drawn in the kernel views). */
  readonly layout?: KernelLayout;
  /** What reduces its size, for the memory estimate's advice (e.g. "reduce conv2d_1's filters"). */
  readonly remedy?: string;
}

/** When a layer's buffer is live, relative to the layer's own passes:
 *  output: its forward output, read by the layers that take it (and the caller, for the last layer);
 *  inputGrad: dLoss/dInput (of input `input`), written by its backward, read by the backward of the layer that
 *  produced the input (or summed with the other readers' contributions);
 *  kept: written by its forward, read by its backward; step: the whole step and across steps (a frozen dropout
 *  mask is reused by later forwards); forward / backward: scratch of that pass only. */
export type BufferLife = 'output' | 'inputGrad' | 'kept' | 'step' | 'forward' | 'backward';

/** The buffer keys of every layer: the engine layers ask for them by these names, checked by the compiler. */
export type BufferKey = 'y' | 'z' | 'dz' | 'dx' | 'cols' | 'wino' | 'wfilter' | 'wpacked' | 'mid' | 'dmid' | 'argmax' | 'mask' | 'stats' | 'sums' | `dx${number}`;

export interface BufferSpec<K extends BufferKey = BufferKey> {
  readonly key: K;
  /** In floats for the whole batch (int32 and float64 buffers count their 4-byte words). */
  readonly floats: number;
  readonly life: BufferLife;
  /** For 'inputGrad' buffers: which input it is the gradient of (0 when there is one). */
  readonly input?: number;
}

export interface LayerBuffers<K extends BufferKey = BufferKey> {
  readonly buffers: readonly BufferSpec<K>[];
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

/** Rows/cols of a spatial value, or a feature range of a rank-1 value; inclusive. */
export type Region =
  | { readonly kind: 'spatial'; readonly r0: number; readonly r1: number; readonly c0: number; readonly c1: number }
  | { readonly kind: 'flat'; readonly f0: number; readonly f1: number };

/** One GEMM a training step runs: C[m×n] = op(A)[m×k]·op(B)[k×n] (B's transpose does not change the sizes). */
export type GemmCall = readonly [transA: boolean, m: number, n: number, k: number];

export interface GemmCalls {
  readonly forward: readonly GemmCall[];
  /** Backward's calls; `inputGradient` ones are skipped where the layer computes no input gradient, `weightGradient`
   *  ones where the layer is frozen. */
  readonly backward: readonly (GemmCall | { readonly inputGradient: GemmCall } | { readonly weightGradient: GemmCall })[];
}

/** What the layer is, for the views that treat kinds alike (Grad-CAM's default layer, palette groups). */
export type LayerKind = 'convolution' | 'dense' | 'pooling' | 'globalPooling' | 'reshape' | 'merge' | 'normalization' | 'regularization' | 'activation';

export interface LayerDef<L> {
  readonly spec: LayerSpec;
  readonly kind: LayerKind;
  /** 'many': a merge of two or more inputs; 'one': exactly one (the default). */
  readonly inputs?: 'one' | 'many';
  /**
   * The output for known input shapes (one for 'one' layers), or undefined after pushing why not to `errors`.
   * Errors may also accompany a result (dense on an unflattened input still has an output and parameters).
   * `names` are the inputs' names, for messages. The shape function has checked the number of inputs.
   */
  shape(layer: L, inputs: readonly Shape[], errors: ShapeError[], names: readonly string[]): ShapeResult | undefined;
  /** The output when the input is unknown but the layer alone fixes it (dense: [units]). */
  shapeWithoutInput?(layer: L): Shape;
  /** Parameters, in the order the engine creates (and the seed initialises) them. */
  params?(facts: LayerFacts<L>): readonly ParamDef[];
  /** The activation that produces the output (an activation field or the layer itself). */
  activation?(layer: L): ActivationName | undefined;
  /** The buffers a training step needs for a batch of n (training covers inference). */
  buffers(facts: LayerFacts<L>, n: number): LayerBuffers;
  /** The region of input k that output region `out` reads (before clipping), for receptive fields. */
  inputRegion(facts: LayerFacts<L>, k: number, out: Region, inShape: Shape): Region;
  /** The JavaScript GEMM's calls in a training step, for its packing buffers in the memory estimate. */
  gemms?(facts: LayerFacts<L>, n: number): GemmCalls;
}

// ---- Building blocks the layer files share.

export function spatialRegion(r0: number, r1: number, c0: number, c1: number): Region {
  return { kind: 'spatial', r0, r1, c0, c1 };
}

/** All of a value. */
export function wholeRegion(shape: Shape): Region {
  return shape.length === 3 ? spatialRegion(0, shape[0]! - 1, 0, shape[1]! - 1) : { kind: 'flat', f0: 0, f1: shape[0]! - 1 };
}

/** Element-wise layers: an output cell reads the same cell of each input. */
export const sameRegion = (_facts: unknown, _k: number, out: Region): Region => out;

/** Windowed layers: the rows and columns the window covers (dilation and padding included). */
export function windowRegion(facts: LayerFacts<unknown>, _k: number, out: Region, inShape: Shape): Region {
  const g = facts.window;
  if (!g || out.kind !== 'spatial') return wholeRegion(inShape);
  return spatialRegion(
    out.r0 * g.sh - g.padTop, out.r1 * g.sh - g.padTop + (g.kh - 1) * g.dh,
    out.c0 * g.sw - g.padLeft, out.c1 * g.sw - g.padLeft + (g.kw - 1) * g.dw,
  );
}

/** Over the last axis (dense, softmax): a spatial cell reads its own position, a rank-1 one the whole vector. */
export function lastAxisRegion(_facts: unknown, _k: number, out: Region, inShape: Shape): Region {
  return out.kind === 'spatial' ? out : wholeRegion(inShape);
}

export const wholeInputRegion = (_facts: unknown, _k: number, _out: Region, inShape: Shape): Region => wholeRegion(inShape);

/** The input as [height, width, channels], or undefined after saying the layer needs one. */
export function needsSpatial(type: string, input: Shape, errors: ShapeError[]): readonly [number, number, number] | undefined {
  if (input.length === 3) return input as readonly [number, number, number];
  errors.push({ code: 'needs-spatial', message: `${type} needs a [height, width, channels] input, but gets ${formatDims(input)}` });
  return undefined;
}

export function sizeOf(shape: Shape | undefined): number {
  let p = 1;
  for (const d of shape ?? [0]) p *= d;
  return p;
}

/** A layer whose buffers are the ones listed (its output and input gradient among them), none passed through. */
export function ownBuffers(buffers: readonly BufferSpec[], readsInput: boolean, readsOutput = false): LayerBuffers {
  return { buffers, readsInput, readsOutput, passThrough: false, gradientPassThrough: false };
}

export const PASS_THROUGH: LayerBuffers = { buffers: [], readsInput: false, readsOutput: false, passThrough: true, gradientPassThrough: true };

/** Whether the activation's backward reads its output (else its input). */
export function backwardReadsOutput(act: ActivationName | undefined): boolean {
  return act === 'sigmoid' || act === 'tanh' || act === 'softmax';
}

/** y, and the pre-activation z and its gradient unless the activation is linear (then y is z and dz is dy). */
export function activatedOutput(act: ActivationName | undefined, O: number): BufferSpec[] {
  const y: BufferSpec = { key: 'y', floats: O, life: 'output' };
  return act === undefined || act === 'linear' ? [y] : [y, { key: 'z', floats: O, life: 'kept' }, { key: 'dz', floats: O, life: 'backward' }];
}

export function inputGradient(facts: LayerFacts<unknown>, n: number): BufferSpec {
  return { key: 'dx', floats: n * sizeOf(facts.inputShape), life: 'inputGrad' };
}
