// Collects the nodes and initializers of an ONNX graph under unique tensor names.
import { floatTensor, int64Tensor, type onnx } from './proto';

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly taken = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const r of reserved) this.taken.add(r);
  }

  /** `base`, or `base_1`, `base_2`… when taken: every tensor and initializer has a name of its own. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }

  node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attribute: readonly onnx.IAttributeProto[] = []): void {
    this.nodes.push({ opType, name, input: [...inputs], output: [...outputs], ...(attribute.length ? { attribute: [...attribute] } : {}) });
  }

  floats(base: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  int64s(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push(int64Tensor(name, values));
    return name;
  }

  /** A float scalar (rank 0), as Clip's bounds and Dropout's ratio take. */
  scalar(base: string, value: number): string {
    return this.floats(base, [], Float32Array.of(value));
  }
}
