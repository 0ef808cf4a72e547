// A model and its weights as an ONNX model (opset 17). Layout (docs/onnx.md): the graph input "input" is NHWC
// [N, h, w, c] like our tensors, one Transpose makes it NCHW for ONNX's Conv and pools, and a spatial output is
// transposed back, so the exported model takes and gives exactly what our engine does. Every layer becomes one
// main node named after the layer, with helper nodes named "<layer>/<op>" (fused activations, transposes), which
// is how `importOnnx` finds the layers again.
import { assertNever } from '../../model/assertNever';
import { inputResize } from '../../model/defaults';
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import { ceilAddsWindows } from '../../model/geometry';
import type { LayerOf, LayerType } from '../../model/layers';
import { countsPadding } from '../../model/layers/avgPool2d';
import type { KernelLayout } from '../../model/layers/def';
import { layerNormFields } from '../../model/layers/layerNormalization';
import { normalizationDivisors, perChannel } from '../../model/layers/normalization';
import { rescalingFields } from '../../model/layers/rescaling';
import { zeroPaddingSides } from '../../model/layers/zeroPadding2d';
import { field, fusedActivationAlpha } from '../../model/spec';
import { MODEL_INPUT, type ActivationLayer, type ActivationName, type GlobalPool2dLayer, type HardSigmoidLayer, type Layer, type LeakyReluLayer, type Model, type Shape } from '../../model/types';
import type { LayerNormalizationLayer, MultiplyLayer, NormalizationLayer, RescalingLayer } from '../../model/types';
import { PREPROCESSING_METADATA_KEY, preprocessingSentence, RESIZE_METADATA_KEY } from '../preprocessing';
import { fusedActivation, layerParams } from '../registry';
import { GraphBuilder } from './graphBuilder';
import { convKernelToOnnx, depthwiseKernelToOnnx } from './layout';
import { encodeModel, floatAttr, intAttr, IR_VERSION, OPSET, valueInfo, type onnx } from './proto';

export const MODEL_OUTPUT = 'output';
export const PRODUCER = 'CNN Studio';

export interface OnnxExportInput {
  readonly model: Model;
  /** The model's analysis; it must have no errors. */
  readonly analysis: ModelAnalysis;
  /** Our weights by tensor name (`<layer>.<param>`, docs/weights.md), in our layouts. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  /** Class names, kept in the model's metadata ("classes", a JSON array) as in our weights files. */
  readonly classes?: readonly string[];
  readonly producerVersion?: string;
}

export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
}

export function exportOnnx(input: OnnxExportInput): Uint8Array {
  return encodeModel(buildOnnxModel(input));
}

export function buildOnnxModel({ model, analysis, weights, classes, producerVersion }: OnnxExportInput): onnx.IModelProto {
  if (!analysis.ok || !analysis.outputShape || analysis.layers.length !== model.layers.length) {
    throw new OnnxExportError(`model "${model.name}" has errors: fix them before exporting`);
  }
  const g = new GraphBuilder([MODEL_INPUT, MODEL_OUTPUT]);
  const [h, w, c] = model.input.shape;
  const inputNchw = g.fresh('input/nchw');
  g.node('Transpose', 'input/Transpose', [MODEL_INPUT], [inputNchw], [intAttr('perm', [0, 3, 1, 2])]);
  // The tensor each layer's output is in (NCHW when spatial, [N, features] when flat).
  const tensors: string[] = [];
  const tensorOf = (index: number | undefined): string => (index === undefined ? fail('an unresolved input') : index < 0 ? inputNchw : tensors[index]!);
  const last = analysis.layers.length - 1;
  for (const info of analysis.layers) {
    const flatOutput = info.outputShape!.length === 1;
    // A flat last layer writes the graph output itself; a spatial one is transposed back to NHWC below.
    const out = info.index === last && flatOutput ? MODEL_OUTPUT : g.fresh(info.name);
    exportLayer(g, info, info.inputs.map((i) => tensorOf(i.index)), out, (name) => weightOf(weights, name));
    tensors.push(out);
  }
  const outShape = analysis.outputShape;
  // (A model without layers outputs its input.)
  if (outShape.length === 3) g.node('Transpose', 'output/Transpose', [tensors[last] ?? inputNchw], [MODEL_OUTPUT], [intAttr('perm', [0, 2, 3, 1])]);
  // How images become the input: the policy by name (the import reads it back into input.resize) and in words.
  const metadataProps = [
    ...(classes ? [{ key: 'classes', value: JSON.stringify(classes) }] : []),
    { key: RESIZE_METADATA_KEY, value: inputResize(model.input) },
    { key: PREPROCESSING_METADATA_KEY, value: `NHWC float32: ${preprocessingSentence(model)}` },
  ];
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER,
    producerVersion: producerVersion ?? '',
    ...(model.description ? { docString: model.description } : {}),
    metadataProps,
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(MODEL_INPUT, ['N', h, w, c])],
      output: [valueInfo(MODEL_OUTPUT, ['N', ...outShape])],
    },
  };
}

function fail(what: string): never {
  throw new OnnxExportError(`cannot export ${what}`);
}

function weightOf(weights: ReadonlyMap<string, Float32Array>, name: string): Float32Array {
  const v = weights.get(name);
  if (!v) throw new OnnxExportError(`the weights have no tensor "${name}"`);
  return v;
}

type Weight = (name: string) => Float32Array;

/** What a table entry gets: the layer, the tensors it reads (NCHW when spatial, [N, features] when flat), where
 *  its output goes, and its parameters as initializers. */
interface OnnxLayer<L extends Layer> {
  readonly g: GraphBuilder;
  readonly info: LayerInfo;
  readonly layer: L;
  readonly name: string;
  readonly inputs: readonly string[];
  /** The first input. */
  readonly x: string;
  readonly out: string;
  readonly inShape: Shape;
  readonly spatial: boolean;
  /** The layer's parameters as initializers in ONNX's layouts, in the registry's order, which is also the order
   *  of ONNX's inputs after X (Conv: W, B; Gemm: B, C; BatchNormalization: scale, B, mean, var). */
  initializers(): string[];
  /** The main node writes `out`, or, with the layer's activation, a helper tensor the activation reads. */
  activated(emit: (to: string) => void): void;
}

type OnnxEmitter<L extends Layer> = (c: OnnxLayer<L>) => void;

/** Pads of a window as ONNX wants them: [top, left, bottom, right]. */
function windowAttrs(info: LayerInfo, withDilation: boolean): onnx.IAttributeProto[] {
  const win = info.window!;
  return [
    intAttr('kernel_shape', [win.kh, win.kw]),
    intAttr('strides', [win.sh, win.sw]),
    ...(withDilation ? [intAttr('dilations', [win.dh, win.dw])] : []),
    intAttr('pads', [win.padTop, win.padLeft, win.padBottom, win.padRight]),
  ];
}

/** ceil_mode 1 when ceil mode added windows. Otherwise none: where our rule dropped a last window starting in the
 *  bottom/right padding, ONNX's plain ceil would keep it, and rounding down gives our size. */
function ceilAttr(info: LayerInfo): onnx.IAttributeProto[] {
  return ceilAddsWindows(info.window!) ? [intAttr('ceil_mode', 1)] : [];
}

/** Our kernel layouts → ONNX's (dims and values); other parameters go as they are. */
const ONNX_LAYOUTS: { readonly [K in KernelLayout]: (shape: readonly number[], v: Float32Array) => { dims: readonly number[]; data: Float32Array } } = {
  // [kh, kw, in, out] → Conv's [out, in, kh, kw]
  conv: ([kh, kw, cin, cout], v) => ({ dims: [cout!, cin!, kh!, kw!], data: convKernelToOnnx(v, kh!, kw!, cin!, cout!) }),
  // [kh, kw, C, mult] → the grouped Conv's [C·mult, 1, kh, kw]
  depthwise: ([kh, kw, c, mult], v) => ({ dims: [c! * mult!, 1, kh!, kw!], data: depthwiseKernelToOnnx(v, kh!, kw!, c!, mult!) }),
  // [in, out] is Gemm's B with transB 0.
  matrix: (shape, v) => ({ dims: shape, data: v }),
};

/** An activation layer: the node carries the layer's name. */
function activationLayer(c: OnnxLayer<ActivationLayer | LeakyReluLayer | HardSigmoidLayer>, alpha = fusedActivationAlpha(c.layer.type)): void {
  emitActivation(c.g, c.layer.type, alpha, c.x, c.out, c.name, c.spatial);
}

/** Mul broadcasts NCHW per axis as we do; a flat [N, C] factor of an image is unsqueezed to [N, C, 1, 1] first.
 *  Mul is binary: helpers "<layer>/Mul" for a third input on, the last Mul carries the layer's name. */
function multiplyLayer(c: OnnxLayer<MultiplyLayer>): void {
  const spatialOut = c.info.outputShape!.length === 3;
  const xs = c.inputs.map((x, k) => {
    if (!spatialOut || c.info.inputs[k]!.shape!.length !== 1) return x;
    const u = c.g.fresh(`${c.name}/unsqueezed`);
    c.g.node('Unsqueeze', `${c.name}/Unsqueeze`, [x, c.g.int64s(`${c.name}/axes`, [2, 3])], [u]);
    return u;
  });
  let acc = xs[0]!;
  for (let k = 1; k < xs.length; k++) {
    const last = k === xs.length - 1;
    const to = last ? c.out : c.g.fresh(`${c.name}/product`);
    c.g.node('Mul', last ? c.name : `${c.name}/Mul`, [acc, xs[k]!], [to]);
    acc = to;
  }
}

/** LayerNormalization (opset 17) normalises from \`axis\` to the last: over the channels only when they are last, so
 *  an image goes NHWC and back around it. Scale is required: ones (named "<layer>/noScale") without \`scale\`. */
function layerNormalizationLayer(c: OnnxLayer<LayerNormalizationLayer>): void {
  const { epsilon, scale } = layerNormFields(c.layer);
  const params = c.initializers();
  const channels = c.inShape[c.inShape.length - 1]!;
  const inputs = scale ? params : [c.g.floats(`${c.name}/noScale`, [channels], new Float32Array(channels).fill(1)), ...params];
  const attrs = [intAttr('axis', -1), floatAttr('epsilon', epsilon)];
  if (!c.spatial) return c.g.node('LayerNormalization', c.name, [c.x, ...inputs], [c.out], attrs);
  const nhwc = c.g.fresh(`${c.name}/nhwc`);
  const normed = c.g.fresh(`${c.name}/normalized`);
  c.g.node('Transpose', `${c.name}/Transpose`, [c.x], [nhwc], [intAttr('perm', [0, 2, 3, 1])]);
  c.g.node('LayerNormalization', c.name, [nhwc, ...inputs], [normed], attrs);
  c.g.node('Transpose', `${c.name}/TransposeBack`, [normed], [c.out], [intAttr('perm', [0, 3, 1, 2])]);
}

/** Rescaling as Mul then Add of scalars (the Add carries the layer's name; Mul alone when the offset is 0). */
function rescalingLayer(c: OnnxLayer<RescalingLayer>): void {
  const { scale, offset } = rescalingFields(c.layer);
  if (offset === 0) return c.g.node('Mul', c.name, [c.x, c.g.scalar(`${c.name}/scale`, scale)], [c.out]);
  const scaled = c.g.fresh(`${c.name}/scaled`);
  c.g.node('Mul', `${c.name}/Mul`, [c.x, c.g.scalar(`${c.name}/scale`, scale)], [scaled]);
  c.g.node('Add', c.name, [scaled, c.g.scalar(`${c.name}/offset`, offset)], [c.out]);
}

/** Normalization as Sub then Div by per-channel constants, Keras' formula: [C, 1, 1] against NCHW (the layout
 *  torch.onnx writes for an ImageNet normalisation), [C] against [N, C]. The Div carries the layer's name. */
function normalizationLayer(c: OnnxLayer<NormalizationLayer>): void {
  const channels = c.inShape[c.inShape.length - 1]!;
  const dims = c.spatial ? [channels, 1, 1] : [channels];
  const mean = c.g.floats(`${c.name}/mean`, dims, Float32Array.from(perChannel(c.layer.mean, channels)));
  const divisor = c.g.floats(`${c.name}/divisor`, dims, Float32Array.from(normalizationDivisors(c.layer, channels)));
  const centred = c.g.fresh(`${c.name}/centred`);
  c.g.node('Sub', `${c.name}/Sub`, [c.x, mean], [centred]);
  c.g.node('Div', c.name, [centred, divisor], [c.out]);
}

function globalPool(c: OnnxLayer<GlobalPool2dLayer>, op: 'GlobalAveragePool' | 'GlobalMaxPool'): void {
  // keepDims: ONNX's own [N, C, 1, 1], a spatial value like any other.
  if (field(c.layer.type, c.layer.keepDims, 'keepDims')) return c.g.node(op, c.name, [c.x], [c.out]);
  const pooled = c.g.fresh(`${c.name}/pooled`);
  c.g.node(op, c.name, [c.x], [pooled]);
  c.g.node('Flatten', `${c.name}/Flatten`, [pooled], [c.out], [intAttr('axis', 1)]);
}

/** Each layer type as ONNX nodes: one main node named after the layer, helpers "<layer>/<op>". */
const ONNX_LAYERS: { readonly [T in LayerType]: OnnxEmitter<LayerOf<T>> } = {
  conv2d: (c) => c.activated((to) => c.g.node('Conv', c.name, [c.x, ...c.initializers()], [to], [...windowAttrs(c.info, true), intAttr('group', field('conv2d', c.layer.groups, 'groups'))])),
  depthwiseConv2d: (c) => c.activated((to) => c.g.node('Conv', c.name, [c.x, ...c.initializers()], [to], [...windowAttrs(c.info, true), intAttr('group', c.inShape[2]!)])),
  separableConv2d: (c) => {
    // The depthwise kernel feeds a grouped Conv "<name>/depthwise"; the pointwise kernel [1, 1, mid, filters] and
    // the bias a 1×1 Conv carrying the layer's name.
    const [depthwise, ...pointwise] = c.initializers();
    const dwOut = c.g.fresh(`${c.name}/depthwise`);
    c.g.node('Conv', `${c.name}/depthwise`, [c.x, depthwise!], [dwOut], [...windowAttrs(c.info, true), intAttr('group', c.inShape[2]!)]);
    c.activated((to) => c.g.node('Conv', c.name, [dwOut, ...pointwise], [to], [intAttr('kernel_shape', [1, 1]), intAttr('group', 1)]));
  },
  dense: (c) => c.activated((to) => c.g.node('Gemm', c.name, [c.x, ...c.initializers()], [to])),
  maxPool2d: (c) => c.g.node('MaxPool', c.name, [c.x], [c.out], [...windowAttrs(c.info, true), ...ceilAttr(c.info)]),
  // count_include_pad = 0 leaves the padding out of the average, as Keras (and our default) does.
  avgPool2d: (c) => c.g.node('AveragePool', c.name, [c.x], [c.out], [
    ...windowAttrs(c.info, false), ...ceilAttr(c.info), intAttr('count_include_pad', countsPadding(c.layer) ? 1 : 0),
  ]),
  globalAvgPool2d: (c) => globalPool(c, 'GlobalAveragePool'),
  globalMaxPool2d: (c) => globalPool(c, 'GlobalMaxPool'),
  flatten: (c) => {
    if (!c.spatial) return c.g.node('Flatten', c.name, [c.x], [c.out], [intAttr('axis', 1)]);
    // Our features run h, w, c (Keras): back to NHWC before flattening.
    const nhwc = c.g.fresh(`${c.name}/nhwc`);
    c.g.node('Transpose', `${c.name}/Transpose`, [c.x], [nhwc], [intAttr('perm', [0, 2, 3, 1])]);
    c.g.node('Flatten', c.name, [nhwc], [c.out], [intAttr('axis', 1)]);
  },
  // Identity at inference (training_mode defaults to false); the ratio is kept so an import gets it back.
  dropout: (c) => c.g.node('Dropout', c.name, [c.x, c.g.scalar(`${c.name}/ratio`, c.layer.rate)], [c.out]),
  batchNorm: (c) =>
    c.g.node('BatchNormalization', c.name, [c.x, ...c.initializers()], [c.out], [
      floatAttr('epsilon', field('batchNorm', c.layer.epsilon, 'epsilon')),
      floatAttr('momentum', field('batchNorm', c.layer.momentum, 'momentum')),
    ]),
  // Add is binary; Sum takes any number of inputs.
  add: (c) => c.g.node(c.inputs.length === 2 ? 'Add' : 'Sum', c.name, c.inputs, [c.out]),
  // Channels are axis 1 in NCHW, and features axis 1 of [N, features].
  concatenate: (c) => c.g.node('Concat', c.name, c.inputs, [c.out], [intAttr('axis', 1)]),
  // [N, C, H, W] → [N, g, C/g, H, W] → swap the two channel axes → [N, C, H, W]: the nodes torch.onnx writes for ShuffleNet.
  channelShuffle: (c) => {
    const [h, w, ch] = c.inShape as [number, number, number];
    const g = c.layer.groups;
    const [grouped, swapped] = [c.g.fresh(`${c.name}/grouped`), c.g.fresh(`${c.name}/swapped`)];
    c.g.node('Reshape', `${c.name}/Reshape`, [c.x, c.g.int64s(`${c.name}/groupedShape`, [-1, g, ch / g, h, w])], [grouped]);
    c.g.node('Transpose', `${c.name}/Transpose`, [grouped], [swapped], [intAttr('perm', [0, 2, 1, 3, 4])]);
    c.g.node('Reshape', c.name, [swapped, c.g.int64s(`${c.name}/shape`, [-1, ch, h, w])], [c.out]);
  },
  multiply: multiplyLayer,
  channelSlice: (c) =>
    c.g.node('Slice', c.name, [c.x, c.g.int64s(`${c.name}/starts`, [c.layer.start]), c.g.int64s(`${c.name}/ends`, [c.layer.end]), c.g.int64s(`${c.name}/axes`, [1])], [c.out]),
  layerNormalization: layerNormalizationLayer,
  rescaling: rescalingLayer,
  normalization: normalizationLayer,
  zeroPadding2D: (c) => {
    const [[top, bottom], [left, right]] = zeroPaddingSides(c.layer);
    c.g.node('Pad', c.name, [c.x, c.g.int64s(`${c.name}/pads`, [0, 0, top, left, 0, 0, bottom, right])], [c.out], []);
  },
  relu: activationLayer,
  relu6: activationLayer,
  leakyRelu: (c) => activationLayer(c, field('leakyRelu', c.layer.alpha, 'alpha')),
  sigmoid: activationLayer,
  tanh: activationLayer,
  swish: activationLayer,
  hardSwish: activationLayer,
  hardSigmoid: (c) => activationLayer(c, field('hardSigmoid', c.layer.alpha, 'alpha')),
  gelu: activationLayer,
  softmax: activationLayer,
};

function exportLayer(g: GraphBuilder, info: LayerInfo, inputs: readonly string[], out: string, weight: Weight): void {
  const name = info.name;
  const inShape = info.inputShape!;
  const spatial = inShape.length === 3;
  const c: OnnxLayer<Layer> = {
    g, info, layer: info.layer, name, inputs, x: inputs[0]!, out, inShape, spatial,
    initializers: () =>
      layerParams(info).map((p) => {
        const tensor = `${name}.${p.name}`;
        const { dims, data } = p.layout ? ONNX_LAYOUTS[p.layout](p.shape, weight(tensor)) : { dims: p.shape, data: weight(tensor) };
        return g.floats(tensor, dims, data);
      }),
    activated: (emit) => {
      const act = fusedActivation(info.layer);
      if (act === 'linear') return emit(out);
      const pre = g.fresh(`${name}/pre`);
      emit(pre);
      emitActivation(g, act, fusedActivationAlpha(act), pre, out, `${name}/`, spatial);
    },
  };
  // The entry of this layer's type, typed for every layer (TypeScript cannot correlate the two by itself).
  (ONNX_LAYERS[info.layer.type] as OnnxEmitter<Layer>)(c);
}

/**
 * An activation from x to out. `scope` is the node name: a layer's own name for an activation layer, or
 * "<layer>/" for a fused one, to which the op type is added. Softmax runs over channels: axis 1 of NCHW, -1 when flat.
 */
function emitActivation(g: GraphBuilder, act: Exclude<ActivationName, 'linear'>, alpha: number, x: string, out: string, scope: string, spatial: boolean): void {
  const fused = scope.endsWith('/');
  const nodeName = (op: string): string => (fused ? `${scope}${op}` : scope);
  switch (act) {
    case 'relu':
      return g.node('Relu', nodeName('Relu'), [x], [out]);
    case 'relu6': {
      const base = fused ? scope.slice(0, -1) : scope;
      return g.node('Clip', nodeName('Clip'), [x, g.scalar(`${base}/min`, 0), g.scalar(`${base}/max`, 6)], [out]);
    }
    case 'leakyRelu':
      return g.node('LeakyRelu', nodeName('LeakyRelu'), [x], [out], [floatAttr('alpha', alpha)]);
    case 'sigmoid':
      return g.node('Sigmoid', nodeName('Sigmoid'), [x], [out]);
    case 'tanh':
      return g.node('Tanh', nodeName('Tanh'), [x], [out]);
    case 'softmax':
      return g.node('Softmax', nodeName('Softmax'), [x], [out], [intAttr('axis', spatial ? 1 : -1)]);
    case 'swish': {
      // x · sigmoid(x): the Sigmoid is a helper of the Mul, which carries the layer's name.
      const base = fused ? scope.slice(0, -1) : scope;
      const s = g.fresh(`${base}/sigmoid`);
      g.node('Sigmoid', `${base}/Sigmoid`, [x], [s]);
      return g.node('Mul', nodeName('Mul'), [x, s], [out]);
    }
    case 'hardSwish':
      return g.node('HardSwish', nodeName('HardSwish'), [x], [out]);
    case 'hardSigmoid':
      return g.node('HardSigmoid', nodeName('HardSigmoid'), [x], [out], [floatAttr('alpha', alpha), floatAttr('beta', 0.5)]);
    case 'gelu': {
      // Opset 17 has no Gelu: x · (erf(x / √2) + 1) · 0.5, the nodes and order torch.onnx writes (which our
      // importer reads back); the last Mul carries the layer's name.
      const base = fused ? scope.slice(0, -1) : scope;
      const [scaled, erf, onePlus, product] = ['div', 'erf', 'add', 'mul'].map((s) => g.fresh(`${base}/${s}`)) as [string, string, string, string];
      g.node('Div', `${base}/Div`, [x, g.scalar(`${base}/sqrt2`, Math.SQRT2)], [scaled]);
      g.node('Erf', `${base}/Erf`, [scaled], [erf]);
      g.node('Add', `${base}/Add`, [erf, g.scalar(`${base}/one`, 1)], [onePlus]);
      g.node('Mul', `${base}/Mul_1`, [x, onePlus], [product]);
      return g.node('Mul', nodeName('Mul'), [product, g.scalar(`${base}/half`, 0.5)], [out]);
    }
    default:
      return assertNever(act, 'activation');
  }
}
