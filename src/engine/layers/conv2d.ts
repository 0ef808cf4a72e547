// 2-D convolution as im2col + GEMM, one sample at a time; kernel [kh, kw, inC, outC] as Keras. Training keeps the
// batch's patches for backward when they fit KEEP_PATCHES_LIMIT, else backward re-extracts them per sample.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { ActivationName } from '../../model/types';
import { Activation } from '../activations';
import { glorotUniform } from '../init';
import { getKernels } from '../kernels';
import { createParam, type EngineLayer, type Param } from '../layer';
import type { Rng } from '../rng';
import { reuse, type Tensor } from '../tensor';
import { field } from '../../model/spec';
import { batchOf, lastForward, layerOf, shapes, windowOf } from './common';

/** Patch values (floats) a layer may keep from forward to backward: 32 MB. */
const KEEP_PATCHES_LIMIT = 8 * 1024 * 1024;

export class Conv2d implements EngineLayer {
  readonly name: string;
  inputGradient = true;
  readonly params: readonly Param[];
  readonly activation: ActivationName;
  readonly kernel: Param;
  readonly bias?: Param;
  private readonly g: Window2d;
  private readonly inShape: readonly number[];
  private readonly inC: number;
  private readonly outC: number;
  /** Patch length kh·kw·inC and output positions outH·outW. */
  private readonly k: number;
  private readonly p: number;
  /** 1×1, stride 1, unpadded: the input already is the patch matrix. */
  private readonly pointwise: boolean;
  private readonly act: Activation;
  private cols?: Float32Array;
  private colsOff = 0;
  /** The last training forward's patches for every sample, and for how many samples (0: none kept). */
  private batchCols?: Float32Array;
  private kept = 0;
  private x?: Tensor;
  private z?: Tensor;
  private dx?: Tensor;

  constructor(info: LayerInfo, rng: Rng) {
    const layer = layerOf(info, 'conv2d');
    const { input } = shapes(info);
    this.name = info.name;
    this.g = windowOf(info);
    this.inShape = input;
    this.inC = input[2]!;
    this.outC = layer.filters;
    this.k = this.g.kh * this.g.kw * this.inC;
    this.p = this.g.outH * this.g.outW;
    const g = this.g;
    this.pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop + g.padLeft + g.padBottom + g.padRight === 0;
    this.activation = field('conv2d', layer.activation, 'activation');
    this.act = new Activation(this.activation);
    const shape = [g.kh, g.kw, this.inC, this.outC];
    this.kernel = createParam(`${info.name}.kernel`, shape, true);
    glorotUniform(this.kernel.value, shape, rng);
    if (field('conv2d', layer.useBias, 'useBias')) this.bias = createParam(`${info.name}.bias`, [this.outC], true);
    this.params = this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  forward(x: Tensor, training = true): Tensor {
    const n = batchOf(x, this.inShape, this.name);
    const kr = getKernels();
    const { k, p, outC } = this;
    const z = (this.z = reuse(this.z, [n, this.g.outH, this.g.outW, outC]));
    const inSize = this.g.inH * this.g.inW * this.inC;
    this.x = x;
    // In training, keep the whole batch's patches for backward when they fit (saves a second im2col).
    const keep = training && !this.pointwise && n * p * k <= KEEP_PATCHES_LIMIT;
    if (keep && (this.batchCols?.length ?? 0) < n * p * k) this.batchCols = new Float32Array(n * p * k);
    this.kept = keep ? n : 0;
    for (let s = 0; s < n; s++) {
      let cols: Float32Array;
      let off: number;
      if (keep) {
        cols = this.batchCols!;
        off = s * p * k;
        kr.im2col(x.data, s * inSize, this.g, this.inC, cols, off);
      } else {
        cols = this.patches(x.data, s * inSize);
        off = this.colsOff;
      }
      kr.gemm(false, false, p, outC, k, cols, off, this.kernel.value, 0, z.data, s * p * outC, false);
    }
    if (this.bias) kr.addBias(z.data, this.bias.value, n * p, outC);
    return this.act.forward(z);
  }

  backward(dy: Tensor): Tensor {
    return this.backwardPreActivation(this.act.backward(dy));
  }

  preActivation(): Tensor {
    return lastForward(this.z, this.name);
  }

  backwardPreActivation(dz: Tensor): Tensor {
    const x = lastForward(this.x, this.name);
    const n = x.shape[0]!;
    const kr = getKernels();
    const { k, p, outC } = this;
    const inSize = this.g.inH * this.g.inW * this.inC;
    const dx = (this.dx = reuse(this.dx, x.shape));
    if (this.bias) kr.sumRows(dz.data, n * p, outC, this.bias.grad);
    for (let s = 0; s < n; s++) {
      const dzOff = s * p * outC;
      const kept = this.kept === n;
      const cols = kept ? this.batchCols! : this.patches(x.data, s * inSize);
      // dKernel[k×outC] += colsᵀ · dz
      kr.gemm(true, false, k, outC, p, cols, kept ? s * p * k : this.colsOff, dz.data, dzOff, this.kernel.grad, 0, true);
      if (this.inputGradient === false) continue;
      if (this.pointwise) {
        kr.gemm(false, true, p, k, outC, dz.data, dzOff, this.kernel.value, 0, dx.data, s * inSize, false);
        continue;
      }
      // dcols = dz · kernelᵀ, scattered back onto the image.
      const dcols = this.scratch();
      kr.gemm(false, true, p, k, outC, dz.data, dzOff, this.kernel.value, 0, dcols, 0, false);
      if (s === 0) dx.data.fill(0);
      kr.col2im(dcols, this.g, this.inC, dx.data, s * inSize);
    }
    return dx;
  }

  /** One sample's patch matrix, starting at this.colsOff (no per-sample allocation). */
  private patches(x: Float32Array, xOff: number): Float32Array {
    if (this.pointwise) {
      this.colsOff = xOff;
      return x;
    }
    const cols = this.scratch();
    getKernels().im2col(x, xOff, this.g, this.inC, cols, 0);
    this.colsOff = 0;
    return cols;
  }

  // One sample's patch matrix; reused for the patches and their gradient (never needed at the same time).
  private scratch(): Float32Array {
    return (this.cols ??= new Float32Array(this.p * this.k));
  }
}
