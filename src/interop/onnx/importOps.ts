// One ONNX node (or a small pattern of nodes: MatMul + Add, x · Sigmoid(x), a conv and its activation) to our
// layers, in one table keyed by operator (ONNX_IMPORTERS): each entry says which attributes it reads and which
// layer types it adds. Each handler reads its inputs' values, adds layers to the ImportGraph and sets its output's
// value.
import { window2d, isWindowError } from '../../model/geometry';
import { LEAKY_RELU_ALPHA } from '../../model/spec';
import type { ActivationName, IntOrPair, Layer, LayerType, Padding2d, WindowPadding } from '../../model/types';
import { Attrs, constantNodeValue, describe, f32, tidy, Unsupported, type ActValue, type ImportGraph, type PendingLayer } from './importGraph';
import { convKernelFromOnnx, depthwiseKernelFromOnnx, rowsChwToHwc, transpose2d } from './layout';
import type { onnx } from './proto';

type Handler = (g: ImportGraph, node: onnx.INodeProto) => void;

const unsupported = (node: onnx.INodeProto, why: string): never => {
  throw new Unsupported(`${describe(node)}: ${why}`);
};

/** "/layer1/layer1.0/relu/Relu" → "layer1/layer1.0/relu" (PyTorch's module path); "conv2d_0" → "conv2d_0". */
export function nodeNameHint(node: onnx.INodeProto): string {
  const name = (node.name ?? '').replace(/^\/+/, '');
  const parts = name.split('/');
  // The last part is the op type (a top-level "/Flatten" leaves nothing: the layer gets its default name).
  if (parts[parts.length - 1]!.replace(/_\d+$/, '') === node.opType) parts.pop();
  return parts.join('/');
}

/** A weight initializer "conv1.weight" names its layer "conv1" (PyTorch's and our own naming); else the node's name. */
function paramNameHint(node: onnx.INodeProto, weight: string | null | undefined): string {
  const dot = weight ? weight.lastIndexOf('.') : -1;
  return dot > 0 ? weight!.slice(0, dot) : nodeNameHint(node);
}

const pairOrInt = ([a, b]: readonly number[]): IntOrPair => (a === b ? a! : [a!, b!]);

function spatialInput(g: ImportGraph, node: onnx.INodeProto): ActValue & { shape: readonly [number, number, number] } {
  const x = g.act(node.input?.[0], node);
  if (x.layout !== 'nchw') unsupported(node, `needs an NCHW image input, got a ${x.layout === 'nhwc' ? 'channels-last' : 'flat'} tensor`);
  return x as ActValue & { shape: readonly [number, number, number] };
}

/** [top, left, bottom, right] of a node's pads / auto_pad, for a window over an input of h×w. */
function padsOf(a: Attrs, h: number, w: number, kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): readonly number[] {
  const auto = a.string('auto_pad', 'NOTSET');
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const total = [h, w].map((size, i) => Math.max((Math.ceil(size / strides[i]!) - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - size, 0));
    const first = total.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    return [first[0]!, first[1]!, total[0]! - first[0]!, total[1]! - first[1]!];
  }
  const pads = a.ints('pads', [0, 0, 0, 0]);
  if (pads.length !== 4 || pads.some((p) => p < 0)) unsupported(a.node, `pads [${pads.join(', ')}] are not 4 non-negative numbers`);
  return pads;
}

/** Our padding for those pads: 'valid', Keras' 'same', or else the explicit cells in their shortest form. */
function paddingFor(pads: readonly number[], h: number, w: number, kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): WindowPadding {
  if (pads.every((p) => p === 0)) return 'valid';
  const same = window2d(h, w, pairOrInt(kernel), pairOrInt(strides), pairOrInt(dilations), 'same');
  if (!isWindowError(same) && same.padTop === pads[0] && same.padLeft === pads[1] && same.padBottom === pads[2] && same.padRight === pads[3]) return 'same';
  return compactPadding([[pads[0]!, pads[2]!], [pads[1]!, pads[3]!]]);
}

/** n, [h, w] or [[top, bottom], [left, right]], whichever says the sides. */
function compactPadding([[t, b], [l, r]]: readonly [readonly [number, number], readonly [number, number]]): Padding2d {
  return t === b && l === r ? (t === l ? t : ([t, l] as const)) : ([[t, b], [l, r]] as const);
}

function padding2d(sides: readonly [readonly [number, number], readonly [number, number]]): Layer {
  return { type: 'zeroPadding2D', padding: compactPadding(sides) };
}

/** The activation that a tensor's readers apply, when they form one: a unary node, Clip(0, 6) or x · Sigmoid(x). */
interface ActivationMatch {
  readonly activation: Exclude<ActivationName, 'linear'>;
  readonly alpha?: number;
  readonly nodes: readonly onnx.INodeProto[];
  /** The tensor holding the activation's result. */
  readonly output: string;
}

function matchActivation(g: ImportGraph, tensor: string, layout: ActValue['layout']): ActivationMatch | undefined {
  if (g.isGraphOutput(tensor)) return undefined;
  const readers = g.readersOf(tensor);
  if (readers.length === 2) {
    const s = readers.find((r) => r.opType === 'Sigmoid');
    const m = readers.find((r) => r.opType === 'Mul');
    const sOut = s?.output?.[0];
    if (s && m && sOut && g.soleReader(sOut) === m && m.input?.length === 2 && m.input.includes(tensor) && m.input.includes(sOut)) {
      return { activation: 'swish', nodes: [s, m], output: m.output?.[0] ?? '' };
    }
    return undefined;
  }
  const r = readers.length === 1 ? readers[0]! : undefined;
  if (!r || r.input?.[0] !== tensor) return undefined;
  const unary = unaryActivation(g, r, layout);
  return unary && { ...unary, nodes: [r], output: r.output?.[0] ?? '' };
}

/** Relu, Sigmoid, Tanh, HardSwish, LeakyRelu, Softmax over channels, Clip(0, 6) / Clip(0, ∞): our activation, else undefined. */
function unaryActivation(g: ImportGraph, r: onnx.INodeProto, layout: ActValue['layout']): { activation: Exclude<ActivationName, 'linear'>; alpha?: number } | undefined {
  const a = new Attrs(r);
  switch (r.opType ?? '') {
    case 'Relu':
      return { activation: 'relu' };
    case 'Sigmoid':
      return { activation: 'sigmoid' };
    case 'Tanh':
      return { activation: 'tanh' };
    case 'HardSwish':
      return { activation: 'hardSwish' };
    case 'LeakyRelu':
      return { activation: 'leakyRelu', alpha: tidy(a.float('alpha', 0.01)) };
    case 'Softmax': {
      // Before opset 13 Softmax coerced the input to 2-D at `axis` (default 1): over channels only when flat.
      if (g.opset < 13 && layout !== 'flat' && layout !== 'pooled') return undefined;
      const axis = a.int('axis', g.opset < 13 ? 1 : -1);
      const channels = layout === 'nchw' ? [1, -3] : layout === 'nhwc' ? [3, -1] : [1, -1];
      return channels.includes(axis) ? { activation: 'softmax' } : undefined;
    }
    case 'Clip': {
      // A bound is an input since opset 11 (an attribute before); one computed at run time is no activation of ours.
      const bound = (i: number, attr: string): number | undefined => {
        const name = r.input?.[i];
        if (!name) return a.has(attr) ? a.float(attr, 0) : undefined;
        const c = g.values.get(name);
        return c?.kind === 'const' ? c.values[0] : NaN;
      };
      const lo = bound(1, 'min');
      const hi = bound(2, 'max');
      if (lo === 0 && hi === 6) return { activation: 'relu6' };
      if (lo === 0 && (hi === undefined || hi === Infinity)) return { activation: 'relu' };
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The layer's output tensor, after fusing the activation that follows it when that activation's nodes are named
 * "<node>/…" (how our export names a layer's `activation`): then it returns the activation for the layer's field.
 */
function fuseActivation(g: ImportGraph, node: onnx.INodeProto, tensor: string, layout: ActValue['layout']): { output: string; activation?: ActivationName } {
  const scope = `${node.name ?? ''}/`;
  const m = node.name ? matchActivation(g, tensor, layout) : undefined;
  if (!m || !m.nodes.every((n) => (n.name ?? '').startsWith(scope))) return { output: tensor };
  // Our fused leakyRelu has the default slope; another slope stays a layer of its own.
  if (m.activation === 'leakyRelu' && m.alpha !== LEAKY_RELU_ALPHA) return { output: tensor };
  for (const n of m.nodes) g.consumed.add(n);
  return { output: m.output, activation: m.activation };
}

function setAct(g: ImportGraph, tensor: string, value: ActValue): void {
  g.values.set(tensor, value);
}

const conv: Handler = (g, node) => {
  const x = spatialInput(g, node);
  const [h, w, c] = x.shape;
  const weightName = node.input?.[1];
  const W = g.constant(weightName, node, 'weight') ?? unsupported(node, 'has no weight');
  if (W.dims.length !== 4) unsupported(node, `a ${W.dims.length}-D weight is not a 2-D convolution`);
  const [outC, inPerGroup, kh, kw] = W.dims as [number, number, number, number];
  const B = g.constant(node.input?.[2], node, 'bias');
  const a = new Attrs(node);
  const group = a.int('group', 1);
  const strides = a.ints('strides', [1, 1]);
  const dilations = a.ints('dilations', [1, 1]);
  const depthwise = group > 1 && group === c && inPerGroup === 1;
  // Any other group is conv2d's `groups`: each group's filters read its c / group channels.
  if (group < 1 || c % group !== 0 || outC % group !== 0) unsupported(node, `group ${group} does not divide its ${c} input channels and ${outC} outputs`);
  if (inPerGroup * group !== c) unsupported(node, `its weight expects ${inPerGroup * group} input channels${group !== 1 ? ` (${inPerGroup} in each of ${group} groups)` : ''}, the input has ${c}`);
  const pads = padsOf(a, h, w, [kh, kw], strides, dilations);
  const window = { kernelSize: pairOrInt([kh, kw]), ...(strides.some((s) => s !== 1) ? { strides: pairOrInt(strides) } : {}), ...(dilations.some((d) => d !== 1) ? { dilationRate: pairOrInt(dilations) } : {}) };
  // PyTorch's padding goes in the layer (our convolutions take explicit cells): no zeroPadding2D before it.
  const padding = paddingFor(pads, h, w, [kh, kw], strides, dilations);
  const src = x.src;
  const out = node.output?.[0] ?? '';
  // Our separable conv exports as a depthwise Conv "<name>/depthwise" read only by the 1×1 Conv "<name>".
  // (With one input channel the depthwise step has group 1.)
  const pointwise = group === c && inPerGroup === 1 && !B ? g.soleReader(out) : undefined;
  if (pointwise?.opType === 'Conv' && node.name === `${pointwise.name ?? ''}/depthwise` && isPlainPointwise(g, pointwise)) {
    g.consumed.add(pointwise);
    const P = g.constant(pointwise.input?.[1], pointwise, 'weight')!;
    const PB = g.constant(pointwise.input?.[2], pointwise, 'bias');
    const filters = P.dims[0]!;
    const fused = fuseActivation(g, pointwise, pointwise.output?.[0] ?? '', 'nchw');
    const layer: Layer = {
      type: 'separableConv2d', filters, ...window, ...(padding !== 'valid' ? { padding } : {}),
      ...(outC / c !== 1 ? { depthMultiplier: outC / c } : {}), ...(PB ? {} : { useBias: false }), ...(fused.activation ? { activation: fused.activation } : {}),
    };
    const params = [depthwiseKernelFromOnnx(f32(W.values), outC, kh, kw), convKernelFromOnnx(f32(P.values), filters, outC, 1, 1), ...(PB ? [f32(PB.values)] : [])];
    const { index, shape } = g.add({ layer, inputs: [src], nameHint: paramNameHint(pointwise, pointwise.input?.[1]).replace(/\.pointwiseKernel$/, ''), params }, node);
    return setAct(g, fused.output, { kind: 'act', src: index, layout: 'nchw', shape });
  }
  const fused = fuseActivation(g, node, out, 'nchw');
  const common = { ...window, ...(padding !== 'valid' ? { padding } : {}), ...(B ? {} : { useBias: false }), ...(fused.activation ? { activation: fused.activation } : {}) };
  const bias = B ? [f32(B.values)] : [];
  const pending: PendingLayer = depthwise
    ? {
        layer: { type: 'depthwiseConv2d', ...common, ...(outC / c !== 1 ? { depthMultiplier: outC / c } : {}) },
        inputs: [src], nameHint: paramNameHint(node, weightName),
        params: [depthwiseKernelFromOnnx(f32(W.values), outC, kh, kw), ...bias],
      }
    : {
        layer: { type: 'conv2d', filters: outC, ...common, ...(group !== 1 ? { groups: group } : {}) },
        inputs: [src], nameHint: paramNameHint(node, weightName),
        params: [convKernelFromOnnx(f32(W.values), outC, inPerGroup, kh, kw), ...bias],
      };
  const { index, shape } = g.add(pending, node);
  setAct(g, fused.output, { kind: 'act', src: index, layout: 'nchw', shape });
};

/** A 1×1, stride-1, unpadded, ungrouped Conv with a constant weight: the pointwise step of a separable conv. */
function isPlainPointwise(g: ImportGraph, node: onnx.INodeProto): boolean {
  const a = new Attrs(node);
  const W = g.values.get(node.input?.[1] ?? '');
  return W?.kind === 'const' && W.dims.length === 4 && W.dims[2] === 1 && W.dims[3] === 1 && a.int('group', 1) === 1
    && a.ints('strides', [1, 1]).every((s) => s === 1) && a.ints('pads', [0, 0, 0, 0]).every((p) => p === 0) && a.string('auto_pad', 'NOTSET') === 'NOTSET';
}

function pool(type: 'maxPool2d' | 'avgPool2d'): Handler {
  return (g, node) => {
    const x = spatialInput(g, node);
    const [h, w] = x.shape;
    const a = new Attrs(node);
    if ((node.output?.length ?? 1) > 1 && node.output![1]) unsupported(node, 'the indices output is not supported');
    const kernel = a.ints('kernel_shape', []);
    if (kernel.length !== 2) unsupported(node, 'needs a 2-D kernel_shape');
    const strides = a.ints('strides', [1, 1]);
    const dilations = a.ints('dilations', [1, 1]);
    for (const [what, v] of [['strides', strides], ['dilations', dilations]] as const) {
      if (v.length !== 2 || v.some((d) => !(d >= 1))) unsupported(node, `${what} [${v.join(', ')}] are not 2 positive numbers`);
    }
    if (type === 'avgPool2d' && dilations.some((d) => d !== 1)) unsupported(node, `dilations [${dilations.join(', ')}]: average pooling has no dilation`);
    const ceilMode = a.int('ceil_mode', 0) !== 0;
    // Our pools take the pads, ceil mode and counted padding as PyTorch and ONNX mean them: no zeroPadding2D before.
    const pads = padsOf(a, h, w, kernel, strides, dilations);
    const padding = paddingFor(pads, h, w, kernel, strides, dilations);
    const countPad = type === 'avgPool2d' && a.int('count_include_pad', 0) !== 0 && padding !== 'valid';
    const common = {
      poolSize: pairOrInt(kernel),
      ...(strides[0] !== kernel[0] || strides[1] !== kernel[1] ? { strides: pairOrInt(strides) } : {}),
      ...(padding !== 'valid' ? { padding } : {}),
      ...(ceilMode ? { ceilMode } : {}),
    };
    const layer: Layer = type === 'maxPool2d'
      ? { type, ...common, ...(dilations.some((d) => d !== 1) ? { dilationRate: pairOrInt(dilations) } : {}) }
      : { type, ...common, ...(countPad ? { countIncludePad: true } : {}) };
    const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: nodeNameHint(node) }, node);
    setAct(g, node.output?.[0] ?? '', { kind: 'act', src: index, layout: 'nchw', shape });
  };
}

function globalPool(type: 'globalAvgPool2d' | 'globalMaxPool2d'): Handler {
  return (g, node) => {
    const x = spatialInput(g, node);
    const { index, shape } = g.add({ layer: { type }, inputs: [x.src], nameHint: nodeNameHint(node) }, node);
    setAct(g, node.output?.[0] ?? '', { kind: 'act', src: index, layout: 'pooled', shape });
  };
}

/** Flatten(axis 1), or a Reshape to [N, features]: our flatten (or nothing, for a flat or pooled tensor). */
function flattenTo(g: ImportGraph, node: onnx.INodeProto, x: ActValue): void {
  const out = node.output?.[0] ?? '';
  if (x.layout === 'flat' || x.layout === 'pooled') return setAct(g, out, { ...x, layout: 'flat' });
  const { index, shape } = g.add({ layer: { type: 'flatten' }, inputs: [x.src], nameHint: nodeNameHint(node) }, node);
  const [h, w, c] = x.shape as [number, number, number];
  // Flattening NCHW orders features (c, h, w); ours are (h, w, c). They agree when there is one pixel or one channel.
  const chw = x.layout === 'nchw' && h * w > 1 && c > 1 ? ([h, w, c] as const) : undefined;
  setAct(g, out, { kind: 'act', src: index, layout: 'flat', shape, ...(chw ? { chw } : {}) });
}

const flatten: Handler = (g, node) => {
  const axis = new Attrs(node).int('axis', 1);
  if (axis !== 1) unsupported(node, `axis ${axis}: only axis 1 (keep the batch, flatten the rest) is supported`);
  flattenTo(g, node, g.act(node.input?.[0], node));
};

const reshape: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  const target = g.constant(node.input?.[1], node, 'shape') ?? unsupported(node, 'has no shape');
  const features = x.shape.reduce((p, d) => p * d, 1);
  const [n, f] = target.values;
  const flat = target.values.length === 2 && (n === 0 || n === -1 || n === 1) && (f === -1 || f === features) && !(n === -1 && f === -1);
  if (!flat) unsupported(node, `only a reshape to [batch, features] is supported, not [${[...target.values].join(', ')}]`);
  flattenTo(g, node, x);
};

/** Gemm, or MatMul with an Add of a constant bias after it: dense. */
function dense(g: ImportGraph, node: onnx.INodeProto, kernelOnnx: Float64Array, transposed: boolean, dims: readonly number[], bias: Float64Array | undefined, out: string, main: onnx.INodeProto): void {
  const x = g.act(node.input?.[0], node);
  if (x.layout !== 'flat') unsupported(node, `needs a flat [batch, features] input: add a Flatten before it (got ${x.layout === 'pooled' ? 'a pooled [N, C, 1, 1]' : 'an image'} tensor)`);
  const [rows, cols] = dims as [number, number];
  const inF = transposed ? cols : rows;
  const units = transposed ? rows : cols;
  if (inF !== x.shape[0]) unsupported(node, `its weight expects ${inF} features, the input has ${x.shape[0]}`);
  if (bias && bias.length !== units && bias.length !== 1) unsupported(node, `its bias has ${bias.length} values for ${units} units`);
  let kernel = transposed ? transpose2d(f32(kernelOnnx), units, inF) : f32(kernelOnnx);
  if (x.chw) kernel = rowsChwToHwc(kernel, x.chw[0], x.chw[1], x.chw[2], units);
  const fused = fuseActivation(g, main, out, 'flat');
  const biasData = bias && (bias.length === units ? f32(bias) : new Float32Array(units).fill(bias[0]!));
  const layer: Layer = { type: 'dense', units, ...(biasData ? {} : { useBias: false }), ...(fused.activation ? { activation: fused.activation } : {}) };
  const params = [kernel, ...(biasData ? [biasData] : [])];
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: paramNameHint(node, node.input?.[1]), params }, node);
  setAct(g, fused.output, { kind: 'act', src: index, layout: 'flat', shape });
}

const gemm: Handler = (g, node) => {
  const a = new Attrs(node);
  if (a.int('transA', 0) !== 0) unsupported(node, 'transA 1 is not supported');
  if (a.float('alpha', 1) !== 1 || (node.input?.[2] && a.float('beta', 1) !== 1)) unsupported(node, 'only alpha = beta = 1 is supported');
  const B = g.constant(node.input?.[1], node, 'weight') ?? unsupported(node, 'has no weight');
  if (B.dims.length !== 2) unsupported(node, 'needs a 2-D weight');
  const C = g.constant(node.input?.[2], node, 'bias');
  dense(g, node, B.values, a.int('transB', 0) === 1, B.dims, C?.values, node.output?.[0] ?? '', node);
};

const matMul: Handler = (g, node) => {
  const B = g.constant(node.input?.[1], node, 'weight') ?? unsupported(node, 'has no weight');
  if (B.dims.length !== 2) unsupported(node, 'only a product with a 2-D constant weight (a dense layer) is supported');
  let out = node.output?.[0] ?? '';
  let bias: Float64Array | undefined;
  let main = node;
  const add = g.soleReader(out);
  if (add?.opType === 'Add') {
    const other = add.input?.[0] === out ? add.input?.[1] : add.input?.[0];
    const c = other ? g.values.get(other) : undefined;
    if (c?.kind === 'const') {
      bias = c.values;
      g.consumed.add(add);
      out = add.output?.[0] ?? '';
      main = add;
    }
  }
  dense(g, node, B.values, false, B.dims, bias, out, main);
};

const batchNorm: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  if (x.layout === 'nhwc' || x.layout === 'pooled') unsupported(node, `needs an NCHW or flat input, got ${x.layout}`);
  const a = new Attrs(node);
  if (a.int('training_mode', 0) !== 0 || (node.output?.length ?? 1) > 1) unsupported(node, 'training mode (several outputs) is not supported');
  const c = x.shape[x.shape.length - 1]!;
  // ONNX's inputs after X, called by our parameter names (the registry's order) in messages.
  const names = ['gamma', 'beta', 'movingMean', 'movingVariance'];
  const params = names.map((param, i) => {
    const v = g.constant(node.input?.[i + 1], node, param) ?? unsupported(node, `has no ${param}`);
    if (v.values.length !== c) unsupported(node, `its ${param} has ${v.values.length} values for ${c} channels`);
    return x.chw ? rowsChwToHwc(f32(v.values), x.chw[0], x.chw[1], x.chw[2], 1) : f32(v.values);
  });
  const epsilon = tidy(a.float('epsilon', 1e-5));
  const momentum = tidy(a.float('momentum', 0.9));
  const layer: Layer = { type: 'batchNorm', ...(epsilon !== 0.001 ? { epsilon } : {}), ...(momentum !== 0.99 ? { momentum } : {}) };
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: paramNameHint(node, node.input?.[1]), params }, node);
  setAct(g, node.output?.[0] ?? '', { ...x, src: index, shape });
};

/** An elementwise layer: the output keeps the input's layout (and feature order). */
function elementwise(g: ImportGraph, node: onnx.INodeProto, layer: Layer, x: ActValue, output: string, nameNode = node): void {
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: nodeNameHint(nameNode) }, node);
  setAct(g, output, { ...x, src: index, shape });
}

const activation: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  if (node.opType === 'Sigmoid') {
    const m = matchActivation(g, node.input?.[0] ?? '', x.layout);
    if (m?.activation === 'swish' && m.nodes[0] === node) {
      g.consumed.add(m.nodes[1]!);
      return elementwise(g, node, { type: 'swish' }, x, m.output, m.nodes[1]);
    }
  }
  const u = unaryActivation(g, node, x.layout) ?? unsupported(node, node.opType === 'Clip' ? 'only Clip(0, 6) (relu6) and Clip(0, ∞) (relu) are supported' : 'only a softmax over the channels is supported');
  const layer: Layer = u.activation === 'leakyRelu' ? { type: 'leakyRelu', ...(u.alpha !== LEAKY_RELU_ALPHA ? { alpha: u.alpha } : {}) } : { type: u.activation };
  elementwise(g, node, layer, x, node.output?.[0] ?? '');
};

const dropout: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  const ratio = g.constant(node.input?.[1], node, 'ratio');
  const training = g.constant(node.input?.[2], node, 'training mode');
  if (training && training.values[0] !== 0) unsupported(node, 'training mode is not supported');
  const mask = node.output?.[1];
  if (mask && g.readersOf(mask).length > 0) unsupported(node, 'its mask output is used');
  const rate = tidy(ratio ? ratio.values[0]! : new Attrs(node).float('ratio', 0.5));
  if (!(rate >= 0 && rate < 1)) unsupported(node, `ratio ${rate} is not in [0, 1)`);
  elementwise(g, node, { type: 'dropout', rate }, x, node.output?.[0] ?? '');
};

/** Inputs of a merge: all activations of one layout (and feature order). */
function mergeInputs(g: ImportGraph, node: onnx.INodeProto): ActValue[] {
  const xs = (node.input ?? []).map((t) => {
    const v = t ? g.values.get(t) : undefined;
    if (v?.kind === 'const') unsupported(node, `adds the constant "${t}": only sums of layer outputs (and a bias after MatMul) are supported`);
    return g.act(t, node);
  });
  const first = xs[0]!;
  if (xs.some((v) => v.layout !== first.layout || String(v.chw) !== String(first.chw))) unsupported(node, 'its inputs are in different layouts');
  return xs;
}

const add: Handler = (g, node) => {
  const xs = mergeInputs(g, node);
  if (xs.length === 1) return setAct(g, node.output?.[0] ?? '', xs[0]!);
  const { index, shape } = g.add({ layer: { type: 'add' }, inputs: xs.map((v) => v.src), nameHint: nodeNameHint(node) }, node);
  setAct(g, node.output?.[0] ?? '', { ...xs[0]!, src: index, shape });
};

const concat: Handler = (g, node) => {
  const xs = mergeInputs(g, node);
  const layout = xs[0]!.layout;
  const axis = new Attrs(node).int('axis', 1);
  const channels = layout === 'nchw' ? [1, -3] : layout === 'nhwc' ? [3, -1] : [1, -1];
  if (!channels.includes(axis)) unsupported(node, `axis ${axis} is not the channel axis`);
  if (xs[0]!.chw || layout === 'pooled') unsupported(node, 'concatenating features flattened from NCHW is not supported');
  const { index, shape } = g.add({ layer: { type: 'concatenate' }, inputs: xs.map((v) => v.src), nameHint: nodeNameHint(node) }, node);
  setAct(g, node.output?.[0] ?? '', { ...xs[0]!, src: index, shape });
};

const pad: Handler = (g, node) => {
  const x = spatialInput(g, node);
  const a = new Attrs(node);
  if (a.string('mode', 'constant') !== 'constant') unsupported(node, `mode "${a.string('mode', '')}": only zero padding is supported`);
  const value = g.constant(node.input?.[2], node, 'constant value');
  if (value && value.values[0] !== 0) unsupported(node, `pads with ${value.values[0]}: only zero padding is supported`);
  if (node.input?.[3]) unsupported(node, 'the axes input is not supported');
  const pads = [...(g.constant(node.input?.[1], node, 'pads')?.values ?? a.ints('pads', []))];
  if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5] || pads.some((p) => p < 0)) {
    unsupported(node, `pads [${pads.join(', ')}]: only non-negative padding of height and width is supported`);
  }
  const { index, shape } = g.add({ layer: padding2d([[pads[2]!, pads[6]!], [pads[3]!, pads[7]!]]), inputs: [x.src], nameHint: nodeNameHint(node) }, node);
  setAct(g, node.output?.[0] ?? '', { kind: 'act', src: index, layout: 'nchw', shape });
};

const transpose: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  const perm = new Attrs(node).ints('perm', []).join(',');
  const out = node.output?.[0] ?? '';
  if (x.layout === 'nhwc' && perm === '0,3,1,2') return setAct(g, out, { ...x, layout: 'nchw' });
  if (x.layout === 'nchw' && perm === '0,2,3,1') return setAct(g, out, { ...x, layout: 'nhwc' });
  unsupported(node, `perm [${perm}] of a ${x.layout} tensor: only NHWC ↔ NCHW transposes are supported`);
};

const identity: Handler = (g, node) => {
  const v = g.values.get(node.input?.[0] ?? '');
  if (v?.kind === 'const') return g.setOutput(node, v);
  setAct(g, node.output?.[0] ?? '', g.act(node.input?.[0], node));
};

/** Mul is supported only as x · Sigmoid(x), which the Sigmoid before it takes. */
const mul: Handler = (g, node) => {
  for (const t of node.input ?? []) if (g.values.get(t)?.kind !== 'const') g.act(t, node);
  unsupported(node, 'only x · Sigmoid(x) (swish) is supported');
};

/** Constants are read before the walk (a pattern may look ahead at a later one): only a non-numeric one is left. */
const constant: Handler = (_g, node) => {
  if (!constantNodeValue(node)) unsupported(node, 'only numeric constants are supported');
};

/** How one ONNX operator becomes our layers. */
export interface OpImporter {
  /** The node attributes it reads; it ignores any other. */
  readonly attributes: readonly string[];
  /** The layer types it can add (none: plumbing, or only as part of another node's pattern). A conv or dense
   *  layer may also take the activation after it as its `activation` field. */
  readonly yields: readonly LayerType[];
  readonly run: Handler;
}

const WINDOW = ['auto_pad', 'pads', 'strides'] as const;
const POOL = [...WINDOW, 'kernel_shape', 'ceil_mode', 'dilations'] as const;

/** Every operator the importer converts, keyed by op_type (default domain); any other is "not supported". */
export const ONNX_IMPORTERS = {
  Conv: { attributes: [...WINDOW, 'dilations', 'group'], yields: ['conv2d', 'depthwiseConv2d', 'separableConv2d'], run: conv },
  MaxPool: { attributes: POOL, yields: ['maxPool2d'], run: pool('maxPool2d') },
  AveragePool: { attributes: [...POOL, 'count_include_pad'], yields: ['avgPool2d'], run: pool('avgPool2d') },
  GlobalAveragePool: { attributes: [], yields: ['globalAvgPool2d'], run: globalPool('globalAvgPool2d') },
  GlobalMaxPool: { attributes: [], yields: ['globalMaxPool2d'], run: globalPool('globalMaxPool2d') },
  Flatten: { attributes: ['axis'], yields: ['flatten'], run: flatten },
  Reshape: { attributes: [], yields: ['flatten'], run: reshape },
  Gemm: { attributes: ['alpha', 'beta', 'transA', 'transB'], yields: ['dense'], run: gemm },
  MatMul: { attributes: [], yields: ['dense'], run: matMul },
  BatchNormalization: { attributes: ['epsilon', 'momentum', 'training_mode'], yields: ['batchNorm'], run: batchNorm },
  Relu: { attributes: [], yields: ['relu'], run: activation },
  LeakyRelu: { attributes: ['alpha'], yields: ['leakyRelu'], run: activation },
  Sigmoid: { attributes: [], yields: ['sigmoid', 'swish'], run: activation },
  Tanh: { attributes: [], yields: ['tanh'], run: activation },
  HardSwish: { attributes: [], yields: ['hardSwish'], run: activation },
  Softmax: { attributes: ['axis'], yields: ['softmax'], run: activation },
  // Bounds are inputs since opset 11, attributes before.
  Clip: { attributes: ['min', 'max'], yields: ['relu6', 'relu'], run: activation },
  // The ratio is an input since opset 12, an attribute before.
  Dropout: { attributes: ['ratio'], yields: ['dropout'], run: dropout },
  Add: { attributes: [], yields: ['add'], run: add },
  Sum: { attributes: [], yields: ['add'], run: add },
  Concat: { attributes: ['axis'], yields: ['concatenate'], run: concat },
  // The pads are an input since opset 11, an attribute before.
  Pad: { attributes: ['mode', 'pads'], yields: ['zeroPadding2D'], run: pad },
  Transpose: { attributes: ['perm'], yields: [], run: transpose },
  Identity: { attributes: [], yields: [], run: identity },
  Constant: { attributes: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'], yields: [], run: constant },
  Mul: { attributes: [], yields: [], run: mul },
} as const satisfies Readonly<Record<string, OpImporter>>;

export type OnnxOperator = keyof typeof ONNX_IMPORTERS;

/** The supported operators: the table's keys. */
export const ONNX_OPERATORS = Object.keys(ONNX_IMPORTERS) as OnnxOperator[];

/** The importer of an op_type, or undefined when it is not supported. */
export function importerOf(opType: string): OpImporter | undefined {
  return Object.prototype.hasOwnProperty.call(ONNX_IMPORTERS, opType) ? ONNX_IMPORTERS[opType as OnnxOperator] : undefined;
}
