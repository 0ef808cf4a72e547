// Per-channel arithmetic on ONNX tensors of any of our layouts, for the Mul, LayerNormalization, Slice and Split
// importers: which ONNX axis holds the channels, a constant that varies only along them, a constant scale folded
// into the layer that made a tensor, and the opset-13 layer-norm decomposition (ReduceMean … Div [Mul] [Add]).
import { rowsChwToHwc } from './layout';
import { Attrs, f32, tidy, type ActValue, type ConstValue, type ImportGraph } from './importGraph';
import type { onnx } from './proto';

/** The ONNX axis of the channels, as a non-negative index, and the tensor's rank. */
export function channelAxis(x: ActValue): { readonly axis: number; readonly rank: number } {
  switch (x.layout) {
    case 'nchw':
    case 'pooled':
      return { axis: 1, rank: 4 };
    case 'nhwc':
    case 'pooledLast':
      return { axis: 3, rank: 4 };
    case 'flat':
      return { axis: 1, rank: 2 };
  }
}

/** An axis attribute or input (negative counts from the end) as a non-negative index, NaN when out of range. */
export function axisIndex(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : NaN;
}

/** The channels of x in our order: a flat tensor flattened from NCHW holds its features in (c, h, w) order. */
function channelsOf(x: ActValue): number {
  return x.shape[x.shape.length - 1]!;
}

/**
 * A constant that broadcasts against x along the channel axis only (a scalar, [C], [C, 1, 1], [1, C, 1, 1], …) as
 * C values in our channel order; undefined when it varies along another axis or has another count.
 */
export function perChannel(c: ConstValue, x: ActValue): Float32Array | undefined {
  const { axis, rank } = channelAxis(x);
  if (c.dims.length > rank) return undefined;
  const offset = rank - c.dims.length;
  for (let i = 0; i < c.dims.length; i++) if (i + offset !== axis && c.dims[i] !== 1) return undefined;
  const along = axis >= offset ? (c.dims[axis - offset] ?? 1) : 1;
  const n = channelsOf(x);
  if (along === 1) return new Float32Array(n).fill(c.values[0] ?? NaN);
  if (along !== n || c.values.length !== n) return undefined;
  const v = f32(c.values);
  return x.chw ? rowsChwToHwc(v, x.chw[0], x.chw[1], x.chw[2], 1) : v;
}

/** Which parameters of a layer scale with its output channels (each along its last axis, flattened). */
const SCALED: Readonly<Record<string, readonly string[]>> = {
  conv2d: ['kernel', 'bias'],
  depthwiseConv2d: ['kernel', 'bias'],
  separableConv2d: ['pointwiseKernel', 'bias'],
  dense: ['kernel', 'bias'],
  batchNorm: ['gamma', 'beta'],
  layerNormalization: ['gamma', 'beta'],
};

/** The node that writes each tensor, per graph (built once, on the first fold). */
const producers = new WeakMap<ImportGraph, Map<string, onnx.INodeProto>>();

function producerOf(g: ImportGraph, tensor: string): onnx.INodeProto | undefined {
  let map = producers.get(g);
  if (!map) {
    map = new Map();
    for (const node of g.graph.node ?? []) for (const out of node.output ?? []) if (out) map.set(out, node);
    producers.set(g, map);
  }
  return map.get(tensor);
}

/** Ops that hand a layer's output on unchanged but for its layout (the importer gives their output the same layer). */
const PASS_THROUGH = new Set(['Transpose', 'Identity']);

/**
 * Multiplies x's producing layer's output channels by `scale` (its weights and bias, or batch norm's gamma and
 * beta), so that the layer's output becomes x · scale; `reader` is the node that reads x. Returns why not when it
 * cannot: the layer is not one of those, has an activation, or its output is read by anything else.
 */
export function foldScale(g: ImportGraph, x: ActValue, tensor: string, reader: onnx.INodeProto, scale: Float32Array): string | undefined {
  const layer = x.src >= 0 ? g.layers[x.src] : undefined;
  const scaled = layer && SCALED[layer.layer.type];
  if (!layer || !scaled) return `"${tensor}" is not made by a convolution, dense or normalization layer`;
  const activation = (layer.layer as { readonly activation?: string }).activation;
  if (activation && activation !== 'linear') return `"${tensor}" is the output of a ${activation} activation`;
  // Without gamma, a layer normalisation has nothing to scale.
  if (layer.layer.type === 'layerNormalization' && !layer.params.some((q) => q.param === 'gamma')) return `"${tensor}" is made by a layer normalization without scale`;
  // Every tensor from the layer's output to x has one reader, the next node (layout changes only), and no layer
  // reads the layer's output yet.
  if (g.layers.some((l) => l.inputs.includes(x.src))) return `the output of the layer making "${tensor}" is read elsewhere too`;
  let t = tensor;
  let next = reader;
  for (;;) {
    const readers = g.readersOf(t);
    if (g.isGraphOutput(t) || readers.length !== 1 || readers[0] !== next) return `"${t}" is read elsewhere too`;
    const p = producerOf(g, t);
    const from = p?.input?.[0];
    const v = from ? g.values.get(from) : undefined;
    if (!p || !PASS_THROUGH.has(p.opType ?? '') || v?.kind !== 'act' || v.src !== x.src) break;
    t = from!;
    next = p;
  }
  const c = scale.length;
  g.layers[x.src] = {
    ...layer,
    params: layer.params.map((p) => (scaled.includes(p.param) ? { ...p, data: p.data.map((v, i) => v * scale[i % c]!) } : p)),
  };
  return undefined;
}

/** A matched opset-13 layer normalisation (PyTorch's decomposition of F.layer_norm), from its first ReduceMean. */
export interface LayerNormMatch {
  readonly x: string;
  readonly epsilon: number;
  readonly gamma?: Float32Array;
  readonly beta?: Float32Array;
  /** Every node of the pattern after the first ReduceMean. */
  readonly nodes: readonly onnx.INodeProto[];
  readonly output: string;
}

/** The ReduceMean's axes: the attribute (opsets < 18) or the constant second input; undefined when keepdims is 0. */
function meanAxes(g: ImportGraph, node: onnx.INodeProto): readonly number[] | undefined {
  const a = new Attrs(node);
  if (a.int('keepdims', 1) !== 1) return undefined;
  const input = node.input?.[1];
  if (!input) return a.ints('axes', []);
  const c = g.values.get(input);
  return c?.kind === 'const' ? [...c.values] : undefined;
}

/** The constant among a binary node's two inputs, the other being `tensor`. */
function otherConst(g: ImportGraph, node: onnx.INodeProto, tensor: string): ConstValue | undefined {
  const ins = node.input ?? [];
  if (ins.length !== 2 || !ins.includes(tensor)) return undefined;
  const v = g.values.get(ins[0] === tensor ? ins[1]! : ins[0]!);
  return v?.kind === 'const' ? v : undefined;
}

/**
 * x − mean over the channels, divided by √(mean of its square + ε), times γ and plus β (each optional): the nodes
 * torch.onnx writes for F.layer_norm before opset 17 (ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div, Mul,
 * Add), matched from the first ReduceMean over x's channel axis. Undefined when the nodes differ in any way.
 */
export function matchLayerNorm(g: ImportGraph, mean1: onnx.INodeProto): LayerNormMatch | undefined {
  const x = mean1.input?.[0];
  const xv = x ? g.values.get(x) : undefined;
  const m = mean1.output?.[0];
  if (!x || !m || xv?.kind !== 'act') return undefined;
  const { axis, rank } = channelAxis(xv);
  const isChannels = (axes: readonly number[] | undefined): boolean => axes?.length === 1 && axisIndex(axes[0]!, rank) === axis;
  if (!isChannels(meanAxes(g, mean1))) return undefined;
  const sub = g.soleReader(m);
  const d = sub?.output?.[0];
  if (sub?.opType !== 'Sub' || sub.input?.[0] !== x || sub.input[1] !== m || !d) return undefined;
  const dReaders = g.readersOf(d);
  const pow = dReaders.find((r) => r.opType === 'Pow');
  const div = dReaders.find((r) => r.opType === 'Div');
  if (dReaders.length !== 2 || g.isGraphOutput(d) || !pow || !div || pow.input?.[0] !== d || div.input?.[0] !== d) return undefined;
  const two = g.values.get(pow.input?.[1] ?? '');
  if (two?.kind !== 'const' || two.values.length !== 1 || two.values[0] !== 2) return undefined;
  const mean2 = g.soleReader(pow.output?.[0] ?? '');
  if (mean2?.opType !== 'ReduceMean' || !isChannels(meanAxes(g, mean2))) return undefined;
  const addEps = g.soleReader(mean2.output?.[0] ?? '');
  const eps = addEps?.opType === 'Add' ? otherConst(g, addEps, mean2.output?.[0] ?? '') : undefined;
  if (!addEps || eps?.values.length !== 1 || !(eps.values[0]! > 0)) return undefined;
  const sqrt = g.soleReader(addEps.output?.[0] ?? '');
  if (sqrt?.opType !== 'Sqrt' || g.soleReader(sqrt.output?.[0] ?? '') !== div || div.input?.[1] !== sqrt.output?.[0]) return undefined;
  const nodes = [sub, pow, mean2, addEps, sqrt, div];
  let output = div.output?.[0] ?? '';
  const affine = (op: string): Float32Array | undefined => {
    const r = g.soleReader(output);
    const c = r?.opType === op ? otherConst(g, r, output) : undefined;
    const v = c && perChannel(c, xv);
    if (!r || !v) return undefined;
    nodes.push(r);
    output = r.output?.[0] ?? '';
    return v;
  };
  const gamma = affine('Mul');
  const beta = affine('Add');
  return { x, epsilon: tidy(eps.values[0]!), ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}), nodes, output };
}
