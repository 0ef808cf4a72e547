// A model and its weights as an ONNX model (opset 17). Layout (docs/onnx.md): the graph input "input" is NHWC
// [N, h, w, c] like our tensors, one Transpose makes it NCHW for ONNX's Conv and pools, and a spatial output is
// transposed back, so the exported model takes and gives exactly what our engine does. Every layer becomes one
// main node named after the layer, with helper nodes named "<layer>/<op>" (fused activations, transposes), which
// is how `importOnnx` finds the layers again.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo, ModelAnalysis } from '../../model/analysis';
import { paddingSides } from '../../model/shapes';
import { field, LEAKY_RELU_ALPHA } from '../../model/spec';
import { MODEL_INPUT, type ActivationName, type Model } from '../../model/types';
import { GraphBuilder } from './graphBuilder';
import { convKernelToOnnx, depthwiseKernelToOnnx } from './layout';
import { encodeModel, floatAttr, intAttr, IR_VERSION, OPSET, valueInfo, type onnx } from './proto';
import { PARAM } from './params';

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
  const metadataProps = classes ? [{ key: 'classes', value: JSON.stringify(classes) }] : [];
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

function exportLayer(g: GraphBuilder, info: LayerInfo, inputs: readonly string[], out: string, weight: Weight): void {
  const layer = info.layer;
  const name = info.name;
  const x = inputs[0]!;
  const inShape = info.inputShape!;
  const spatial = inShape.length === 3;
  // A layer with an activation: the main node writes a helper tensor, the activation the layer's output.
  const withActivation = (activation: ActivationName | undefined, emit: (to: string) => void): void => {
    const act = activation ?? 'linear';
    if (act === 'linear') return emit(out);
    const pre = g.fresh(`${name}/pre`);
    emit(pre);
    emitActivation(g, act, LEAKY_RELU_ALPHA, pre, out, `${name}/`, spatial);
  };
  switch (layer.type) {
    case 'conv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const kernel = g.floats(`${name}.${PARAM.kernel}`, [layer.filters, cin, win.kh, win.kw], convKernelToOnnx(weight(`${name}.${PARAM.kernel}`), win.kh, win.kw, cin, layer.filters));
      const bias = field('conv2d', layer.useBias, 'useBias') ? [g.floats(`${name}.${PARAM.bias}`, [layer.filters], weight(`${name}.${PARAM.bias}`))] : [];
      return withActivation(layer.activation, (to) => g.node('Conv', name, [x, kernel, ...bias], [to], [...windowAttrs(info, true), intAttr('group', 1)]));
    }
    case 'depthwiseConv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const mult = field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
      const k = weight(`${name}.${PARAM.kernel}`);
      const kernel = g.floats(`${name}.${PARAM.kernel}`, [cin * mult, 1, win.kh, win.kw], depthwiseKernelToOnnx(k, win.kh, win.kw, cin, mult));
      const bias = field('depthwiseConv2d', layer.useBias, 'useBias') ? [g.floats(`${name}.${PARAM.bias}`, [cin * mult], weight(`${name}.${PARAM.bias}`))] : [];
      return withActivation(layer.activation, (to) => g.node('Conv', name, [x, kernel, ...bias], [to], [...windowAttrs(info, true), intAttr('group', cin)]));
    }
    case 'separableConv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const mid = cin * field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      const dk = weight(`${name}.${PARAM.depthwiseKernel}`);
      const depthwise = g.floats(`${name}.${PARAM.depthwiseKernel}`, [mid, 1, win.kh, win.kw], depthwiseKernelToOnnx(dk, win.kh, win.kw, cin, mid / cin));
      const dwOut = g.fresh(`${name}/depthwise`);
      g.node('Conv', `${name}/depthwise`, [x, depthwise], [dwOut], [...windowAttrs(info, true), intAttr('group', cin)]);
      // The pointwise kernel [1, 1, mid, filters] is a conv kernel with a 1×1 window.
      const pointwise = g.floats(`${name}.${PARAM.pointwiseKernel}`, [layer.filters, mid, 1, 1], convKernelToOnnx(weight(`${name}.${PARAM.pointwiseKernel}`), 1, 1, mid, layer.filters));
      const bias = field('separableConv2d', layer.useBias, 'useBias') ? [g.floats(`${name}.${PARAM.bias}`, [layer.filters], weight(`${name}.${PARAM.bias}`))] : [];
      return withActivation(layer.activation, (to) => g.node('Conv', name, [dwOut, pointwise, ...bias], [to], [intAttr('kernel_shape', [1, 1]), intAttr('group', 1)]));
    }
    case 'dense': {
      const features = inShape[0]!;
      const kernel = g.floats(`${name}.${PARAM.kernel}`, [features, layer.units], weight(`${name}.${PARAM.kernel}`));
      const bias = field('dense', layer.useBias, 'useBias') ? [g.floats(`${name}.${PARAM.bias}`, [layer.units], weight(`${name}.${PARAM.bias}`))] : [];
      return withActivation(layer.activation, (to) => g.node('Gemm', name, [x, kernel, ...bias], [to]));
    }
    case 'maxPool2d':
      return g.node('MaxPool', name, [x], [out], windowAttrs(info, false));
    case 'avgPool2d':
      // Keras leaves the padding out of the average, as count_include_pad = 0 does.
      return g.node('AveragePool', name, [x], [out], [...windowAttrs(info, false), intAttr('count_include_pad', 0)]);
    case 'globalAvgPool2d':
    case 'globalMaxPool2d': {
      const pooled = g.fresh(`${name}/pooled`);
      g.node(layer.type === 'globalAvgPool2d' ? 'GlobalAveragePool' : 'GlobalMaxPool', name, [x], [pooled]);
      return g.node('Flatten', `${name}/Flatten`, [pooled], [out], [intAttr('axis', 1)]);
    }
    case 'flatten': {
      if (!spatial) return g.node('Flatten', name, [x], [out], [intAttr('axis', 1)]);
      // Our features run h, w, c (Keras): back to NHWC before flattening.
      const nhwc = g.fresh(`${name}/nhwc`);
      g.node('Transpose', `${name}/Transpose`, [x], [nhwc], [intAttr('perm', [0, 2, 3, 1])]);
      return g.node('Flatten', name, [nhwc], [out], [intAttr('axis', 1)]);
    }
    case 'dropout':
      // Identity at inference (training_mode defaults to false); the ratio is kept so an import gets it back.
      return g.node('Dropout', name, [x, g.scalar(`${name}/ratio`, layer.rate)], [out]);
    case 'batchNorm': {
      const p = (param: string): string => g.floats(`${name}.${param}`, [inShape[inShape.length - 1]!], weight(`${name}.${param}`));
      const params = [PARAM.gamma, PARAM.beta, PARAM.movingMean, PARAM.movingVariance].map(p);
      return g.node('BatchNormalization', name, [x, ...params], [out], [
        floatAttr('epsilon', field('batchNorm', layer.epsilon, 'epsilon')),
        floatAttr('momentum', field('batchNorm', layer.momentum, 'momentum')),
      ]);
    }
    case 'add':
      // Add is binary; Sum takes any number of inputs.
      return g.node(inputs.length === 2 ? 'Add' : 'Sum', name, inputs, [out]);
    case 'concatenate':
      // Channels are axis 1 in NCHW, and features axis 1 of [N, features].
      return g.node('Concat', name, inputs, [out], [intAttr('axis', 1)]);
    case 'zeroPadding2D': {
      const [[top, bottom], [left, right]] = paddingSides(field('zeroPadding2D', layer.padding, 'padding'));
      return g.node('Pad', name, [x, g.int64s(`${name}/pads`, [0, 0, top, left, 0, 0, bottom, right])], [out], []);
    }
    case 'leakyRelu':
      return emitActivation(g, 'leakyRelu', field('leakyRelu', layer.alpha, 'alpha'), x, out, name, spatial);
    case 'relu':
    case 'relu6':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return emitActivation(g, layer.type, LEAKY_RELU_ALPHA, x, out, name, spatial);
    default:
      return assertNever(layer, 'layer type');
  }
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
    default:
      return assertNever(act, 'activation');
  }
}
