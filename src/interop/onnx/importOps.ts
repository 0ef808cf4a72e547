// One ONNX node (or a small pattern of nodes: MatMul + Add, x · Sigmoid(x), a conv and its activation) to our
// layers, in one table keyed by operator (ONNX_IMPORTERS): each entry says which attributes it reads and which
// layer types it adds. Each handler reads its inputs' values, adds layers to the ImportGraph and sets its output's
// value.
import { window2d, isWindowError } from '../../model/geometry';
import { HARD_SIGMOID_ALPHA, LEAKY_RELU_ALPHA } from '../../model/spec';
import type { ActivationName, IntOrPair, Layer, LayerType, Padding2d, WindowPadding } from '../../model/types';
import { Attrs, channelAxes, constantNodeValue, describe, f32, spatialAxes, tidy, Unsupported, type ActValue, type ConstValue, type ImportGraph, type Layout, type PendingLayer } from './importGraph';
import { axisIndex, channelAxis, foldScale, matchLayerNorm, perChannel } from './importChannels';
import { matchChannelShuffle, matchGelu } from './importPatterns';
import { convKernelFromOnnx, depthwiseKernelFromOnnx, rowsChwToHwc, transpose2d } from './layout';
import type { onnx } from './proto';

type Handler = (g: ImportGraph, node: onnx.INodeProto) => void;

const unsupported = (node: onnx.INodeProto, why: string): never => {
  throw new Unsupported(`${describe(node)}: ${why}`);
};

/**
 * A node's module path as PyTorch names parameters: "/layer1/layer1.0/relu/Relu" → "layer1.0.relu",
 * "/features/features.1/features.1.0/block/block.0/Conv" → "features.1.0.block.0"; "conv2d_0" → "conv2d_0" and
 * "stage1/conv2d_0/Relu" → "stage1/conv2d_0" (our export's names).
 */
export function nodeNameHint(node: onnx.INodeProto): string {
  const parts = (node.name ?? '').replace(/^\/+/, '').split('/');
  // The last part is the op type (a top-level "/Flatten" leaves nothing: the layer gets its default name).
  if (parts[parts.length - 1]!.replace(/_\d+$/, '') === node.opType) parts.pop();
  // Only torch.onnx's scopes start with "/" (our export names nodes after the layers, whose names may hold a "/").
  if (!node.name?.startsWith('/')) return parts.join('/');
  // torch.onnx names a Sequential's child "<sequential>.<index>" after the Sequential's own scope: it replaces it.
  const path: string[] = [];
  for (const p of parts.filter((q) => q !== '')) {
    if (path.length > 0 && p.startsWith(`${path[path.length - 1]!}.`)) path[path.length - 1] = p;
    else path.push(p);
  }
  return path.join('.');
}

/** A weight initializer "conv1.weight" names its layer "conv1" (PyTorch's and our own naming); else the node's name. */
function paramNameHint(node: onnx.INodeProto, weight: string | null | undefined): string {
  // A node's output ("/block/block.0/Transpose_output_0", torch.onnx without constant folding) names no parameter.
  const dot = weight && !weight.startsWith('/') ? weight.lastIndexOf('.') : -1;
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

function matchActivation(g: ImportGraph, tensor: string, layout: Layout): ActivationMatch | undefined {
  if (g.isGraphOutput(tensor)) return undefined;
  const gelu = matchGelu(g, tensor);
  if (gelu) return { activation: 'gelu', ...gelu };
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
function unaryActivation(g: ImportGraph, r: onnx.INodeProto, layout: Layout): { activation: Exclude<ActivationName, 'linear'>; alpha?: number } | undefined {
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
    case 'HardSigmoid': {
      // Ours has ONNX's beta fixed at 0.5 (PyTorch's, Keras'); PyTorch's slope 1/6 arrives as float32.
      const alpha = a.float('alpha', 0.2);
      if (!(Math.abs(a.float('beta', 0.5) - 0.5) <= 1e-7 && alpha > 0 && alpha <= 1e6)) return undefined;
      return { activation: 'hardSigmoid', alpha: Math.abs(alpha - HARD_SIGMOID_ALPHA) < 1e-7 ? HARD_SIGMOID_ALPHA : tidy(alpha) };
    }
    case 'LeakyRelu':
      return { activation: 'leakyRelu', alpha: tidy(a.float('alpha', 0.01)) };
    case 'Softmax': {
      // Before opset 13 Softmax coerced the input to 2-D at `axis` (default 1): over channels only when flat.
      if (g.opset < 13 && layout !== 'flat' && layout !== 'pooled') return undefined;
      const axis = a.int('axis', g.opset < 13 ? 1 : -1);
      return channelAxes(layout).includes(axis) ? { activation: 'softmax' } : undefined;
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
function fuseActivation(g: ImportGraph, node: onnx.INodeProto, tensor: string, layout: Layout): { output: string; activation?: ActivationName } {
  const scope = `${node.name ?? ''}/`;
  const m = node.name ? matchActivation(g, tensor, layout) : undefined;
  if (!m || !m.nodes.every((n) => (n.name ?? '').startsWith(scope))) return { output: tensor };
  // Our fused leakyRelu has the default slope; another slope stays a layer of its own.
  if (m.activation === 'leakyRelu' && m.alpha !== LEAKY_RELU_ALPHA) return { output: tensor };
  if (m.activation === 'hardSigmoid' && m.alpha !== HARD_SIGMOID_ALPHA) return { output: tensor };
  for (const n of m.nodes) g.consumed.add(n);
  return { output: m.output, activation: m.activation };
}

function setAct(g: ImportGraph, tensor: string, value: ActValue): void {
  g.values.set(tensor, value);
}

const conv: Handler = (g, node) => {
  const input = g.act(node.input?.[0], node);
  if (input.layout === 'pooled') return convOnPooled(g, node, input);
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

/**
 * A 1×1 Conv on a globally pooled [N, C, 1, 1] tensor (squeeze-and-excitation's layers): the same product as dense
 * on our [C]; the output stays pooled.
 */
function convOnPooled(g: ImportGraph, node: onnx.INodeProto, x: ActValue): void {
  const W = g.constant(node.input?.[1], node, 'weight') ?? unsupported(node, 'has no weight');
  const a = new Attrs(node);
  const c = x.shape[0]!;
  if (W.dims.length !== 4 || W.dims[2] !== 1 || W.dims[3] !== 1) unsupported(node, `a [${W.dims.join(', ')}] weight on a pooled [N, ${c}, 1, 1] tensor: only a 1×1 convolution is supported there`);
  if (a.int('group', 1) !== 1) unsupported(node, `group ${a.int('group', 1)} on a pooled [N, ${c}, 1, 1] tensor is not supported`);
  if (W.dims[1] !== c) unsupported(node, `its weight expects ${W.dims[1]} input channels, the input has ${c}`);
  const pads = a.ints('pads', [0, 0, 0, 0]);
  if (pads.some((p) => p !== 0) || !['NOTSET', 'VALID'].includes(a.string('auto_pad', 'NOTSET'))) unsupported(node, `pads [${pads.join(', ')}] on a pooled [N, ${c}, 1, 1] tensor (a 1×1 image) are not supported`);
  const units = W.dims[0]!;
  const B = g.constant(node.input?.[2], node, 'bias');
  // [out, in, 1, 1] is [out, in] row-major: dense's [in, out] is its transpose.
  dense(g, node, { ...x, layout: 'flat' }, f32(W.values), true, [units, c], B ? biasOf(node, B, units, 'bias') : undefined, node.output?.[0] ?? '', node, 'pooled');
}

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

/** Whether a node turns [N, C, 1, 1] into [N, C]: Flatten(axis 1) or a Reshape to two dims. */
function flattens(g: ImportGraph, node: onnx.INodeProto): boolean {
  if (node.opType === 'Flatten') return new Attrs(node).int('axis', 1) === 1;
  const target = node.opType === 'Reshape' ? g.values.get(node.input?.[1] ?? '') : undefined;
  return target?.kind === 'const' && target.values.length === 2;
}

/** A global pool whose readers all flatten is ours without keepDims (the flatten is then nothing); any other
 *  reader (a 1×1 Conv of squeeze-and-excitation, a Mul, the graph output) keeps [1, 1, C]. */
function globalPool(type: 'globalAvgPool2d' | 'globalMaxPool2d'): Handler {
  return (g, node) => {
    const x = spatialInput(g, node);
    const out = node.output?.[0] ?? '';
    const readers = g.readersOf(out);
    const keepDims = g.isGraphOutput(out) || readers.length === 0 || !readers.every((r) => flattens(g, r));
    const { index, shape } = g.add({ layer: { type, ...(keepDims ? { keepDims } : {}) }, inputs: [x.src], nameHint: nodeNameHint(node) }, node);
    setAct(g, out, { kind: 'act', src: index, layout: keepDims ? 'nchw' : 'pooled', shape });
  };
}

/** Flatten(axis 1), or a Reshape to [N, features]: our flatten (or nothing, for a flat or pooled tensor). */
function flattenTo(g: ImportGraph, node: onnx.INodeProto, x: ActValue): void {
  const out = node.output?.[0] ?? '';
  if (x.layout === 'flat' || x.layout === 'pooled' || x.layout === 'pooledLast') return setAct(g, out, { ...x, layout: 'flat' });
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
  if (x.layout === 'nchw') {
    const [h, w, c] = x.shape as [number, number, number];
    const shuffle = matchChannelShuffle(g, node, [c, h, w]);
    if (shuffle) {
      for (const n of shuffle.rest) g.consumed.add(n);
      const { index, shape } = g.add({ layer: { type: 'channelShuffle', groups: shuffle.groups }, inputs: [x.src], nameHint: nodeNameHint(shuffle.rest[1]!) }, node);
      return setAct(g, shuffle.output, { kind: 'act', src: index, layout: 'nchw', shape });
    }
  }
  const target = g.constant(node.input?.[1], node, 'shape') ?? unsupported(node, 'has no shape');
  const features = x.shape.reduce((p, d) => p * d, 1);
  const [n, f] = target.values;
  const flat = target.values.length === 2 && (n === 0 || n === -1 || n === 1) && (f === -1 || f === features) && !(n === -1 && f === -1);
  if (!flat && reshapeToPooled(g, node, x, [...target.values])) return;
  if (!flat) unsupported(node, `only a reshape to [batch, features] or a channel shuffle (Reshape to [N, g, C/g, H, W], Transpose [0, 2, 1, 3, 4], Reshape back) is supported, not [${[...target.values].join(', ')}]`);
  flattenTo(g, node, x);
};

/** Features viewed as [N, C, 1, 1] or [N, 1, 1, C] (a squeeze-and-excitation gate after nn.Linear): only how ONNX
 *  holds them changes. Returns false when the reshape is not one of those. */
function reshapeToPooled(g: ImportGraph, node: onnx.INodeProto, x: ActValue, target: readonly number[]): boolean {
  if (x.chw || x.shape.length !== 1 || target.length !== 4) return false;
  const c = x.shape[0]!;
  const [n, a, b, d] = target as [number, number, number, number];
  const batch = n === 0 || n === 1 || (n === -1 && ![a, b, d].includes(-1));
  const fits = (v: number): boolean => v === c || (v === -1 && n !== -1);
  const layout = fits(a) && b === 1 && d === 1 ? 'pooled' : a === 1 && b === 1 && fits(d) ? 'pooledLast' : undefined;
  if (!batch || !layout) return false;
  setAct(g, node.output?.[0] ?? '', { ...x, layout });
  return true;
}

/**
 * Gemm, or MatMul with an Add of a constant bias after it, on features: dense. On a flat tensor, or on a pooled one
 * held channels-last [N, 1, 1, C] (a per-pixel linear layer on one pixel); the output keeps the input's layout
 * unless `layout` says otherwise.
 */
function dense(g: ImportGraph, node: onnx.INodeProto, x: ActValue, kernelOnnx: Float32Array, transposed: boolean, dims: readonly number[], bias: Float32Array | undefined, out: string, main: onnx.INodeProto, layout: Layout = x.layout): void {
  if (x.layout !== 'flat' && x.layout !== 'pooledLast') unsupported(node, `needs a flat [batch, features] input: add a Flatten before it (got ${x.layout === 'pooled' ? 'a pooled [N, C, 1, 1]' : 'an image'} tensor)`);
  const [rows, cols] = dims as [number, number];
  const inF = transposed ? cols : rows;
  const units = transposed ? rows : cols;
  if (inF !== x.shape[0]) unsupported(node, `its weight expects ${inF} features, the input has ${x.shape[0]}`);
  let kernel = transposed ? transpose2d(kernelOnnx, units, inF) : kernelOnnx;
  if (x.chw) kernel = rowsChwToHwc(kernel, x.chw[0], x.chw[1], x.chw[2], units);
  const fused = fuseActivation(g, main, out, layout);
  const layer: Layer = { type: 'dense', units, ...(bias ? {} : { useBias: false }), ...(fused.activation ? { activation: fused.activation } : {}) };
  const params = [kernel, ...(bias ? [bias] : [])];
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: paramNameHint(node, node.input?.[1]), params }, node);
  setAct(g, fused.output, { kind: 'act', src: index, layout, shape });
}

/** A bias for `units` outputs: a constant of that many values (or one, broadcast) on the last axis. */
function biasOf(node: onnx.INodeProto, c: ConstValue, units: number, what: string): Float32Array {
  const perUnit = c.values.length === units && c.dims.slice(0, -1).every((d) => d === 1);
  if (!perUnit && c.values.length !== 1) unsupported(node, `its ${what} has dims [${c.dims.join(', ')}], not one value per unit (${units}) on the last axis`);
  return perUnit ? f32(c.values) : new Float32Array(units).fill(c.values[0]!);
}

/** Y = alpha · A·B + beta · C, where A is the input and B, C are constants. */
const gemm: Handler = (g, node) => {
  const a = new Attrs(node);
  if (a.int('transA', 0) !== 0) unsupported(node, 'transA 1 (a transposed input) is not supported');
  const B = g.constant(node.input?.[1], node, 'weight') ?? unsupported(node, 'has no weight');
  if (B.dims.length !== 2) unsupported(node, 'needs a 2-D weight');
  const transB = a.int('transB', 0) === 1;
  const units = B.dims[transB ? 0 : 1]!;
  const C = g.constant(node.input?.[2], node, 'bias');
  const alpha = a.float('alpha', 1);
  const beta = a.float('beta', 1);
  // alpha and beta scale the weights: the layer computes the same function with ours.
  const kernel = f32(alpha === 1 ? B.values : B.values.map((v) => v * alpha));
  const bias = C && beta !== 0 ? biasOf(node, C, units, 'bias C') : undefined;
  if (bias && beta !== 1) for (let i = 0; i < bias.length; i++) bias[i] = bias[i]! * beta;
  dense(g, node, g.act(node.input?.[0], node), kernel, transB, B.dims, bias, node.output?.[0] ?? '', node);
};

/**
 * MatMul by a constant [in, out] matrix, with the Add of a constant bias after it: a linear layer on the last axis.
 * On features it is dense; on an image held channels-last (ConvNeXt's nn.Linear between its Permutes) it is a 1×1
 * convolution, the same product at every pixel.
 */
const matMul: Handler = (g, node) => {
  const B = g.constant(node.input?.[1], node, 'weight') ?? unsupported(node, 'has no weight');
  if (B.dims.length !== 2) unsupported(node, 'only a product with a 2-D constant weight (a linear layer) is supported');
  const x = g.act(node.input?.[0], node);
  const [inF, units] = B.dims as [number, number];
  let out = node.output?.[0] ?? '';
  let bias: Float32Array | undefined;
  let main = node;
  const add = g.soleReader(out);
  if (add?.opType === 'Add') {
    const other = add.input?.[0] === out ? add.input?.[1] : add.input?.[0];
    const c = g.constValue(other);
    if (c) {
      bias = biasOf(add, c, units, 'bias');
      g.consumed.add(add);
      out = add.output?.[0] ?? '';
      main = add;
    }
  }
  if (x.layout !== 'nhwc') return dense(g, node, x, f32(B.values), false, B.dims, bias, out, main);
  const c = x.shape[2]!;
  if (inF !== c) unsupported(node, `its weight expects ${inF} channels (its last axis), the input has ${c}`);
  const fused = fuseActivation(g, main, out, 'nhwc');
  const layer: Layer = { type: 'conv2d', filters: units, kernelSize: 1, ...(bias ? {} : { useBias: false }), ...(fused.activation ? { activation: fused.activation } : {}) };
  // [in, out] row-major is our 1×1 kernel [1, 1, in, out] as it is.
  const params = [f32(B.values), ...(bias ? [bias] : [])];
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: paramNameHint(node, node.input?.[1]), params }, node);
  setAct(g, fused.output, { kind: 'act', src: index, layout: 'nhwc', shape });
};

/**
 * ReduceMean over height and width: global average pooling (or the start of a layer normalisation). keepdims 1 holds the result as ONNX's global pool does
 * ([N, C, 1, 1], or [N, 1, 1, C] channels-last), keepdims 0 as features [N, C]. The axes are an attribute up to
 * opset 17, an input from 18.
 */
const reduceMean: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  if (layerNormFrom(g, node, x)) return;
  const a = new Attrs(node);
  const given = node.input?.[1] ? [...(g.constant(node.input[1], node, 'axes')?.values ?? [])] : a.has('axes') ? [...a.ints('axes', [])] : undefined;
  const rank = x.layout === 'flat' ? 2 : 4;
  const axes = (given ?? (a.int('noop_with_empty_axes', 0) ? [] : Array.from({ length: rank }, (_, i) => i))).map((v) => (v < 0 ? v + rank : v)).sort();
  const spatial = spatialAxes(x.layout);
  if (x.layout === 'pooled' || x.layout === 'pooledLast' || axes.join(',') !== spatial.join(',')) {
    unsupported(node, `axes [${(given ?? []).join(', ')}] of a ${x.layout} tensor: only a mean over height and width (global average pooling), or over the channels starting a layer normalisation (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div), is supported`);
  }
  const keep = a.int('keepdims', 1) === 1;
  const { index, shape } = g.add({ layer: { type: 'globalAvgPool2d' }, inputs: [x.src], nameHint: nodeNameHint(node) }, node);
  setAct(g, node.output?.[0] ?? '', { kind: 'act', src: index, layout: keep ? (x.layout === 'nchw' ? 'pooled' : 'pooledLast') : 'flat', shape });
};

const batchNorm: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  // ONNX normalizes axis 1: the channels of NCHW (pooled or not) and the features of a flat tensor.
  if (x.layout === 'nhwc' || x.layout === 'pooledLast') unsupported(node, 'needs an NCHW or flat input, got a channels-last one: its axis 1 is not the channels');
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
  const why = node.opType === 'Clip' ? 'only Clip(0, 6) (relu6) and Clip(0, ∞) (relu) are supported'
    : node.opType === 'HardSigmoid' ? `alpha ${tidy(new Attrs(node).float('alpha', 0.2))}, beta ${tidy(new Attrs(node).float('beta', 0.5))}: only beta 0.5 (PyTorch's and Keras' offset) and a slope alpha in (0, 1e6] are supported`
    : 'only a softmax over the channels is supported';
  const u = unaryActivation(g, node, x.layout) ?? unsupported(node, why);
  const layer: Layer = u.activation === 'leakyRelu' ? { type: 'leakyRelu', ...(u.alpha !== LEAKY_RELU_ALPHA ? { alpha: u.alpha } : {}) }
    : u.activation === 'hardSigmoid' ? { type: 'hardSigmoid', ...(u.alpha !== HARD_SIGMOID_ALPHA ? { alpha: u.alpha } : {}) }
    : { type: u.activation };
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
  const inputs = node.input ?? [];
  // Activations first: one whose node failed skips this node, rather than a second problem about a constant.
  for (const t of inputs) if (g.values.get(t)?.kind !== 'const') g.act(t, node);
  const xs = inputs.map((t) => {
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
  if (!channelAxes(layout).includes(axis)) unsupported(node, `axis ${axis} is not the channel axis`);
  // torch.cat of a one-tensor list (DenseNet's first layer of each block) is that tensor.
  if (xs.length === 1) return setAct(g, node.output?.[0] ?? '', xs[0]!);
  if (xs[0]!.chw) unsupported(node, 'concatenating features flattened from NCHW is not supported');
  // Named after the module that runs it, as every layer is: DenseNet's concatenation feeding denselayer2 is
  // "…denselayer2" because _DenseLayer.forward begins with torch.cat (its node is in that scope), not a misnaming.
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
  // Only how ONNX holds the values changes: ours stay channels last.
  if (perm === '0,3,1,2' && (x.layout === 'nhwc' || x.layout === 'pooledLast')) return setAct(g, out, { ...x, layout: x.layout === 'nhwc' ? 'nchw' : 'pooled' });
  if (perm === '0,2,3,1' && (x.layout === 'nchw' || x.layout === 'pooled')) return setAct(g, out, { ...x, layout: x.layout === 'nchw' ? 'nhwc' : 'pooledLast' });
  unsupported(node, `perm [${perm}] of a ${x.layout === 'pooledLast' ? 'pooled channels-last' : x.layout} tensor: only NHWC ↔ NCHW transposes are supported`);
};

const identity: Handler = (g, node) => {
  const v = g.values.get(node.input?.[0] ?? '');
  if (v?.kind === 'const') return g.setOutput(node, v);
  setAct(g, node.output?.[0] ?? '', g.act(node.input?.[0], node));
};

/** When `node` is the first node of a GELU (x · 0.5 · (1 + erf(x / √2))) that the walk meets: adds the gelu layer,
 *  takes the pattern's other nodes and returns true. */
function geluFrom(g: ImportGraph, node: onnx.INodeProto): boolean {
  const xName = (node.input ?? []).find((t) => t && g.values.get(t)?.kind === 'act');
  const m = xName ? matchGelu(g, xName) : undefined;
  if (!m || !m.nodes.includes(node)) return false;
  for (const n of m.nodes) if (n !== node) g.consumed.add(n);
  elementwise(g, node, { type: 'gelu' }, g.act(xName, node), m.output, m.nodes[m.nodes.length - 1]);
  return true;
}

const GELU_ONLY = 'only as part of a GELU, x · 0.5 · (1 + erf(x / √2)) (Div, Erf, Add, Mul, Mul), is it supported';

const div: Handler = (g, node) => {
  if (geluFrom(g, node)) return;
  for (const t of node.input ?? []) if (g.values.get(t)?.kind !== 'const') g.act(t, node);
  unsupported(node, GELU_ONLY);
};

/** Erf met on its own: its GELU did not match (the Div before it said why, or reads no layer). */
const erf: Handler = (g, node) => {
  g.act(node.input?.[0], node);
  unsupported(node, GELU_ONLY);
};

/** The layout of a product of activations: all alike, or NCHW images with [N, C, 1, 1] pooled gates (which
 *  broadcast per channel in both ONNX and ours); undefined for a mix that broadcasts differently. */
function productLayout(xs: readonly ActValue[]): ActValue | undefined {
  const image = xs.find((v) => v.layout === 'nchw');
  const layouts = new Set(xs.map((v) => v.layout));
  if (image && layouts.size === 2 && layouts.has('pooled')) return image;
  const first = xs[0]!;
  return layouts.size === 1 && xs.every((v) => String(v.chw) === String(first.chw)) ? first : undefined;
}

/**
 * Mul of activations: a multiply layer (squeeze-and-excitation's gate). Mul by a constant that varies only along
 * the channels: folded into the convolution, dense or normalization layer making the other input. (x · Sigmoid(x)
 * is taken by the Sigmoid before it; a GELU's Muls by geluFrom.)
 */
const mul: Handler = (g, node) => {
  if (geluFrom(g, node)) return;
  const ins = node.input ?? [];
  if (ins.length !== 2) unsupported(node, `has ${ins.length} inputs`);
  const consts = ins.map((t) => g.values.get(t));
  const k = consts.findIndex((v) => v?.kind === 'const');
  const out = node.output?.[0] ?? '';
  if (k < 0) {
    const xs = ins.map((t) => g.act(t, node));
    // Our export of three factors or more: Muls "<layer>/Mul" into the last one, "<layer>".
    let last = node;
    for (let r = g.soleReader(out); r?.opType === 'Mul' && (last.name ?? '').endsWith('/Mul') && (r.name === last.name || `${r.name ?? ''}/Mul` === last.name); r = g.soleReader(last.output?.[0] ?? '')) {
      const prev = last.output?.[0];
      const other = r.input?.length === 2 ? (r.input[0] === prev ? r.input[1] : r.input[0]) : undefined;
      if (!other || g.values.get(other)?.kind !== 'act') break;
      xs.push(g.act(other, r));
      g.consumed.add(r);
      last = r;
    }
    const like = productLayout(xs) ?? unsupported(node, `multiplies a ${xs.map((v) => v.layout).join(' and a ')} tensor, which do not broadcast per channel`);
    const { index, shape } = g.add({ layer: { type: 'multiply' }, inputs: xs.map((v) => v.src), nameHint: nodeNameHint(last) }, node);
    return setAct(g, last.output?.[0] ?? '', { ...like, src: index, shape });
  }
  const c = consts[k] as ConstValue;
  if (consts[1 - k]?.kind === 'const') unsupported(node, 'multiplies two constants');
  const tensor = ins[1 - k]!;
  const x = g.act(tensor, node);
  const single = c.values.length === 1 ? c.values[0]! : undefined;
  const offset = single === undefined ? undefined : addedConstant(g, out);
  if (offset) return rescalingLayer(g, node, x, single!, offset.value, offset.node);
  const scale = perChannel(c, x) ?? unsupported(node, `multiplies by the constant "${ins[k]}" of dims [${c.dims.join(', ')}], which is not one value per channel`);
  if (scale.every((v) => v === 1)) return setAct(g, out, x);
  const why = foldScale(g, x, tensor, node, scale);
  // A single factor that folds into nothing (on the model input, after a pool): a rescaling layer.
  if (why && single !== undefined) return rescalingLayer(g, node, x, single, 0, node);
  if (why) unsupported(node, `multiplies by the constant "${ins[k]}", which is supported only folded into the convolution, dense or normalization layer before it: ${why}`);
  setAct(g, out, x);
};

/** The Add of one constant value reading `tensor` alone (a rescaling's offset), with that value. */
function addedConstant(g: ImportGraph, tensor: string): { readonly node: onnx.INodeProto; readonly value: number } | undefined {
  const next = g.soleReader(tensor);
  if (next?.opType !== 'Add' || next.input?.length !== 2) return undefined;
  const other = g.values.get(next.input[0] === tensor ? next.input[1]! : next.input[0]!);
  return other?.kind === 'const' && other.values.length === 1 ? { node: next, value: other.values[0]! } : undefined;
}

/** x · scale + offset: Mul of one value, then maybe Add of one value (our rescaling's export, Keras' Rescaling);
 *  `last` is the node that writes the result (its name names the layer). */
function rescalingLayer(g: ImportGraph, mul: onnx.INodeProto, x: ActValue, scale: number, offset: number, last: onnx.INodeProto): void {
  if (last !== mul) g.consumed.add(last);
  const layer: Layer = { type: 'rescaling', scale: tidy(scale), ...(offset !== 0 ? { offset: tidy(offset) } : {}) };
  elementwise(g, mul, layer, x, last.output?.[0] ?? '', last);
}

const NORMALIZATION_ONLY = 'only (x − mean) / std with constants per channel (Sub, then Div by positive values: a normalization) is supported';

/**
 * Sub of a constant per channel, then Div by a positive constant per channel: a normalization layer. torch.onnx
 * writes this for `(x - mean) / std` (the ImageNet normalisation of a model that includes it); our export too.
 * The variance is std², written to 7 digits as every imported number.
 */
const sub: Handler = (g, node) => {
  const ins = node.input ?? [];
  const x = g.act(ins[0], node);
  const out = node.output?.[0] ?? '';
  const div = g.soleReader(out);
  const m = ins[1] ? g.values.get(ins[1]) : undefined;
  const d = div?.opType === 'Div' && div.input?.length === 2 && div.input[0] === out ? g.values.get(div.input[1]!) : undefined;
  const mean = m?.kind === 'const' ? perChannel(m, x) : undefined;
  const std = d?.kind === 'const' ? perChannel(d, x) : undefined;
  if (!div || !mean || !std || !std.every((v) => v > 0 && Number.isFinite(v))) return unsupported(node, NORMALIZATION_ONLY);
  g.consumed.add(div);
  // One number when every channel has the same one (a template's 0.5 comes back as 0.5, not [0.5, 0.5, 0.5]).
  const compact = (v: readonly number[]): number | number[] => (v.every((q) => q === v[0]) ? v[0]! : [...v]);
  const layer: Layer = { type: 'normalization', mean: compact([...mean].map(tidy)), variance: compact([...std].map((s) => tidy(tidy(s) ** 2))) };
  elementwise(g, node, layer, x, div.output?.[0] ?? '', div);
};

/** LayerNormalization (opset 17) over the channels: from the last axis of NHWC or features, or of a pooled [N, C, 1, 1]
 *  from axis 1. Our export writes a Scale of ones named "<layer>/noScale" for a layer without scale. */
const layerNorm: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  const a = new Attrs(node);
  const { axis, rank } = channelAxis(x);
  const from = axisIndex(a.int('axis', -1), rank);
  const over = x.layout === 'pooled' ? from === 1 : from === rank - 1;
  if (x.layout === 'nchw' || !over) unsupported(node, `normalizes a ${x.layout} tensor from axis ${a.int('axis', -1)}: only over the channels (the last axis of NHWC or features) is supported`);
  if ((node.output ?? []).slice(1).some((t) => t && g.readersOf(t).length > 0)) unsupported(node, 'its mean or inverse standard deviation output is used');
  const channels = x.shape[x.shape.length - 1]!;
  const param = (i: number, what: string): Float32Array | undefined => {
    const c = g.constant(node.input?.[i], node, what);
    if (!c) return undefined;
    return perChannel(c, x) ?? unsupported(node, `its ${what} has dims [${c.dims.join(', ')}] for ${channels} channels (axis ${axis})`);
  };
  const gamma = param(1, 'scale') ?? unsupported(node, 'has no scale');
  const beta = param(2, 'bias');
  const noScale = (node.input?.[1] ?? '').endsWith('/noScale') && gamma.every((v) => v === 1);
  addLayerNorm(g, node, x, tidy(a.float('epsilon', 1e-5)), noScale ? undefined : gamma, beta, node.output?.[0] ?? '');
};

function addLayerNorm(g: ImportGraph, node: onnx.INodeProto, x: ActValue, epsilon: number, gamma: Float32Array | undefined, beta: Float32Array | undefined, out: string): void {
  const layer: Layer = { type: 'layerNormalization', ...(epsilon !== 0.001 ? { epsilon } : {}), ...(beta ? {} : { center: false }), ...(gamma ? {} : { scale: false }) };
  const params = [...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const { index, shape } = g.add({ layer, inputs: [x.src], nameHint: nodeNameHint(node), params }, node);
  setAct(g, out, { ...x, src: index, shape });
}

/** When the ReduceMean starts PyTorch's opset-13 layer normalisation over the channels (matchLayerNorm): adds the
 *  layer, takes the pattern's other nodes and returns true. */
function layerNormFrom(g: ImportGraph, node: onnx.INodeProto, x: ActValue): boolean {
  const m = matchLayerNorm(g, node);
  if (!m) return false;
  for (const n of m.nodes) g.consumed.add(n);
  addLayerNorm(g, node, x, m.epsilon, m.gamma, m.beta, m.output);
  return true;
}

/** Channels [start, end) of x, as a channelSlice (nothing when it takes them all). */
function sliceChannels(g: ImportGraph, node: onnx.INodeProto, x: ActValue, start: number, end: number, out: string, nameHint: string): void {
  const channels = x.shape[x.shape.length - 1]!;
  if (start === 0 && end === channels) return setAct(g, out, x);
  const { index, shape } = g.add({ layer: { type: 'channelSlice', start, end }, inputs: [x.src], nameHint }, node);
  setAct(g, out, { ...x, src: index, shape });
}

/** An activation whose channels a Slice or Split may cut: not features flattened from NCHW (in (c, h, w) order). */
function channelCut(g: ImportGraph, node: onnx.INodeProto, axisValue: number): ActValue {
  const x = g.act(node.input?.[0], node);
  const { axis, rank } = channelAxis(x);
  if (axisIndex(axisValue, rank) !== axis) unsupported(node, `cuts axis ${axisValue} of a ${x.layout} tensor: only the channel axis (${axis}) is supported`);
  if (x.chw) unsupported(node, 'cuts features flattened from NCHW, which are in (c, h, w) order');
  return x;
}

/** Slice of one axis, the channels, step 1 (starts/ends/axes inputs since opset 10, attributes before). */
const slice: Handler = (g, node) => {
  const a = new Attrs(node);
  const list = (i: number, attr: string): readonly number[] | undefined => {
    const c = g.constant(node.input?.[i], node, attr);
    return c ? [...c.values] : a.has(attr) ? a.ints(attr, []) : undefined;
  };
  const starts = list(1, 'starts') ?? [];
  const ends = list(2, 'ends') ?? [];
  const axes = list(3, 'axes') ?? [0];
  const stepsInput = g.constant(node.input?.[4], node, 'steps');
  const steps = stepsInput ? [...stepsInput.values] : [1];
  if (starts.length !== 1 || ends.length !== 1 || axes.length !== 1 || steps.length !== 1 || steps[0] !== 1) {
    unsupported(node, 'only a slice of one axis with step 1 is supported');
  }
  const x = channelCut(g, node, axes[0]!);
  const channels = x.shape[x.shape.length - 1]!;
  // Negative bounds count from the end; both are clamped to the axis (INT64_MAX means "to the end").
  const bound = (v: number): number => Math.min(Math.max(v < 0 ? v + channels : v, 0), channels);
  const start = bound(starts[0]!);
  const end = bound(ends[0]!);
  if (end <= start) unsupported(node, `takes channels [${start}, ${end}), which are none`);
  sliceChannels(g, node, x, start, end, node.output?.[0] ?? '', nodeNameHint(node));
};

/** Split of the channels (PyTorch's chunk and split): each used output a channelSlice. */
const split: Handler = (g, node) => {
  const a = new Attrs(node);
  const x = channelCut(g, node, a.int('axis', 0));
  const channels = x.shape[x.shape.length - 1]!;
  const outs = node.output ?? [];
  const given = g.constant(node.input?.[1], node, 'split');
  const sizes = given ? [...given.values] : a.has('split') ? a.ints('split', []) : undefined;
  const parts = sizes ?? (channels % outs.length === 0 ? new Array<number>(outs.length).fill(channels / outs.length) : []);
  if (parts.length !== outs.length || parts.some((p) => !(p > 0)) || parts.reduce((s, p) => s + p, 0) !== channels) {
    unsupported(node, `splits ${channels} channels into [${parts.join(', ')}] for ${outs.length} outputs`);
  }
  let start = 0;
  parts.forEach((size, i) => {
    const out = outs[i];
    if (out && g.readersOf(out).length + (g.isGraphOutput(out) ? 1 : 0) > 0) sliceChannels(g, node, x, start, start + size, out, `${nodeNameHint(node)}/${i}`);
    start += size;
  });
};

/** Unsqueeze of features to [N, C, 1, 1] (our export of a flat gate against an image), in one node or two
 *  (PyTorch's gate[:, :, None, None]): nothing but the layout. */
const unsqueeze: Handler = (g, node) => {
  const x = g.act(node.input?.[0], node);
  // Negative axes count from the end of the output, of rank inRank + the number of axes added.
  const axesOf = (n: onnx.INodeProto, inRank: number): number[] => {
    const given = g.values.get(n.input?.[1] ?? '');
    const axes = given?.kind === 'const' ? [...given.values] : new Attrs(n).ints('axes', []);
    return axes.map((v) => (v < 0 ? v + inRank + axes.length : v));
  };
  let axes = axesOf(node, 2);
  let out = node.output?.[0] ?? '';
  const next = g.soleReader(out);
  if (axes.length === 1 && next?.opType === 'Unsqueeze' && next.input?.[0] === out) {
    axes = [...axes, ...axesOf(next, 3)];
    g.consumed.add(next);
    out = next.output?.[0] ?? '';
  }
  if (x.layout !== 'flat' || x.chw || axes.sort().join(',') !== '2,3') unsupported(node, 'only adding axes 2 and 3 to features (making them [N, C, 1, 1]) is supported');
  setAct(g, out, { ...x, layout: 'pooled' });
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
  Conv: { attributes: [...WINDOW, 'dilations', 'group'], yields: ['conv2d', 'depthwiseConv2d', 'separableConv2d', 'dense'], run: conv },
  MaxPool: { attributes: POOL, yields: ['maxPool2d'], run: pool('maxPool2d') },
  AveragePool: { attributes: [...POOL, 'count_include_pad'], yields: ['avgPool2d'], run: pool('avgPool2d') },
  GlobalAveragePool: { attributes: [], yields: ['globalAvgPool2d'], run: globalPool('globalAvgPool2d') },
  GlobalMaxPool: { attributes: [], yields: ['globalMaxPool2d'], run: globalPool('globalMaxPool2d') },
  Flatten: { attributes: ['axis'], yields: ['flatten'], run: flatten },
  Reshape: { attributes: [], yields: ['flatten', 'channelShuffle'], run: reshape },
  Gemm: { attributes: ['alpha', 'beta', 'transA', 'transB'], yields: ['dense'], run: gemm },
  MatMul: { attributes: [], yields: ['dense', 'conv2d'], run: matMul },
  // Also the start of layer normalisation's opset-13 decomposition (the pattern's other nodes declare nothing).
  ReduceMean: { attributes: ['axes', 'keepdims', 'noop_with_empty_axes'], yields: ['globalAvgPool2d', 'layerNormalization'], run: reduceMean },
  BatchNormalization: { attributes: ['epsilon', 'momentum', 'training_mode'], yields: ['batchNorm'], run: batchNorm },
  Relu: { attributes: [], yields: ['relu'], run: activation },
  LeakyRelu: { attributes: ['alpha'], yields: ['leakyRelu'], run: activation },
  Sigmoid: { attributes: [], yields: ['sigmoid', 'swish'], run: activation },
  Tanh: { attributes: [], yields: ['tanh'], run: activation },
  HardSwish: { attributes: [], yields: ['hardSwish'], run: activation },
  HardSigmoid: { attributes: ['alpha', 'beta'], yields: ['hardSigmoid'], run: activation },
  // torch.onnx's exact GELU below opset 20: Div, Erf, Add, Mul, Mul (importPatterns.ts), met at its Div or first Mul.
  Div: { attributes: [], yields: ['gelu'], run: div },
  Erf: { attributes: [], yields: [], run: erf },
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
  // Also a rescaling: Mul by one value (then maybe Add of one value) that folds into no layer before it.
  Mul: { attributes: [], yields: ['gelu', 'multiply', 'rescaling'], run: mul },
  // (x − mean) / std per channel: Sub, then Div.
  Sub: { attributes: [], yields: ['normalization'], run: sub },
  LayerNormalization: { attributes: ['axis', 'epsilon'], yields: ['layerNormalization'], run: layerNorm },
  // Starts, ends and axes are inputs since opset 10, attributes before; split an input since opset 13.
  Slice: { attributes: ['starts', 'ends', 'axes'], yields: ['channelSlice'], run: slice },
  Split: { attributes: ['axis', 'split'], yields: ['channelSlice'], run: split },
  Unsqueeze: { attributes: ['axes'], yields: [], run: unsqueeze },
} as const satisfies Readonly<Record<string, OpImporter>>;

export type OnnxOperator = keyof typeof ONNX_IMPORTERS;

/** The supported operators: the table's keys. */
export const ONNX_OPERATORS = Object.keys(ONNX_IMPORTERS) as OnnxOperator[];

/** The importer of an op_type, or undefined when it is not supported. */
export function importerOf(opType: string): OpImporter | undefined {
  return Object.prototype.hasOwnProperty.call(ONNX_IMPORTERS, opType) ? ONNX_IMPORTERS[opType as OnnxOperator] : undefined;
}
