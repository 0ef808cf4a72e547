// Each of our layers as PyTorch: the module built in __init__ (if any), the forward expression, and where its
// weights go. NCHW inside; Keras' padding (the extra row/column of an odd 'same' total at the bottom/right) is
// explicit F.pad where PyTorch's symmetric padding cannot say it.
import { assertNever } from '../../model/assertNever';
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { paddingSides } from '../../model/shapes';
import { field } from '../../model/spec';
import type { ActivationName } from '../../model/types';
import { PARAM } from '../onnx/params';
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

export type Helper = 'SeparableConv2d' | 'PaddedAvgPool2d';

/** The activation as a function call on `x` (leakyRelu's slope given). */
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

const convRow = (attr: string, name: string, param: string, theirs: string, shape: readonly number[]): WeightRow => ({ ours: `${name}.${param}`, theirs: `${attr}.${theirs}`, layout: 'conv', shape });
const sameRow = (attr: string, name: string, param: string, theirs: string, shape: readonly number[]): WeightRow => ({ ours: `${name}.${param}`, theirs: `${attr}.${theirs}`, layout: 'same', shape });

export function torchLayer(info: LayerInfo, attr: string): TorchLayer {
  const layer = info.layer;
  const name = info.name;
  const inShape = info.inputShape!;
  const spatial = inShape.length === 3;
  const self = ([x]: readonly string[]): string => `self.${attr}(${x})`;
  const plain = (module: string | undefined, forward: (inputs: readonly string[]) => string = self): TorchLayer => ({ ...(module ? { module } : {}), forward, activation: 'linear', weights: [], helpers: [] });
  switch (layer.type) {
    case 'conv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const bias = field('conv2d', layer.useBias, 'useBias');
      return {
        module: `nn.Conv2d(${cin}, ${layer.filters}, ${windowArgs(win, true)}, bias=${bias ? 'True' : 'False'})`,
        forward: windowed(attr, win),
        activation: field('conv2d', layer.activation, 'activation'),
        weights: [convRow(attr, name, PARAM.kernel, 'weight', [win.kh, win.kw, cin, layer.filters]), ...(bias ? [sameRow(attr, name, PARAM.bias, 'bias', [layer.filters])] : [])],
        helpers: [],
      };
    }
    case 'depthwiseConv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const mult = field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
      const bias = field('depthwiseConv2d', layer.useBias, 'useBias');
      return {
        // groups = in channels: output channel c·mult + m reads input channel c, as Keras' depthwise kernel [kh, kw, c, m].
        module: `nn.Conv2d(${cin}, ${cin * mult}, ${windowArgs(win, true)}, groups=${cin}, bias=${bias ? 'True' : 'False'})`,
        forward: windowed(attr, win),
        activation: field('depthwiseConv2d', layer.activation, 'activation'),
        weights: [convRow(attr, name, PARAM.kernel, 'weight', [win.kh, win.kw, cin, mult]), ...(bias ? [sameRow(attr, name, PARAM.bias, 'bias', [cin * mult])] : [])],
        helpers: [],
      };
    }
    case 'separableConv2d': {
      const win = info.window!;
      const cin = inShape[2]!;
      const mult = field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      const bias = field('separableConv2d', layer.useBias, 'useBias');
      return {
        module: `SeparableConv2d(${cin}, ${layer.filters}, ${windowArgs(win, true)}, depth_multiplier=${mult}, bias=${bias ? 'True' : 'False'})`,
        forward: windowed(attr, win),
        activation: field('separableConv2d', layer.activation, 'activation'),
        weights: [
          convRow(attr, name, PARAM.depthwiseKernel, 'depthwise.weight', [win.kh, win.kw, cin, mult]),
          convRow(attr, name, PARAM.pointwiseKernel, 'pointwise.weight', [1, 1, cin * mult, layer.filters]),
          ...(bias ? [sameRow(attr, name, PARAM.bias, 'pointwise.bias', [layer.filters])] : []),
        ],
        helpers: ['SeparableConv2d'],
      };
    }
    case 'dense': {
      const features = inShape[0]!;
      const bias = field('dense', layer.useBias, 'useBias');
      return {
        module: `nn.Linear(${features}, ${layer.units}, bias=${bias ? 'True' : 'False'})`,
        forward: self,
        activation: field('dense', layer.activation, 'activation'),
        weights: [
          { ours: `${name}.${PARAM.kernel}`, theirs: `${attr}.weight`, layout: 'dense', shape: [features, layer.units] },
          ...(bias ? [sameRow(attr, name, PARAM.bias, 'bias', [layer.units])] : []),
        ],
        helpers: [],
      };
    }
    case 'batchNorm': {
      const c = inShape[inShape.length - 1]!;
      const eps = field('batchNorm', layer.epsilon, 'epsilon');
      const momentum = field('batchNorm', layer.momentum, 'momentum');
      // PyTorch's momentum weighs the new batch, Keras' the running value: 1 − ours (rounded off float noise).
      const torchMomentum = Number((1 - momentum).toPrecision(12));
      const rows = [
        sameRow(attr, name, PARAM.gamma, 'weight', [c]),
        sameRow(attr, name, PARAM.beta, 'bias', [c]),
        sameRow(attr, name, PARAM.movingMean, 'running_mean', [c]),
        sameRow(attr, name, PARAM.movingVariance, 'running_var', [c]),
      ];
      return { module: `nn.BatchNorm${spatial ? '2d' : '1d'}(${c}, eps=${pyNumber(eps)}, momentum=${pyNumber(torchMomentum)})`, forward: self, activation: 'linear', weights: rows, helpers: [] };
    }
    case 'maxPool2d': {
      const win = info.window!;
      // Padding never wins a max: pad with −∞ where PyTorch's symmetric padding cannot express Keras' 'same'.
      return plain(`nn.MaxPool2d(${windowArgs(win, false)})`, windowed(attr, win, "float('-inf')"));
    }
    case 'avgPool2d': {
      const win = info.window!;
      const pads = asymmetricPads(win);
      // Keras leaves the padding out of the average: count_include_pad=False, or the helper for an odd 'same' total.
      if (!pads) return plain(`nn.AvgPool2d(${windowArgs(win, false)}, count_include_pad=False)`);
      return { ...plain(`PaddedAvgPool2d(kernel_size=${pyTuple([win.kh, win.kw])}, stride=${pyTuple([win.sh, win.sw])}, pads=${pyTuple(pads)})`), helpers: ['PaddedAvgPool2d'] };
    }
    case 'globalAvgPool2d':
      return plain(undefined, ([x]) => `${x}.mean(dim=(2, 3))`);
    case 'globalMaxPool2d':
      return plain(undefined, ([x]) => `${x}.amax(dim=(2, 3))`);
    case 'flatten':
      // Our (Keras') features run height, width, channels: back to NHWC before flattening, so dense kernels load as they are.
      return plain(undefined, ([x]) => (spatial ? `${x}.permute(0, 2, 3, 1).flatten(1)` : x!));
    case 'dropout':
      return plain(`nn.Dropout(${pyNumber(layer.rate)})`);
    case 'zeroPadding2D': {
      const [[top, bottom], [left, right]] = paddingSides(field('zeroPadding2D', layer.padding, 'padding'));
      return plain(`nn.ZeroPad2d(${pyTuple([left, right, top, bottom])})`);
    }
    case 'add':
      return plain(undefined, (xs) => xs.join(' + '));
    case 'concatenate':
      // Channels are dim 1 of NCHW, and features dim 1 of [N, features].
      return plain(undefined, (xs) => `torch.cat([${xs.join(', ')}], dim=1)`);
    case 'relu':
      return plain('nn.ReLU()');
    case 'relu6':
      return plain('nn.ReLU6()');
    case 'leakyRelu':
      return plain(`nn.LeakyReLU(${pyNumber(field('leakyRelu', layer.alpha, 'alpha'))})`);
    case 'sigmoid':
      return plain('nn.Sigmoid()');
    case 'tanh':
      return plain('nn.Tanh()');
    case 'swish':
      return plain('nn.SiLU()');
    case 'softmax':
      return plain('nn.Softmax(dim=1)');
    default:
      return assertNever(layer, 'layer type');
  }
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
