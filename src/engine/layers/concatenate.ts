// concatenate: two or more inputs joined along the last axis (channels), as Keras Concatenate(axis=-1). Input k's
// gradient is its slice of the output's channels.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Arena, Buf } from '../arena';
import { getKernels } from '../kernels';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import { sizeOf, type Tensor } from '../tensor';
import { lastForward, layerOf, shapes } from './common';
import { batchOfInputs, inputShapes, singleInputCall } from './multiInput';

export class Concatenate implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShapes: readonly Shape[];
  private readonly outShape: Shape;
  /** Each input's channels and where they start in the output's. */
  private readonly widths: readonly number[];
  private readonly starts: readonly number[];
  private readonly width: number;
  private readonly grads: Tensor[];
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'concatenate');
    this.name = info.name;
    this.inShapes = inputShapes(info);
    this.outShape = shapes(info).output;
    this.widths = this.inShapes.map((s) => s[s.length - 1]!);
    let at = 0;
    this.starts = this.widths.map((w) => ((at += w), at - w));
    this.width = at;
    this.grads = new Array<Tensor>(this.inShapes.length);
    this.memory = new LayerMemory(info, arena);
  }

  forward(): Tensor {
    return singleInputCall(this.name, 'concatenate', this.inShapes.length);
  }

  backward(): Tensor {
    return singleInputCall(this.name, 'concatenate', this.inShapes.length);
  }

  forwardInputs(xs: readonly Tensor[]): Tensor {
    const n = batchOfInputs(xs, this.inShapes, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    const rows = sizeOf(y.shape) / this.width;
    const kr = getKernels();
    for (let k = 0; k < xs.length; k++) kr.copyColumnsInto(xs[k]!.data, y.data, rows, this.widths[k]!, this.width, this.starts[k]!);
    this.n = n;
    return y;
  }

  backwardInputs(dy: Tensor): readonly Tensor[] {
    const n = lastForward(this.n, this.name);
    const rows = sizeOf(dy.shape) / this.width;
    for (let k = 0; k < this.grads.length; k++) {
      const buf: Buf = this.memory.buf(`dx${k}`);
      const dx = buf.tensor(n, this.inShapes[k]!);
      getKernels().copyColumnsFrom(dy.data, dx.data, rows, this.widths[k]!, this.width, this.starts[k]!);
      this.grads[k] = dx;
    }
    return this.grads;
  }
}
