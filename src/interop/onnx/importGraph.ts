// What the importer knows while it walks an ONNX graph: the constants, each activation tensor's layout and the
// layer that produces it, the layers made so far, and who reads each tensor (for fusing node patterns).
import type { NamedTensor } from '../../engine/weights';
import { product } from '../../model/layers/base';
import { paramDefs } from '../../model/layers';
import { analyzeLayer } from '../../model/shapes';
import { MODEL_INPUT, type Layer, type Shape } from '../../model/types';
import { attributes, DataType, readTensor, tensorValues, toNumber, type AttributeValue, type onnx } from './proto';

/** An initializer or a Constant node's value. */
export interface ConstValue {
  readonly kind: 'const';
  readonly dims: readonly number[];
  readonly values: Float64Array;
  /** ONNX's data type (TensorProto.DataType), when known: integer division and Cast need it. */
  readonly dataType?: number;
  /**
   * Shape arithmetic is evaluated for a batch of 1 (our layers work per sample). Where a value came from the batch
   * dimension of a Shape: 'n' for an element equal to the batch size N, 'derived' for one computed from N otherwise
   * (N·C, N / 2); absent when no element depends on N. See importFold.ts.
   */
  readonly batch?: readonly ('n' | 'derived' | undefined)[];
}

/**
 * An activation tensor. `layout` says how ONNX holds it: 'nchw' [N, c, h, w], 'nhwc' [N, h, w, c], 'flat'
 * [N, features], 'pooled' [N, c, 1, 1] (a global pool's output, flat [c] for us), 'pooledLast' [N, 1, 1, c] (that
 * transposed channels-last, as ConvNeXt's head does around its LayerNorm). `shape` is ours ([h, w, c] or
 * [features]). A flat tensor made by flattening NCHW holds its features in (c, h, w) order: `chw` gives [h, w, c]
 * then, and the dense layer that reads it gets its rows permuted to our (h, w, c) order.
 */
export interface ActValue {
  readonly kind: 'act';
  /** The producing layer's index, −1 for the model input. */
  readonly src: number;
  readonly layout: Layout;
  readonly shape: Shape;
  readonly chw?: readonly [number, number, number];
}

export type Layout = 'nchw' | 'nhwc' | 'flat' | 'pooled' | 'pooledLast';

/** The axis that holds the channels (features when flat) in a layout, as ONNX numbers it from each end. */
export function channelAxes(layout: Layout): readonly [number, number] {
  if (layout === 'nchw' || layout === 'pooled') return [1, -3];
  if (layout === 'nhwc' || layout === 'pooledLast') return [3, -1];
  return [1, -1];
}

/** The height and width axes of a layout (none when flat), from the front. */
export function spatialAxes(layout: Layout): readonly number[] {
  if (layout === 'nchw' || layout === 'pooled') return [2, 3];
  if (layout === 'nhwc' || layout === 'pooledLast') return [1, 2];
  return [];
}

/** ONNX's rank of a tensor in a layout. */
export const rankOf = (layout: Layout): number => (layout === 'flat' ? 2 : 4);

export type Value = ConstValue | ActValue;

/** A layer being built: its config (without name and inputs), where it reads, its name candidate and weights. */
export interface PendingLayer {
  readonly layer: Layer;
  readonly inputs: readonly number[];
  readonly nameHint: string;
  /** The values of its parameters in our layouts, in the registry's order (LayerDef.params); none by default. */
  readonly params?: readonly Float32Array[];
}

/** A layer as added: its parameters named and shaped by the registry (the layer's name is prefixed at the end). */
export interface ImportedLayer extends Omit<PendingLayer, 'params'> {
  readonly params: readonly { readonly param: string; readonly shape: readonly number[]; readonly data: Float32Array }[];
}

/** A node that cannot be converted: the message names the operator and the node. */
export class Unsupported extends Error {}

/** A node whose input could not be converted: the problem is already listed at the node that made it. */
export class Skipped extends Error {}

/** Names every layer has while the import runs, so the shape function can resolve references. */
const tempName = (i: number): string => (i < 0 ? MODEL_INPUT : `__layer${i}`);

/** Positions of the nodes without a name in their graph, for messages about them. */
const positions = new WeakMap<onnx.INodeProto, number>();

export class ImportGraph {
  readonly values = new Map<string, Value>();
  readonly layers: ImportedLayer[] = [];
  /** Each layer's output shape (ours). */
  private readonly shapes: Shape[] = [];
  readonly consumed = new Set<onnx.INodeProto>();
  private readonly readers = new Map<string, onnx.INodeProto[]>();
  private readonly outputs: ReadonlySet<string>;
  /** Each node's position in the graph. */
  private readonly index = new Map<onnx.INodeProto, number>();
  /** Every tensor some node writes, with that node's position. */
  private readonly made = new Map<string, number>();
  /** Initializers whose values cannot be read, and why. */
  private readonly unreadable = new Map<string, string>();
  /** Nodes that could not be converted (or read such a node's output): their readers are skipped. */
  readonly failed = new Set<onnx.INodeProto>();

  /** Ours ([h, w, c]), set once the graph input is read. */
  inputShape: Shape = [];
  /** The default domain's opset: some operators changed meaning over the versions (Softmax at 13). */
  opset = 17;

  constructor(readonly graph: onnx.IGraphProto) {
    (graph.node ?? []).forEach((node, i) => {
      this.index.set(node, i);
      // Only for messages about nodes without a name: a WeakMap of every node made GC superlinear on big graphs.
      if (!node.name) positions.set(node, i);
      for (const name of node.output ?? []) if (name && !this.made.has(name)) this.made.set(name, i);
    });
    for (const node of graph.node ?? []) {
      for (const name of node.input ?? []) {
        if (!name) continue;
        const list = this.readers.get(name) ?? [];
        list.push(node);
        this.readers.set(name, list);
      }
    }
    this.outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
    for (const t of graph.initializer ?? []) {
      const v = readTensor(t);
      if (typeof v === 'string') this.unreadable.set(t.name ?? '', v);
      else this.values.set(t.name ?? '', { kind: 'const', ...v });
    }
  }

  /** The nodes that read a tensor. */
  readersOf(tensor: string): readonly onnx.INodeProto[] {
    return this.readers.get(tensor) ?? [];
  }

  /** The one node reading a tensor that is not a graph output, if there is exactly one. */
  soleReader(tensor: string): onnx.INodeProto | undefined {
    const r = this.readersOf(tensor);
    return r.length === 1 && !this.outputs.has(tensor) ? r[0] : undefined;
  }

  isGraphOutput(tensor: string): boolean {
    return this.outputs.has(tensor);
  }

  /** Adds a layer and returns its index and output shape, from the one shape function; a layer the shape
   *  function refuses is Unsupported with its message. */
  add(layer: PendingLayer, node: onnx.INodeProto): { readonly index: number; readonly shape: Shape } {
    const index = this.layers.length;
    // One layer's shape step, not the whole model's (that made an import quadratic in the number of nodes).
    const inputs = layer.inputs.map((i) => {
      const shape = i < 0 ? this.inputShape : this.shapes[i];
      return { name: tempName(i), index: i, ...(shape ? { shape } : {}) };
    });
    const info = analyzeLayer({ ...layer.layer, name: tempName(index), inputs: layer.inputs.map(tempName) }, inputs, index);
    const error = info.errors.find((e) => e.severity !== 'warning');
    if (!info.outputShape || error) throw new Unsupported(`${describe(node)}: ${error?.message ?? 'its output shape is unknown'}`);
    const bad = (layer.params ?? []).findIndex((p) => !allFinite(p));
    if (bad >= 0) throw new Unsupported(`${describe(node)}: its ${paramDefs(info)[bad]?.name ?? 'weights'} hold NaN or infinite values`);
    const defs = paramDefs(info);
    const values = layer.params ?? [];
    // A handler that gives other values than the registry's parameters is a bug, not a problem of the file.
    if (defs.length !== values.length || defs.some((d, k) => product(d.shape) !== values[k]!.length)) {
      throw new Error(`${describe(node)} made a ${info.layer.type} with ${values.length} parameters (sizes ${values.map((v) => v.length).join(', ')}), the registry gives ${defs.map((d) => `${d.name} [${d.shape.join(', ')}]`).join(', ')}`);
    }
    this.layers.push({ ...layer, params: defs.map((d, k) => ({ param: d.name, shape: d.shape, data: values[k]! })) });
    this.shapes.push(info.outputShape);
    return { index, shape: info.outputShape };
  }

  act(tensor: string | undefined | null, node: onnx.INodeProto): ActValue {
    const v = tensor ? this.values.get(tensor) : undefined;
    if (!v) {
      this.checkOrder(tensor, node);
      // A tensor no node makes is the graph's fault; one made by a node we could not convert was reported there.
      if (tensor && this.readers.has(tensor) && this.made.has(tensor)) throw new Skipped();
      throw new Unsupported(`${describe(node)}: input "${tensor ?? ''}" is not made by any node`);
    }
    if (v.kind !== 'act') throw new Unsupported(`${describe(node)}: input "${tensor}" is a constant where a layer input is expected`);
    return v;
  }

  /** A constant input (initializer or Constant node); undefined when the input is absent (an empty name). */
  constant(tensor: string | undefined | null, node: onnx.INodeProto, what: string): ConstValue | undefined {
    if (!tensor) return undefined;
    const v = this.values.get(tensor);
    const why = this.unreadable.get(tensor);
    if (why) throw new Unsupported(`${describe(node)}: the ${what} "${tensor}" cannot be read: ${why}`);
    if (!v) {
      this.checkOrder(tensor, node);
      // Its node could not be converted: the problem is listed there.
      const maker = this.producer(tensor);
      if (maker && this.failed.has(maker)) throw new Skipped();
    }
    if (v?.kind !== 'const') throw new Unsupported(`${describe(node)}: the ${what} "${tensor}" must be a constant (an initializer)`);
    // Values for a batch of 1 serve where the batch is the first dim of a shape ([N, -1] is [1, -1] per sample).
    if (v.batch?.some((b, i) => b === 'derived' || (b === 'n' && (i > 0 || v.dims.length !== 1)))) {
      throw new Unsupported(`${describe(node)}: the ${what} "${tensor}" depends on the batch size other than as the first dim of a shape: CNN Studio's layers work per sample`);
    }
    return v;
  }

  /** Why a tensor is not known yet: a cycle, or nodes out of order (ONNX requires them sorted by dependency). */
  private checkOrder(tensor: string | undefined | null, node: onnx.INodeProto): void {
    const at = tensor ? this.made.get(tensor) : undefined;
    // A node must not read what it or a later node makes (a pattern may read later nodes' inputs: their positions count).
    const reader = this.positionOf(node);
    if (at === undefined || reader < 0 || at < reader) return;
    const maker = this.graph.node![at]!;
    const why = at === reader ? 'its own output' : `the output of ${describe(maker)}, a later node`;
    throw new Unsupported(`${describe(node)}: reads "${tensor}", ${why}: the graph has a cycle or its nodes are not in dependency order`);
  }

  /** A node's index in the graph's node list. */
  positionOf(node: onnx.INodeProto): number {
    return this.index.get(node) ?? -1;
  }

  /** The node that makes a tensor (the first, in a malformed graph where several do). */
  producer(tensor: string | undefined | null): onnx.INodeProto | undefined {
    const at = tensor ? this.made.get(tensor) : undefined;
    return at === undefined ? undefined : this.graph.node?.[at];
  }

  /** The value of a tensor when it is a readable constant, else undefined (no message). */
  constValue(tensor: string | undefined | null): ConstValue | undefined {
    const v = tensor ? this.values.get(tensor) : undefined;
    return v?.kind === 'const' ? v : undefined;
  }

  setOutput(node: onnx.INodeProto, value: Value, index = 0): void {
    const name = node.output?.[index];
    if (name) this.values.set(name, value);
  }
}

/** `Conv (node "/conv1/Conv")`: how every message names a node. */
export function describe(node: onnx.INodeProto): string {
  return `${node.opType ?? '?'} (node ${node.name ? `"${node.name}"` : `#${positions.get(node) ?? '?'}`})`;
}

/** A node's attributes with typed getters and defaults. */
export class Attrs {
  private readonly map: Map<string, AttributeValue>;

  constructor(readonly node: onnx.INodeProto) {
    this.map = attributes(node);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  int(name: string, fallback: number): number {
    const v = this.map.get(name);
    return typeof v === 'number' ? v : fallback;
  }

  float(name: string, fallback: number): number {
    return this.int(name, fallback);
  }

  ints(name: string, fallback: readonly number[]): readonly number[] {
    const v = this.map.get(name);
    return Array.isArray(v) ? v : fallback;
  }

  string(name: string, fallback: string): string {
    const v = this.map.get(name);
    return typeof v === 'string' ? v : fallback;
  }
}

/** The value of a Constant node: its `value` tensor or one of the value_* forms. */
export function constantNodeValue(node: onnx.INodeProto): ConstValue | undefined {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t) {
      const v = tensorValues(a.t);
      return v && { kind: 'const', ...v };
    }
    if (a.name === 'value_float') return { kind: 'const', dims: [], values: Float64Array.of(a.f ?? 0) };
    if (a.name === 'value_int') return { kind: 'const', dims: [], values: Float64Array.of(toNumber(a.i)), dataType: DataType.INT64 };
    if (a.name === 'value_floats') return { kind: 'const', dims: [a.floats?.length ?? 0], values: Float64Array.from(a.floats ?? []) };
    if (a.name === 'value_ints') return { kind: 'const', dims: [a.ints?.length ?? 0], values: Float64Array.from((a.ints ?? []).map(toNumber)), dataType: DataType.INT64 };
  }
  return undefined;
}

/** A float attribute as written by a person: float32 noise removed (0.0010000000474974513 → 0.001). */
export function tidy(f: number): number {
  return Number(f.toPrecision(7));
}

// The typed-array constructor converts in one pass (Float32Array.from iterates: many times slower on big weights).
export const f32 = (v: Float64Array): Float32Array => new Float32Array(v);

/** No NaN or ±∞ (x − x is 0 for every finite x, NaN otherwise); a plain loop, as weights run to millions. */
function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i]! - a[i]! !== 0) return false;
  return true;
}

export type { NamedTensor };
