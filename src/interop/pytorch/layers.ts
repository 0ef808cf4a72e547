// Each of our layers as PyTorch: the module built in __init__ (if any), the forward expression, and where its
// weights go. NCHW inside; padding PyTorch's padding= cannot say (Keras' extra row/column of an odd 'same' total at
// the bottom/right, uneven explicit sides, a pool's padding over half its window) is explicit F.pad.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import { ceilAddsWindows, type Window2d } from '../../model/geometry';
import type { LayerOf, LayerType } from '../../model/layers';
import { countsPadding } from '../../model/layers/avgPool2d';
import type { KernelLayout } from '../../model/layers/def';
import { layerNormFields } from '../../model/layers/layerNormalization';
import { perChannel } from '../../model/layers/normalization';
import { rescalingFields } from '../../model/layers/rescaling';
import { zeroPaddingSides } from '../../model/layers/zeroPadding2d';
import { field, HARD_SIGMOID_ALPHA } from '../../model/spec';
import type { ActivationName, GlobalPool2dLayer, Layer, Shape } from '../../model/types';
import { fusedActivation, layerParams } from '../registry';
import { pyNumber, pyTuple } from './python';

/** How one of our tensors becomes a PyTorch parameter: conv kernels [kh, kw, in, out] → [out, in, kh, kw], dense [in, out] → [out, in]. */
export type TorchLayout = 'conv' | 'dense' | 'same';

export interface WeightRow {
  /** Our tensor name, `<layer>.<param>`. */
  readonly ours: string;
  /** The state_dict key of the module. */
  readonly theirs: string;
  readonly layout: TorchLayout;
  /** Our tensor's shape (the saved checkpoint gets it back). */
  readonly shape: readonly number[];
}

export interface TorchLayer {
  /** `nn.…(…)` assigned to `self.<attr>` in __init__, or undefined for a layer done in forward alone. */
  readonly module?: string;
  /** The forward expression, from the input expressions. */
  readonly forward: (inputs: readonly string[]) => string;
  /** The fused activation (applied to `forward`'s result), linear when none. */
  readonly activation: ActivationName;
  readonly weights: readonly WeightRow[];
  /** Helper classes the module needs (defined once at the top of model.py). */
  readonly helpers: readonly Helper[];
}

export type Helper = 'SeparableConv2d' | 'PaddedAvgPool2d' | 'LayerNormalization' | 'Normalization';

/** The activation as a function call on `x` (leakyRelu's or hardSigmoid's slope given). */
export function activationCall(act: Exclude<ActivationName, 'linear'>, x: string, alpha: number): string {
  switch (act) {
    case 'relu':
      return `F.relu(${x})`;
    case 'relu6':
      return `F.relu6(${x})`;
    case 'leakyRelu':
      return `F.leaky_relu(${x}, ${pyNumber(alpha)})`;
    case 'sigmoid':
      return `torch.sigmoid(${x})`;
    case 'tanh':
      return `torch.tanh(${x})`;
    case 'swish':
      return `F.silu(${x})`;
    case 'hardSwish':
      return `F.hardswish(${x})`;
    case 'hardSigmoid':
      return alpha === HARD_SIGMOID_ALPHA ? `F.hardsigmoid(${x})` : `torch.clamp(${x} * ${pyNumber(alpha)} + 0.5, 0.0, 1.0)`;
    case 'gelu':
      return `F.gelu(${x})`;
    case 'softmax':
      return `torch.softmax(${x}, dim=1)`;
    default:
      return assertNever(act, 'activation');
  }
}

/** PyTorch pads (left, right, top, bottom) when its `padding=` cannot say the window's: not symmetric, or (pools)
 *  more than half the window, which PyTorch's pools refuse. Else undefined. */
function explicitPads(win: Window2d, pool = false): readonly [number, number, number, number] | undefined {
  const symmetric = win.padTop === win.padBottom && win.padLeft === win.padRight;
  const pads = [win.padLeft, win.padRight, win.padTop, win.padBottom] as const;
  if (!symmetric) return pads;
  return pool && (win.padTop > Math.floor(win.kh / 2) || win.padLeft > Math.floor(win.kw / 2)) ? pads : undefined;
}

/** The cells past the bottom/right padding that ceil mode's last windows reach: (0, right, 0, bottom). A pool padded
 *  by F.pad pads these too and rounds down, since on the padded input PyTorch's ceil mode could keep a last window
 *  that ours dropped. */
function beyondPads(win: Window2d): readonly [number, number, number, number] {
  const beyond = (out: number, s: number, k: number, d: number, padded: number): number => Math.max((out - 1) * s + (k - 1) * d + 1 - padded, 0);
  return [0, beyond(win.outW, win.sw, win.kw, win.dw, win.inW + win.padLeft + win.padRight), 0, beyond(win.outH, win.sh, win.kh, win.dh, win.inH + win.padTop + win.padBottom)];
}

const plus = (a: readonly number[], b: readonly number[]): number[] => a.map((v, i) => v + b[i]!);

const windowArgs = (win: Window2d, withDilation: boolean, pool = false): string =>
  [
    `kernel_size=${pyTuple([win.kh, win.kw])}`,
    `stride=${pyTuple([win.sh, win.sw])}`,
    `padding=${explicitPads(win, pool) ? '0' : pyTuple([win.padTop, win.padLeft])}`,
    // Convolutions always say it; pools (max) only when there is one.
    ...(withDilation && (!pool || win.dh !== 1 || win.dw !== 1) ? [`dilation=${pyTuple([win.dh, win.dw])}`] : []),
    // PyTorch's own padding and ceil rule, which are ours; only where ceil mode adds windows (where our rule dropped
    // a last window, rounding down gives our size too).
    ...(pool && !explicitPads(win, pool) && ceilAddsWindows(win) ? ['ceil_mode=True'] : []),
  ].join(', ');

/** `self.<attr>(x)`, with the padding first as F.pad where `padding=` cannot say it (a pool's: with ceil mode's cells past it). */
function windowed(attr: string, win: Window2d, value = '0.0', pool = false): (inputs: readonly string[]) => string {
  const pads = explicitPads(win, pool);
  // Keras' 'same' with an odd total (the extra row/column at the bottom/right) or explicit uneven sides: F.pad (left, right, top, bottom).
  const all = pads && (pool ? plus(pads, beyondPads(win)) : pads);
  return ([x]) => (all ? `self.${attr}(F.pad(${x}, ${pyTuple(all)}, value=${value}))` : `self.${attr}(${x})`);
}

/** What a table entry gets: the layer, its attribute name in the module, its input shape. */
interface TorchContext<L extends Layer> {
  readonly info: LayerInfo;
  readonly layer: L;
  /** `self.<attr>` holds its module. */
  readonly attr: string;
  readonly inShape: Shape;
  readonly spatial: boolean;
  /** The activation applied to its result (its `activation` field; linear for the activation layers). */
  readonly activation: ActivationName;
  /** Its parameters, in the registry's order, as rows of WEIGHTS: `theirs` maps each of our parameter names to
   *  its state_dict key under `self.<attr>`. */
  weights(theirs: Readonly<Record<string, string>>): WeightRow[];
  /** `self.<attr>(x)` */
  readonly self: (inputs: readonly string[]) => string;
}

type TorchEmitter<L extends Layer> = (c: TorchContext<L>) => TorchLayer;

/** How each of our kernel layouts converts (a depthwise kernel [kh, kw, C, m] is [kh, kw, 1, C·m]: a conv kernel). */
const TORCH_LAYOUTS: { readonly [K in KernelLayout]: TorchLayout } = { conv: 'conv', depthwise: 'conv', matrix: 'dense' };

/** A layer without weights: a module (or nothing), and its forward expression. */
function plain(c: TorchContext<Layer>, module: string | undefined, forward: (inputs: readonly string[]) => string = c.self): TorchLayer {
  return { ...(module ? { module } : {}), forward, activation: c.activation, weights: [], helpers: [] };
}

const pyBool = (b: boolean): string => (b ? 'True' : 'False');
/** `groups=n, ` for a grouped convolution (the kernel layout converts group by group alike), nothing for one group. */
const groupsArg = (groups: number): string => (groups === 1 ? '' : `groups=${groups}, `);
const keepDim = (layer: GlobalPool2dLayer): string => (field(layer.type, layer.keepDims, 'keepDims') ? ', keepdim=True' : '');

/** Each layer type as PyTorch. */
const TORCH_LAYERS: { readonly [T in LayerType]: TorchEmitter<LayerOf<T>> } = {
  conv2d: (c) => {
    const win = c.info.window!;
    return {
      module: `nn.Conv2d(${c.inShape[2]!}, ${c.layer.filters}, ${windowArgs(win, true)}, ${groupsArg(field('conv2d', c.layer.groups, 'groups'))}bias=${pyBool(field('conv2d', c.layer.useBias, 'useBias'))})`,
      forward: windowed(c.attr, win),
      activation: c.activation,
      weights: c.weights({ kernel: 'weight', bias: 'bias' }),
      helpers: [],
    };
  },
  depthwiseConv2d: (c) => {
    const win = c.info.window!;
    const cin = c.inShape[2]!;
    const mult = field('depthwiseConv2d', c.layer.depthMultiplier, 'depthMultiplier');
    return {
      // groups = in channels: output channel c·mult + m reads input channel c, as Keras' depthwise kernel [kh, kw, c, m].
      module: `nn.Conv2d(${cin}, ${cin * mult}, ${windowArgs(win, true)}, groups=${cin}, bias=${pyBool(field('depthwiseConv2d', c.layer.useBias, 'useBias'))})`,
      forward: windowed(c.attr, win),
      activation: c.activation,
      weights: c.weights({ kernel: 'weight', bias: 'bias' }),
      helpers: [],
    };
  },
  separableConv2d: (c) => {
    const win = c.info.window!;
    const mult = field('separableConv2d', c.layer.depthMultiplier, 'depthMultiplier');
    return {
      module: `SeparableConv2d(${c.inShape[2]!}, ${c.layer.filters}, ${windowArgs(win, true)}, depth_multiplier=${mult}, bias=${pyBool(field('separableConv2d', c.layer.useBias, 'useBias'))})`,
      forward: windowed(c.attr, win),
      activation: c.activation,
      weights: c.weights({ depthwiseKernel: 'depthwise.weight', pointwiseKernel: 'pointwise.weight', bias: 'pointwise.bias' }),
      helpers: ['SeparableConv2d'],
    };
  },
  dense: (c) => ({
    module: `nn.Linear(${c.inShape[0]!}, ${c.layer.units}, bias=${pyBool(field('dense', c.layer.useBias, 'useBias'))})`,
    forward: c.self,
    activation: c.activation,
    weights: c.weights({ kernel: 'weight', bias: 'bias' }),
    helpers: [],
  }),
  batchNorm: (c) => {
    const eps = field('batchNorm', c.layer.epsilon, 'epsilon');
    const momentum = field('batchNorm', c.layer.momentum, 'momentum');
    // PyTorch's momentum weighs the new batch, Keras' the running value: 1 − ours (rounded off float noise).
    const torchMomentum = Number((1 - momentum).toPrecision(12));
    return {
      module: `nn.BatchNorm${c.spatial ? '2d' : '1d'}(${c.inShape[c.inShape.length - 1]!}, eps=${pyNumber(eps)}, momentum=${pyNumber(torchMomentum)})`,
      forward: c.self,
      activation: c.activation,
      weights: c.weights({ gamma: 'weight', beta: 'bias', movingMean: 'running_mean', movingVariance: 'running_var' }),
      helpers: [],
    };
  },
  maxPool2d: (c) => {
    const win = c.info.window!;
    // Padding never wins a max: pad with −∞ where PyTorch's padding= cannot say ours.
    return plain(c, `nn.MaxPool2d(${windowArgs(win, true, true)})`, windowed(c.attr, win, "float('-inf')", true));
  },
  avgPool2d: (c) => {
    const win = c.info.window!;
    const pads = explicitPads(win, true);
    const countPad = countsPadding(c.layer);
    // PyTorch's count_include_pad divides as ours (cells past the padding, which ceil mode adds, never count).
    if (!pads) return plain(c, `nn.AvgPool2d(${windowArgs(win, false, true)}, count_include_pad=${pyBool(countPad)})`);
    // Padding padding= cannot say: the helper divides by the count of the cells that count.
    const args = [`kernel_size=${pyTuple([win.kh, win.kw])}`, `stride=${pyTuple([win.sh, win.sw])}`, `pads=${pyTuple(pads)}`, `beyond=${pyTuple(beyondPads(win))}`, `count_pad=${pyBool(countPad)}`];
    return { ...plain(c, `PaddedAvgPool2d(${args.join(', ')})`), helpers: ['PaddedAvgPool2d'] };
  },
  globalAvgPool2d: (c) => plain(c, undefined, ([x]) => `${x}.mean(dim=(2, 3)${keepDim(c.layer)})`),
  globalMaxPool2d: (c) => plain(c, undefined, ([x]) => `${x}.amax(dim=(2, 3)${keepDim(c.layer)})`),
  // Our (Keras') features run height, width, channels: back to NHWC before flattening, so dense kernels load as they are.
  flatten: (c) => plain(c, undefined, ([x]) => (c.spatial ? `${x}.permute(0, 2, 3, 1).flatten(1)` : x!)),
  dropout: (c) => plain(c, `nn.Dropout(${pyNumber(c.layer.rate)})`),
  // Channels as (g, C/g), swapped, flattened back: what nn.ChannelShuffle does, in ops torch.onnx exports.
  channelShuffle: (c) => plain(c, undefined, ([x]) => `${x}.unflatten(1, ${pyTuple([c.layer.groups, c.inShape[2]! / c.layer.groups])}).transpose(1, 2).flatten(1, 2)`),
  zeroPadding2D: (c) => {
    const [[top, bottom], [left, right]] = zeroPaddingSides(c.layer);
    return plain(c, `nn.ZeroPad2d(${pyTuple([left, right, top, bottom])})`);
  },
  add: (c) => plain(c, undefined, (xs) => xs.join(' + ')),
  // NCHW broadcasts per axis as ours does; a flat [N, C] factor of an image is made [N, C, 1, 1].
  multiply: (c) =>
    plain(c, undefined, (xs) => xs.map((x, k) => (c.info.outputShape!.length === 3 && c.info.inputs[k]!.shape!.length === 1 ? `${x}[:, :, None, None]` : x)).join(' * ')),
  // Channels are dim 1 of NCHW and of [N, features].
  channelSlice: (c) => plain(c, undefined, ([x]) => `${x}[:, ${c.layer.start}:${c.layer.end}]`),
  layerNormalization: (c) => {
    const { epsilon, center, scale } = layerNormFields(c.layer);
    return {
      module: `LayerNormalization(${c.inShape[c.inShape.length - 1]!}, eps=${pyNumber(epsilon)}, scale=${pyBool(scale)}, center=${pyBool(center)})`,
      forward: c.self,
      activation: c.activation,
      weights: c.weights({ gamma: 'weight', beta: 'bias' }),
      helpers: ['LayerNormalization'],
    };
  },
  rescaling: (c) => {
    const { scale, offset } = rescalingFields(c.layer);
    return plain(c, undefined, ([x]) => `${x} * ${pyNumber(scale)}${offset === 0 ? '' : ` + ${pyNumber(offset)}`}`);
  },
  normalization: (c) => {
    const channels = c.inShape[c.inShape.length - 1]!;
    const list = (v: number | readonly number[]): string => `[${perChannel(v, channels).map(pyNumber).join(', ')}]`;
    return { ...plain(c, `Normalization(${list(c.layer.mean)}, ${list(c.layer.variance)})`), helpers: ['Normalization'] };
  },
  // Channels are dim 1 of NCHW, and features dim 1 of [N, features].
  concatenate: (c) => plain(c, undefined, (xs) => `torch.cat([${xs.join(', ')}], dim=1)`),
  relu: (c) => plain(c, 'nn.ReLU()'),
  relu6: (c) => plain(c, 'nn.ReLU6()'),
  leakyRelu: (c) => plain(c, `nn.LeakyReLU(${pyNumber(field('leakyRelu', c.layer.alpha, 'alpha'))})`),
  sigmoid: (c) => plain(c, 'nn.Sigmoid()'),
  tanh: (c) => plain(c, 'nn.Tanh()'),
  swish: (c) => plain(c, 'nn.SiLU()'),
  hardSwish: (c) => plain(c, 'nn.Hardswish()'),
  hardSigmoid: (c) => {
    const alpha = field('hardSigmoid', c.layer.alpha, 'alpha');
    // nn.Hardsigmoid is PyTorch's slope 1/6; another slope is the clamp written out.
    return alpha === HARD_SIGMOID_ALPHA ? plain(c, 'nn.Hardsigmoid()') : plain(c, undefined, ([x]) => activationCall('hardSigmoid', x!, alpha));
  },
  gelu: (c) => plain(c, 'nn.GELU()'),
  softmax: (c) => plain(c, 'nn.Softmax(dim=1)'),
};

export function torchLayer(info: LayerInfo, attr: string): TorchLayer {
  const inShape = info.inputShape!;
  const c: TorchContext<Layer> = {
    info, layer: info.layer, attr, inShape, spatial: inShape.length === 3,
    activation: fusedActivation(info.layer),
    weights: (theirs) =>
      layerParams(info).map((p) => {
        const key = theirs[p.name];
        if (key === undefined) throw new Error(`the PyTorch export has no place for ${info.name}.${p.name}`);
        return { ours: `${info.name}.${p.name}`, theirs: `${attr}.${key}`, layout: p.layout ? TORCH_LAYOUTS[p.layout] : 'same', shape: p.shape };
      }),
    self: ([x]) => `self.${attr}(${x})`,
  };
  // The entry of this layer's type, typed for every layer (TypeScript cannot correlate the two by itself).
  return (TORCH_LAYERS[info.layer.type] as TorchEmitter<Layer>)(c);
}

export const HELPER_SOURCE: Readonly<Record<Helper, string>> = {
  SeparableConv2d: `class SeparableConv2d(nn.Module):
    """Keras' SeparableConv2D: a depthwise conv (depth_multiplier outputs per input channel), then a 1×1 conv."""

    def __init__(self, in_channels, filters, kernel_size, stride, padding, dilation, depth_multiplier, bias):
        super().__init__()
        mid = in_channels * depth_multiplier
        self.depthwise = nn.Conv2d(in_channels, mid, kernel_size=kernel_size, stride=stride, padding=padding,
                                   dilation=dilation, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(mid, filters, kernel_size=1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))`,
  LayerNormalization: `class LayerNormalization(nn.Module):
    """Keras' LayerNormalization over the channels (dim 1), of images (NCHW) and of features alike; gamma (weight)
    and beta (bias) each optional, as Keras' scale and center."""

    def __init__(self, channels, eps, scale, center):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels)) if scale else None
        self.bias = nn.Parameter(torch.zeros(channels)) if center else None

    def forward(self, x):
        shape = (x.shape[1],)
        if x.dim() == 2:
            return F.layer_norm(x, shape, self.weight, self.bias, self.eps)
        return F.layer_norm(x.permute(0, 2, 3, 1), shape, self.weight, self.bias, self.eps).permute(0, 3, 1, 2)`,
  Normalization: `class Normalization(nn.Module):
    """Keras' Normalization given mean and variance: (x - mean) / max(sqrt(variance), 1e-7) over the channels
    (dim 1), of images (NCHW) and of features alike. Constants, not parameters: non-persistent buffers follow
    .to(device) but stay out of the state_dict."""

    def __init__(self, mean, variance):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float64).float(), persistent=False)
        self.register_buffer("divisor", torch.tensor(variance, dtype=torch.float64).sqrt().clamp(min=1e-7).float(), persistent=False)

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return (x - self.mean.view(shape)) / self.divisor.view(shape)`,
  PaddedAvgPool2d: `class PaddedAvgPool2d(nn.Module):
    """Average pooling over padding nn.AvgPool2d cannot say (uneven sides, as Keras' 'same' with an odd total, or
    more than half the window): x padded by pads (left, right, top, bottom), then by beyond, the cells ceil
    mode's last windows reach; each sum divided by the count of its input cells, and of its padding if count_pad."""

    def __init__(self, kernel_size, stride, pads, beyond, count_pad):
        super().__init__()
        self.kernel_size, self.stride, self.pads, self.beyond, self.count_pad = kernel_size, stride, pads, beyond, count_pad
        self.all = tuple(a + b for a, b in zip(pads, beyond))

    def forward(self, x):
        total = F.avg_pool2d(F.pad(x, self.all), self.kernel_size, self.stride)
        counted = F.pad(torch.ones_like(x[:, :1]), self.pads, value=1.0 if self.count_pad else 0.0)
        count = F.avg_pool2d(F.pad(counted, self.beyond), self.kernel_size, self.stride)
        return total / count`,
};
