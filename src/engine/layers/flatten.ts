// Flatten: NHWC is already row-major channels-last, so only the shape changes; the data is shared (the plan
// treats the output as the input's buffer, see model/bufferPlan).
import type { LayerInfo } from '../../model/analysis';
import type { Arena } from '../arena';
import { LayerMemory, type EngineLayer, type Param } from '../layer';
import type { Tensor } from '../tensor';
import { batchOf, lastForward, layerOf, shapes } from './common';

/** The same reshaped tensor object while the data and batch stay (no allocation per pass). */
class Reshaped {
  private last?: Tensor;

  constructor(private readonly sample: readonly number[]) {}

  of(data: Float32Array, n: number): Tensor {
    const t = this.last;
    if (t && t.data === data && t.shape[0] === n) return t;
    return (this.last = { shape: [n, ...this.sample], data });
  }
}

export class Flatten implements EngineLayer {
  readonly name: string;
  readonly params: readonly Param[] = [];
  readonly memory: LayerMemory;
  private readonly inShape: readonly number[];
  private readonly out: Reshaped;
  private readonly grad: Reshaped;
  private n?: number;

  constructor(info: LayerInfo, arena: Arena) {
    layerOf(info, 'flatten');
    const { input, output } = shapes(info);
    this.name = info.name;
    this.inShape = input;
    this.out = new Reshaped(output);
    this.grad = new Reshaped(input);
    this.memory = new LayerMemory(info, arena);
  }

  forward(x: Tensor): Tensor {
    this.n = batchOf(x, this.inShape, this.name);
    return this.out.of(x.data, this.n);
  }

  backward(dy: Tensor): Tensor {
    return this.grad.of(dy.data, lastForward(this.n, this.name));
  }
}
