// Each of our layers as PyTorch: the module built in __init__ (if any), the forward expression, and where its
// weights go. NCHW inside; Keras' padding (the extra row/column of an odd 'same' total at the bottom/right) is
// explicit F.pad where PyTorch's symmetric padding cannot say it.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import type { LayerOf, LayerType } from '../../model/layers';
import type { KernelLayout } from '../../model/layers/def';
import { layerNormFields } from '../../model/layers/layerNormalization';
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

export type Helper = 'SeparableConv2d' | 'PaddedAvgPool2d' | 'LayerNormalization';

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

/** PyTorch pads (left, right, top, bottom) when the window's padding is not symmetric, else undefined. */
function asymmetricPads(win: Window2d): readonly number[] | undefined {
  return win.padTop === win.padBottom && win.padLeft === win.padRight ? undefined : [win.padLeft, win.padRight, win.padTop, win.padBottom];
}

const windowArgs = (win: Window2d, withDilation: boolean): string =>
  [
    `kernel_size=${pyTuple([win.kh, win.kw])}`,
    `stride=${pyTuple([win.sh, win.sw])}`,
    `padding=${asymmetricPads(win) ? '0' : pyTuple([win.padTop, win.padLeft])}`,
    ...(withDilation ? [`dilation=${pyTuple([win.dh, win.dw])}`] : []),
  ].join(', ');

/** `self.<attr>(x)`, with the explicit Keras padding first when it is asymmetric. */
function windowed(attr: string, win: Window2d, value = '0.0'): (inputs: readonly string[]) => string {
  const pads = asymmetricPads(win);
  // Keras' 'same' with an odd total: the extra row/column at the bottom/right, which F.pad (left, right, top, bottom) puts there.
  return ([x]) => (pads ? `self.${attr}(F.pad(${x}, ${pyTuple(pads)}, value=${value}))` : `self.${attr}(${x})`);
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
    // Padding never wins a max: pad with −∞ where PyTorch's symmetric padding cannot express Keras' 'same'.
    return plain(c, `nn.MaxPool2d(${windowArgs(win, false)})`, windowed(c.attr, win, "float('-inf')"));
  },
  avgPool2d: (c) => {
    const win = c.info.window!;
    const pads = asymmetricPads(win);
    // Keras leaves the padding out of the average: count_include_pad=False, or the helper for an odd 'same' total.
    if (!pads) return plain(c, `nn.AvgPool2d(${windowArgs(win, false)}, count_include_pad=False)`);
    return { ...plain(c, `PaddedAvgPool2d(kernel_size=${pyTuple([win.kh, win.kw])}, stride=${pyTuple([win.sh, win.sw])}, pads=${pyTuple(pads)})`), helpers: ['PaddedAvgPool2d'] };
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
  PaddedAvgPool2d: `class PaddedAvgPool2d(nn.Module):
    """Average pooling over Keras' 'same' padding with an odd total (extra row/column at the bottom/right),
    leaving the padding out of each average (count_include_pad=False, which nn.AvgPool2d only offers symmetric)."""

    def __init__(self, kernel_size, stride, pads):
        super().__init__()
        self.kernel_size, self.stride, self.pads = kernel_size, stride, pads

    def forward(self, x):
        total = F.avg_pool2d(F.pad(x, self.pads), self.kernel_size, self.stride)
        count = F.avg_pool2d(F.pad(torch.ones_like(x[:, :1]), self.pads), self.kernel_size, self.stride)
        return total / count`,
};
