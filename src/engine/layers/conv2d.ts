// 2-D convolution, kernel [kh, kw, inC, outC] as Keras: the whole batch's patches (im2col) times the kernel in ONE
// GEMM over N·outH·outW rows; a 1×1 stride-1 unpadded convolution is that GEMM on the input itself. The patch
// matrix is kept for the weight gradient, then overwritten by the patches' gradient (col2im scatters it back).
// Buffers are the network's plan (see model/bufferPlan): y, z and dz (with an activation), cols, dx.
// Grouped (groups > 1): the patch matrix holds each group's patches side by side (im2col's grouped layout) and
// every GEMM runs per group on column blocks (leading dimensions): no copies, the same buffers.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
import { isPointwise } from '../plan/bufferPlan';
import { Activation } from '../activations';
import type { Arena, Buf } from '../arena';
import { getKernels } from '../kernels';
import { createParams, gradOf, LayerMemory, type ArenaParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { field } from '../../model/spec';
import { groupsOf } from '../../model/layers/conv2d';
import { groupedGemms } from '../kernels/conv';
import { WINOGRAD_TILE, winogradConv, winogradWeightGrad, type WinogradShape } from '../kernels/winograd';
import { batchOf, foldedEpilogue, lastForward, layerOf, shapes, windowOf } from './common';

/**
 * A buffer computed from a layer's kernel (or a folded kernel, engine/fold.ts), computed again only when its source
 * changed or the plan moved the buffer. What it was computed from: the kernel's version (≥ 0; ArenaParam.version
 * moves whenever a writer fetches the view), −2 − the fold version, or −1 (nothing reusable: no fold version).
 */
class KernelDerived {
  private buf?: Buf;
  private version = -1;

  get(buf: Buf, kernel: ArenaParam, compute: (source: Float32Array, out: Float32Array) => void, folded?: Float32Array, foldVersion?: number): Float32Array {
    const out = buf.view();
    const tag = folded ? (foldVersion === undefined ? -1 : -2 - foldVersion) : kernel.version;
    if (tag === -1 || buf !== this.buf || tag !== this.version) compute(folded ?? kernel.value, out);
    this.buf = buf;
    // Reading the kernel hands it out (its version moves on): keep the version it has now.
    this.version = folded ? tag : kernel.version;
    return out;
  }
}

export class Conv2d implements EngineLayer {
  readonly name: string;
  inputGradient = true;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: ArenaParam;
  readonly bias?: ArenaParam;
  readonly memory: LayerMemory;
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly outShape: readonly number[];
  private readonly inC: number;
  private readonly outC: number;
  private readonly groups: number;
  /** Patch length kh·kw·inC (all groups) and output positions outH·outW. */
  private readonly k: number;
  private readonly p: number;
  /** 1×1, stride 1, unpadded: the input already is the patch matrix. */
  private readonly pointwise: boolean;
  private readonly linear: boolean;
  private readonly act: Activation;
  private x?: Tensor;
  private z?: Tensor;
  /** Whether the last forward pass left the whole patch matrix in `cols` (training does). */
  private colsKept = false;
  /** The Winograd geometry of the forward pass and of the input gradient (dz by the flipped filters). */
  private readonly wino: WinogradShape;
  private readonly winoBack: WinogradShape;
  /** Whether the last forward pass was a training one by Winograd: its input tiles (in 'wino') serve backward. */
  private tilesKept = false;
  /** The Winograd transform of the filters ('wfilter') and the kernel packed for the GEMM ('wpacked'). */
  private readonly filters = new KernelDerived();
  private readonly packed = new KernelDerived();
  private readonly transformFilters = (w: Float32Array, u: Float32Array): void => getKernels().winogradFilter(w, u, 0, this.inC, this.outC, false);
  private readonly packWeights = (w: Float32Array, out: Float32Array): void => getKernels().packWeights(w, this.k, this.outC, out);

  constructor(info: LayerInfo, rng: Rng, arena: Arena) {
    const layer = layerOf(info, 'conv2d');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.g = windowOf(info);
    this.inShape = input;
    this.outShape = output;
    this.inC = input[2]!;
    this.outC = layer.filters;
    this.groups = groupsOf(layer);
    this.k = this.g.kh * this.g.kw * this.inC;
    this.p = this.g.outH * this.g.outW;
    this.pointwise = isPointwise(info);
    this.activation = field('conv2d', layer.activation, 'activation');
    this.linear = this.activation === 'linear';
    this.act = new Activation(this.activation);
    const params = createParams(info, rng, arena);
    this.kernel = params.get('kernel');
    this.bias = params.optional('bias');
    this.params = params.list;
    this.memory = new LayerMemory(info, arena);
    const { inH, inW, outH, outW, padTop, padLeft } = this.g;
    this.wino = { inH, inW, c: this.inC, outH, outW, k: this.outC, padTop, padLeft };
    this.winoBack = { inH: outH, inW: outW, c: this.outC, outH: inH, outW: inW, k: this.inC, padTop: 2 - padTop, padLeft: 2 - padLeft };
  }

  /** Whether this layer runs by Winograd: its plan has the workspace (model/layers/winograd.ts decides). */
  private winograd(): boolean {
    return this.memory.has('wino');
  }

  /** The Winograd workspace, when this layer runs by Winograd. */
  private winogradTiles(): Buf | undefined {
    return this.winograd() ? this.memory.buf('wino') : undefined;
  }

  /** The kernel's Winograd transform (or a folded kernel's, of that fold version), kept across passes. */
  private transformedFilters(folded?: Float32Array, foldVersion?: number): Float32Array {
    return this.filters.get(this.memory.buf('wfilter'), this.kernel, this.transformFilters, folded, foldVersion);
  }

  /** The kernel (or a folded kernel) packed for gemmPacked, kept across passes; undefined when the plan has no
   *  packed buffer (a grouped or non-pointwise conv). */
  private packedKernel(folded?: Float32Array, foldVersion?: number): Float32Array | undefined {
    if (!this.memory.has('wpacked')) return undefined;
    return this.packed.get(this.memory.buf('wpacked'), this.kernel, this.packWeights, folded, foldVersion);
  }

  /** A pointwise conv by gemmPacked with its bias and activation fused: z (+ bias) into z, act(z) into y. False
   *  when it does not apply (grouped, softmax). */
  private pointwisePacked(x: Tensor, z: Tensor, y: Tensor, act: ActivationName, alpha: number, bias?: Float32Array, folded?: Float32Array, foldVersion?: number): boolean {
    if (act === 'softmax') return false;
    const packed = this.packedKernel(folded, foldVersion);
    if (!packed) return false;
    const rows = x.shape[0]! * this.p;
    getKernels().gemmPacked(rows, this.outC, this.k, x.data, packed, z.data, act === 'linear' && !bias ? undefined : { act, bias, y: y.data, alpha });
    return true;
  }

  forward(x: Tensor, training = true): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const mem = this.memory;
    mem.ensure(n);
    const kr = getKernels();
    const { k, p, outC } = this;
    const rows = n * p;
    // With a linear activation the GEMM writes the output directly.
    const z = (this.z = mem.buf(this.linear ? 'y' : 'z').tensor(n, this.outShape));
    this.x = x;
    const tiles = this.winogradTiles();
    if (tiles) {
      // Tiles, 16 GEMMs and the output transform into z; then bias and activation as after a pointwise GEMM.
      this.colsKept = false;
      this.tilesKept = training;
      winogradConv(kr, x.data, this.wino, this.transformedFilters(), 0, z.data, tiles.view(), 0, n);
      return this.act.forward(z, this.linear ? undefined : mem.buf('y'), this.bias?.value);
    }
    if (this.pointwise) {
      const y = this.linear ? z : mem.buf('y').tensor(n, this.outShape);
      if (this.pointwisePacked(x, z, y, this.activation, this.act.alpha, this.bias?.value)) return this.act.adopt(z, y);
      // Grouped, or softmax: the GEMM, then the bias and activation.
      if (this.groups === 1) kr.gemm(false, false, rows, outC, k, x.data, 0, this.kernel.value, 0, z.data, 0, false);
      else groupedGemms(kr.gemm, rows, outC, k, x.data, this.kernel.value, z.data, this.groups);
      return this.act.forward(z, this.linear ? undefined : mem.buf('y'), this.bias?.value);
    }
    const w = this.kernel.value;
    const cols = mem.buf('cols').view();
    this.colsKept = training;
    // Patches, GEMM, bias and activation in one kernel (softmax, a whole-row activation, apart); the patch matrix
    // is kept only when training (the weight gradient reads it).
    if (this.activation === 'softmax') {
      kr.convForward(x.data, this.g, this.inC, w, outC, z.data, cols, n, training, undefined, this.groups);
      return this.act.forward(z, mem.buf('y'), this.bias?.value);
    }
    const y = this.linear ? z : mem.buf('y').tensor(n, this.outShape);
    kr.convForward(x.data, this.g, this.inC, w, outC, z.data, cols, n, training, { act: this.activation, bias: this.bias?.value, y: y.data, alpha: this.act.alpha }, this.groups);
    return this.act.adopt(z, y);
  }

  /** Inference with a batch norm folded in (engine/fold.ts): `kernel` and `bias` instead of the params, `act`
   *  fused in the epilogue, into the output buffer (a linear conv's only one). Keeps nothing for backward.
   *  `foldVersion` changes whenever `kernel` does (the network's Folds count): Winograd's transform of it is reused
   *  while it stays; without it, the transform is computed on every pass. */
  forwardFolded(x: Tensor, kernel: Float32Array, bias: Float32Array | undefined, act: ActivationName, alpha: number, foldVersion?: number): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const mem = this.memory;
    mem.ensure(n);
    const kr = getKernels();
    const y = mem.buf('y').tensor(n, this.outShape);
    this.x = undefined;
    this.colsKept = false;
    this.tilesKept = false;
    const tiles = this.winogradTiles();
    if (tiles) {
      winogradConv(kr, x.data, this.wino, this.transformedFilters(kernel, foldVersion), 0, y.data, tiles.view(), 0, n);
      foldedEpilogue(y, bias, act, alpha, n * this.p, this.outC);
      return y;
    }
    if (this.pointwise) {
      if (this.pointwisePacked(x, y, y, act, alpha, bias, kernel, foldVersion)) return y;
      if (this.groups === 1) kr.gemm(false, false, n * this.p, this.outC, this.k, x.data, 0, kernel, 0, y.data, 0, false);
      else groupedGemms(kr.gemm, n * this.p, this.outC, this.k, x.data, kernel, y.data, this.groups);
      foldedEpilogue(y, bias, act, alpha, n * this.p, this.outC);
      return y;
    }
    // In place (z = y): the epilogue reads each element before it writes it.
    kr.convForward(x.data, this.g, this.inC, kernel, this.outC, y.data, mem.buf('cols').view(), n, false, { act, bias, y: y.data, alpha }, this.groups);
    return y;
  }

  backward(dy: Tensor): Tensor {
    // The bias gradient is summed in the activation's backward pass (one pass over dz).
    return this.weightsBackward(this.act.backward(dy, this.linear ? undefined : this.memory.buf('dz'), gradOf(this.bias)));
  }

  preActivation(): Tensor {
    return lastForward(this.z, this.name);
  }

  backwardPreActivation(dz: Tensor): Tensor {
    if (this.bias?.trainable) getKernels().sumRows(dz.data, dz.shape[0]! * this.p, this.outC, this.bias.grad);
    return this.weightsBackward(dz);
  }

  /** dKernel and dx from dLoss/d(pre-activation); the bias gradient is done by the caller. */
  private weightsBackward(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const n = x.shape[0]!;
    const kr = getKernels();
    const { k, p, outC } = this;
    const rows = n * p;
    const dxBuf: Buf = this.memory.buf('dx');
    const dx = dxBuf.tensor(n, this.inShape);
    const w = this.kernel.value;
    if (this.groups > 1) {
      this.groupedBackward(x.data, dz.data, dx.data, n);
      return dx;
    }
    if (this.pointwise) {
      // dKernel[k×outC] += xᵀ · dz;  dx = dz · kernelᵀ
      if (this.kernel.trainable) kr.gemm(true, false, k, outC, rows, x.data, 0, dz.data, 0, this.kernel.grad, 0, true);
      if (this.inputGradient !== false) kr.gemm(false, true, rows, k, outC, dz.data, 0, w, 0, dx.data, 0, false);
      return dx;
    }
    const cols = this.memory.buf('cols').view();
    if (this.winograd()) {
      // Both gradients by Winograd, one after the other in the same buffer: the kernel's (the input's tiles, the
      // output gradient's, their products, transformed back), then dx, the 3×3 convolution of dz by the flipped,
      // transposed filters.
      // The input's tiles are the training forward pass's, in 'wino' (computed again after an inference pass).
      const tiles = this.memory.buf('wino').view();
      if (this.kernel.trainable) winogradWeightGrad(kr, tiles, 0, this.tilesKept ? undefined : x.data, dz.data, this.wino, this.kernel.grad, cols, 0, n);
      this.tilesKept = false;
      this.colsKept = false;
      if (this.inputGradient === false) return dx;
      kr.winogradFilter(w, cols, 0, this.inC, outC, true);
      winogradConv(kr, dz.data, this.winoBack, cols, 0, dx.data, cols, WINOGRAD_TILE * this.inC * outC, n);
      return dx;
    }
    // A frozen kernel needs neither the patches nor its gradient: only dx below.
    if (this.kernel.trainable) {
      // After an inference pass (which may use cols as scratch only) the patches are computed again: a standalone
      // layer's (its caller holds x; a network refuses backward after an inference pass, its x may be gone).
      if (!this.colsKept) kr.im2col(x.data, 0, this.g, this.inC, cols, 0, n);
      kr.gemm(true, false, k, outC, rows, cols, 0, dz.data, 0, this.kernel.grad, 0, true);
    }
    this.colsKept = false;
    if (this.inputGradient === false) return dx;
    // dcols = dz · kernelᵀ over the patches (no longer needed), scattered back onto the images.
    kr.convBackwardData(dz.data, w, outC, cols, dx.data, n, this.g, this.inC);
    return dx;
  }

  /**
   * weightsBackward per group: group j's kernel columns, dz columns and patch (or, pointwise, input) columns are
   * column blocks j of those matrices (leading dimensions k or inC, outC), so every GEMM runs on them in place.
   */
  private groupedBackward(x: Float32Array, dz: Float32Array, dx: Float32Array, n: number): void {
    const kr = getKernels();
    const { k, outC, groups } = this;
    const rows = n * this.p;
    const kg = k / groups, fg = outC / groups;
    const w = this.kernel.value, dw = this.kernel.grad;
    const needDx = this.inputGradient !== false;
    // Pointwise: the input is the patch matrix (row stride inC = k).
    const cols = this.pointwise ? x : this.memory.buf('cols').view();
    if (this.kernel.trainable) {
      if (!this.pointwise && !this.colsKept) kr.im2col(x, 0, this.g, this.inC, cols, 0, n, groups);
      // dKernel_j [kg×fg] += patches_jᵀ · dz_j
      for (let j = 0; j < groups; j++) kr.gemm(true, false, kg, fg, rows, cols, j * kg, dz, j * fg, dw, j * fg, true, k, outC, outC);
    }
    this.colsKept = false;
    if (!needDx) return;
    // dpatches_j = dz_j · kernel_jᵀ: straight into dx when pointwise, else over the patches, then scattered back.
    const dcols = this.pointwise ? dx : cols;
    for (let j = 0; j < groups; j++) kr.gemm(false, true, rows, kg, fg, dz, j * fg, w, j * fg, dcols, j * kg, false, outC, outC, k);
    if (this.pointwise) return;
    dx.fill(0);
    kr.col2im(cols, this.g, this.inC, dx, 0, 0, n, groups);
  }
}
