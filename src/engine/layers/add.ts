// add: the elementwise sum of two or more inputs of equal shape (Keras Add). Each input's gradient is dy itself.
import type { LayerInfo } from '../../model/analysis';
import type { Shape } from '../../model/types';
import type { Arena } from '../arena';
import { getKernels } from '../kernels';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import { sizeOf, type Tensor } from '../tensor';
import { lastForward, layerOf, shapes } from './common';
import { batchOfInputs, inputShapes, singleInputCall } from './multiInput';

export class Add implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShapes: readonly Shape[];
  private readonly outShape: Shape;
  /** The gradients handed back, one per input: dy each time (a reused array, no allocation per pass). */
  private readonly grads: Tensor[];
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'add');
    this.name = info.name;
    this.inShapes = inputShapes(info);
    this.outShape = shapes(info).output;
    this.grads = new Array<Tensor>(this.inShapes.length);
    this.memory = new LayerMemory(info, arena);
  }

  forward(): Tensor {
    return singleInputCall(this.name, 'add', this.inShapes.length);
  }

  backward(): Tensor {
    return singleInputCall(this.name, 'add', this.inShapes.length);
  }

  forwardInputs(xs: readonly Tensor[]): Tensor {
    const n = batchOfInputs(xs, this.inShapes, this.name);
    this.memory.ensure(n);
    const y = this.memory.buf('y').tensor(n, this.outShape);
    const size = sizeOf(y.shape);
    const kr = getKernels();
    kr.addArrays(xs[0]!.data, xs[1]!.data, y.data, size);
    for (let k = 2; k < xs.length; k++) kr.accumulate(y.data, xs[k]!.data, size);
    this.n = n;
    return y;
  }

  backwardInputs(dy: Tensor): readonly Tensor[] {
    lastForward(this.n, this.name);
    this.grads.fill(dy);
    return this.grads;
  }
}
