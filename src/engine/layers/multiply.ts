// multiply: the elementwise product of two or more inputs (Keras Multiply), broadcast from the last axis (a
// [1, 1, c] gate against [h, w, c]). Input k's gradient is dy times the other inputs, summed over the axes input k
// is broadcast on.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { broadcastDims, broadcastMultiply, broadcastStrides } from '../kernels/broadcast';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { lastForward, layerOf, shapes } from './common';
import { batchOfInputs, inputShapes, singleInputCall } from './multiInput';

type Strides = readonly [number, number, number, number];

export class Multiply implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShapes: readonly Shape[];
  private readonly outShape: Shape;
  /** Each input's strides over the output's [n, d0, d1, d2], and the output's own. */
  private readonly strides: readonly Strides[];
  private readonly dense: Strides;
  /** Per input, the other inputs' indices (its gradient's factors). */
  private readonly others: readonly (readonly number[])[];
  /** [n, d0, d1, d2] of the output, n set per pass (reused: no allocation in a step). */
  private readonly dims: [number, number, number, number];
  private readonly grads: Tensor[];
  private xs?: readonly Tensor[];

  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'multiply');
    this.name = info.name;
    this.inShapes = inputShapes(info);
    this.outShape = shapes(info).output;
    this.strides = this.inShapes.map((s) => broadcastStrides(s, this.outShape));
    this.dense = broadcastStrides(this.outShape, this.outShape);
    this.others = this.inShapes.map((_s, k) => this.inShapes.map((_t, j) => j).filter((j) => j !== k));
    this.dims = broadcastDims(0, this.outShape);
    this.grads = new Array<Tensor>(this.inShapes.length);
    this.memory = new LayerMemory(info, arena);
  }

  forward(): Tensor {
    return singleInputCall(this.name, 'multiply', this.inShapes.length);
  }

  backward(): Tensor {
    return singleInputCall(this.name, 'multiply', this.inShapes.length);
  }

  forwardInputs(xs: readonly Tensor[]): Tensor {
    const n = batchOfInputs(xs, this.inShapes, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    const dims = this.dims;
    dims[0] = n;
    broadcastMultiply(dims, y.data, this.dense, xs[0]!.data, this.strides[0]!, xs[1]!.data, this.strides[1]!, false);
    for (let k = 2; k < xs.length; k++) broadcastMultiply(dims, y.data, this.dense, y.data, this.dense, xs[k]!.data, this.strides[k]!, false);
    this.xs = xs;
    return y;
  }

  backwardInputs(dy: Tensor): readonly Tensor[] {
    const xs = lastForward(this.xs, this.name);
    const n = dy.shape[0]!;
    const dims = this.dims;
    dims[0] = n;
    const K = xs.length;
    for (let k = 0; k < K; k++) {
      const dx = this.memory.buf(`dx${k}`).tensor(n, this.inShapes[k]!);
      dx.data.fill(0);
      // dy times every other input; the last factor is multiplied in while summing into dx.
      const others = this.others[k]!;
      const last = others[others.length - 1]!;
      let acc = dy.data;
      if (K > 2) {
        acc = this.memory.buf('mid').tensor(n, this.outShape).data;
        broadcastMultiply(dims, acc, this.dense, dy.data, this.dense, xs[others[0]!]!.data, this.strides[others[0]!]!, false);
        for (let m = 1; m < others.length - 1; m++) broadcastMultiply(dims, acc, this.dense, acc, this.dense, xs[others[m]!]!.data, this.strides[others[m]!]!, false);
      }
      broadcastMultiply(dims, dx.data, this.strides[k]!, acc, this.dense, xs[last]!.data, this.strides[last]!, true);
      this.grads[k] = dx;
    }
    return this.grads;
  }
}
