// The reference engine for differential tests: each model layer written with @tensorflow/tfjs-core ops (CPU backend),
// reading the same weights as the engine under test.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers gradient functions only on request.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LayerInfo } from '../../../src/model/analysis';
import { LAYER_DEFS } from '../../../src/model/layers';
import { paddingSides } from '../../../src/model/shapes';
import type { Window2d } from '../../../src/model/geometry';
import type { ActivationName, Layer, LayerOf, LayerType, WindowPadding } from '../../../src/model/types';
import type { Param } from '../../../src/engine/layer';
import type { Tensor } from '../../../src/engine/tensor';

export { tf };

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

export function toTf(t: Tensor): tf.Tensor {
  return tf.tensor(t.data, [...t.shape], 'float32');
}

export function paramsToTf(params: readonly Param[]): Map<string, tf.Tensor> {
  return new Map(params.map((p) => [p.name, tf.tensor(p.value, [...p.shape], 'float32')]));
}

/** `alpha`: the slope of leakyRelu (Keras' 0.3 unless given) or hardSigmoid (PyTorch's 1/6 unless given). */
function act(name: ActivationName | undefined, z: tf.Tensor, alpha?: number): tf.Tensor {
  switch (name ?? 'linear') {
    case 'linear': return z;
    case 'relu': return tf.relu(z);
    case 'relu6': return tf.relu6(z);
    case 'swish': return tf.mul(z, tf.sigmoid(z));
    case 'hardSwish': return tf.div(tf.mul(z, tf.relu6(tf.add(z, 3))), 6);
    case 'leakyRelu': return tf.leakyRelu(z, alpha ?? 0.3);
    case 'hardSigmoid': return tf.clipByValue(tf.add(tf.mul(z, alpha ?? 1 / 6), 0.5), 0, 1);
    // tfjs has no gelu: 0.5 · z · (1 + erf(z / √2)) from its erf.
    case 'gelu': return tf.mul(tf.mul(z, 0.5), tf.add(1, tf.erf(tf.div(z, Math.SQRT2))));
    case 'sigmoid': return tf.sigmoid(z);
    case 'tanh': return tf.tanh(z);
    case 'softmax': return tf.softmax(z);
  }
}

/** tfjs' padding for a convolution: Keras' strings as they are, explicit sides as tfjs' ExplicitPadding. */
function convPad(padding: WindowPadding | undefined): 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]] {
  if (padding === undefined || padding === 'valid' || padding === 'same') return padding ?? 'valid';
  const [[top, bottom], [left, right]] = paddingSides(padding);
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/** x padded (or cropped) to exactly the rows and columns its windows read: the window's pads with `value`, then
 *  the cells past them that ceil mode adds with `beyond`. */
function padForWindows(x: tf.Tensor4D, w: Window2d, value: number, beyond: number): tf.Tensor4D {
  const needH = (w.outH - 1) * w.sh + (w.kh - 1) * w.dh + 1;
  const needW = (w.outW - 1) * w.sw + (w.kw - 1) * w.dw + 1;
  let t = tf.pad(x, [[0, 0], [w.padTop, w.padBottom], [w.padLeft, w.padRight], [0, 0]], value);
  const extraH = Math.max(needH - t.shape[1], 0), extraW = Math.max(needW - t.shape[2], 0);
  if (extraH || extraW) t = tf.pad(t, [[0, 0], [0, extraH], [0, extraW], [0, 0]], beyond);
  return tf.slice(t, [0, 0, 0, 0], [-1, needH, needW, -1]);
}

/** Whether a pool's window is beyond what tfjs' own pools say (explicit padding, ceil mode, counted padding, dilation). */
function explicitPool(l: { readonly padding?: WindowPadding; readonly ceilMode?: boolean; readonly countIncludePad?: boolean }, w: Window2d): boolean {
  return (l.padding !== undefined && typeof l.padding !== 'string') || !!l.ceilMode || !!l.countIncludePad || w.dh !== 1 || w.dw !== 1;
}

/** Per dropout layer name, which inputs the engine kept (1) or dropped (0) in its training forward (Dropout.keptMask). */
export type DropoutMasks = ReadonlyMap<string, Uint8Array>;

/** What a layer's tfjs version reads besides its config and inputs. */
interface TfContext {
  readonly info: LayerInfo;
  /** The param "<layer>.<suffix>". */
  param(suffix: string): tf.Tensor;
  /** z + the bias param, unless useBias is false. */
  bias(z: tf.Tensor, useBias: boolean | undefined): tf.Tensor;
  readonly training: boolean;
  readonly masks?: DropoutMasks;
}

/** One layer type in tfjs: `xs` are its inputs (one, but for merges). */
type TfLayer<L> = (l: L, xs: readonly tf.Tensor[], c: TfContext) => tf.Tensor;

const activationLayer: TfLayer<{ readonly type: Exclude<ActivationName, 'leakyRelu' | 'hardSigmoid' | 'linear'> }> = (l, [x]) => act(l.type, x!);

/** A grouped convolution from tfjs' ungrouped one (tf.conv2d has no groups): group j's input channels with group j's
 *  filters (kernel [kh, kw, inC/groups, filters], filters in groups along the last axis), concatenated. */
function groupwise(groups: number, x: tf.Tensor, kernel: tf.Tensor, conv: (x: tf.Tensor, kernel: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (groups === 1) return conv(x, kernel);
  const xs = tf.split(x, groups, 3), ks = tf.split(kernel, groups, 3);
  return tf.concat(xs.map((xg, j) => conv(xg, ks[j]!)), 3);
}

/** Every layer type in tfjs: a new type in the registry is a compile error here until it has a reference. */
const TF_LAYERS: { readonly [T in LayerType]: TfLayer<LayerOf<T>> } = {
  conv2d: (l, [x], c) => {
    const w = c.info.window!;
    const z = groupwise(l.groups ?? 1, x!, c.param('kernel'), (xg, kg) => tf.conv2d(xg as tf.Tensor4D, kg as tf.Tensor4D, [w.sh, w.sw], convPad(l.padding), 'NHWC', [w.dh, w.dw]));
    return act(l.activation, c.bias(z, l.useBias));
  },
  depthwiseConv2d: (l, [x], c) => {
    const w = c.info.window!;
    const z = tf.depthwiseConv2d(x as tf.Tensor4D, c.param('kernel') as tf.Tensor4D, [w.sh, w.sw], convPad(l.padding), 'NHWC', [w.dh, w.dw]);
    return act(l.activation, c.bias(z, l.useBias));
  },
  separableConv2d: (l, [x], c) => {
    const w = c.info.window!;
    const z = tf.separableConv2d(
      x as tf.Tensor4D, c.param('depthwiseKernel') as tf.Tensor4D, c.param('pointwiseKernel') as tf.Tensor4D, [w.sh, w.sw], convPad(l.padding) as 'valid' | 'same', [w.dh, w.dw], 'NHWC',
    );
    return act(l.activation, c.bias(z, l.useBias));
  },
  add: (_l, xs) => tf.addN([...xs]),
  concatenate: (_l, xs) => tf.concat([...xs], -1),
  channelShuffle: (l, [x]) => {
    const [n, h, w, c] = x!.shape as [number, number, number, number];
    return tf.reshape(tf.transpose(tf.reshape(x!, [n, h, w, l.groups, c / l.groups]), [0, 1, 2, 4, 3]), [n, h, w, c]);
  },
  // Keras' Multiply: an input of lower rank gains axes after the batch ([N, c] → [N, 1, 1, c]); tf.mul broadcasts the 1s.
  multiply: (_l, xs) => {
    const rank = Math.max(...xs.map((x) => x.rank));
    return xs.map((x) => (x.rank < rank ? tf.reshape(x, [x.shape[0]!, ...new Array<number>(rank - x.rank).fill(1), ...x.shape.slice(1)]) : x)).reduce((a, b) => tf.mul(a, b));
  },
  channelSlice: (l, [x]) => tf.slice(x!, [...x!.shape.map(() => 0).slice(0, -1), l.start], [...x!.shape.slice(0, -1), l.end - l.start]),
  zeroPadding2D: (l, [x]) => {
    const [[top, bottom], [left, right]] = paddingSides(l.padding ?? 1);
    return tf.pad(x!, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  },
  maxPool2d: (l, [x], c) => {
    const w = c.info.window!;
    if (!explicitPool(l, w)) return tf.maxPool(x as tf.Tensor4D, [w.kh, w.kw], [w.sh, w.sw], (l.padding ?? 'valid') as 'valid' | 'same');
    // Padding never wins: −∞ around the input, then tfjs' 'valid' windows.
    const padded = padForWindows(x as tf.Tensor4D, w, -Infinity, -Infinity);
    if (w.dh === 1 && w.dw === 1) return tf.maxPool(padded, [w.kh, w.kw], [w.sh, w.sw], 'valid');
    if (w.sh !== 1 || w.sw !== 1) throw new Error('tfjs pools with both strides and dilation > 1');
    return tf.pool(padded, [w.kh, w.kw], 'max', 'valid', [w.dh, w.dw], 1);
  },
  avgPool2d: (l, [x], c) => {
    const w = c.info.window!;
    if (!explicitPool(l, w)) return tf.avgPool(x as tf.Tensor4D, [w.kh, w.kw], [w.sh, w.sw], (l.padding ?? 'valid') as 'valid' | 'same');
    // The windows' sums over the counted cells' share: a mask of the cells that count, padded the same way.
    const ones = tf.onesLike(tf.slice(x!, [0, 0, 0, 0], [1, -1, -1, 1])) as tf.Tensor4D;
    const counted = padForWindows(ones, w, l.countIncludePad ? 1 : 0, 0);
    const sums = tf.avgPool(padForWindows(x as tf.Tensor4D, w, 0, 0), [w.kh, w.kw], [w.sh, w.sw], 'valid');
    return tf.div(sums, tf.avgPool(counted, [w.kh, w.kw], [w.sh, w.sw], 'valid'));
  },
  globalAvgPool2d: (l, [x]) => tf.mean(x!, [1, 2], l.keepDims ?? false),
  globalMaxPool2d: (l, [x]) => tf.max(x!, [1, 2], l.keepDims ?? false),
  flatten: (_l, [x]) => tf.reshape(x!, [x!.shape[0]!, -1]),
  dense: (l, [x], c) => act(l.activation, c.bias(tf.matMul(x as tf.Tensor2D, c.param('kernel') as tf.Tensor2D), l.useBias)),
  dropout: (l, [x], c) => {
    if (!c.training) return x!;
    // The engine's random draw, scaled here independently (inverted dropout, as Keras): x · keep / (1 − rate).
    const keep = c.masks?.get(c.info.name);
    if (!keep) throw new Error(`${c.info.name}: dropout in training needs the engine's mask (Dropout.keptMask())`);
    return tf.mul(x!, tf.div(tf.tensor(Float32Array.from(keep), x!.shape, 'float32'), 1 - l.rate));
  },
  batchNorm: (l, [x], c) => {
    const eps = l.epsilon ?? 0.001;
    const axes = x!.shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = c.training ? tf.moments(x!, axes) : { mean: c.param('movingMean'), variance: c.param('movingVariance') };
    return tf.batchNorm(x!, mean, variance, c.param('beta'), c.param('gamma'), eps);
  },
  layerNormalization: (l, [x], c) => {
    const { mean, variance } = tf.moments(x!, -1, true);
    const normalized = tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, l.epsilon ?? 0.001)));
    const scaled = l.scale === false ? normalized : tf.mul(normalized, c.param('gamma'));
    return l.center === false ? scaled : tf.add(scaled, c.param('beta'));
  },
  rescaling: (l, [x]) => tf.add(tf.mul(x!, l.scale), l.offset ?? 0),
  // Keras' Normalization: (x − mean) / max(√variance, ε), ε its backend's 1e-7; a list broadcasts over the last axis.
  normalization: (l, [x]) => tf.div(tf.sub(x!, tf.tensor(l.mean as number | number[])), tf.maximum(tf.sqrt(tf.tensor(l.variance as number | number[])), 1e-7)),
  relu: activationLayer,
  relu6: activationLayer,
  leakyRelu: (l, [x]) => act('leakyRelu', x!, l.alpha ?? 0.3),
  hardSigmoid: (l, [x]) => act('hardSigmoid', x!, l.alpha),
  gelu: activationLayer,
  sigmoid: activationLayer,
  tanh: activationLayer,
  swish: activationLayer,
  hardSwish: activationLayer,
  softmax: activationLayer,
};

/** One layer of any number of inputs in tfjs. `p` maps param names ("<layer>.kernel", …) to tf tensors; `masks` is
 *  needed for dropout in training. */
export function tfNode(info: LayerInfo, p: ReadonlyMap<string, tf.Tensor>, xs: readonly tf.Tensor[], training: boolean, masks?: DropoutMasks): tf.Tensor {
  if (LAYER_DEFS[info.type].inputs !== 'many' && xs.length !== 1) throw new Error(`${info.name}: ${info.type} takes one input, got ${xs.length}`);
  const param = (suffix: string): tf.Tensor => {
    const t = p.get(`${info.name}.${suffix}`);
    if (!t) throw new Error(`missing ${info.name}.${suffix}`);
    return t;
  };
  const bias = (z: tf.Tensor, useBias: boolean | undefined): tf.Tensor => (useBias === false ? z : tf.add(z, param('bias')));
  // The entry of the layer's own type (TypeScript cannot correlate the two by itself).
  const reference = TF_LAYERS[info.layer.type] as TfLayer<Layer>;
  return reference(info.layer, xs, { info, param, bias, training, masks });
}

/** One single-input layer in tfjs; see tfNode. */
export function tfLayer(info: LayerInfo, p: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor, training: boolean, masks?: DropoutMasks): tf.Tensor {
  return tfNode(info, p, [x], training, masks);
}

/** A whole model in tfjs: layers in file order, each reading the outputs its `inputs` name; the last one's. */
export function tfModel(infos: readonly LayerInfo[], p: ReadonlyMap<string, tf.Tensor>, x: tf.Tensor, training: boolean, masks?: DropoutMasks): tf.Tensor {
  const values: tf.Tensor[] = [x];
  for (const info of infos) values.push(tfNode(info, p, info.inputs.map((inp) => values[inp.index! + 1]!), training, masks));
  return values[values.length - 1]!;
}
