// Breakdowns of convolution cells: conv2d (every input channel of the cell's group), depthwiseConv2d (its one input channel) and
// separableConv2d (every input channel and multiplier through the pointwise weights), re-added in float64.
import type { LayerInfo } from '../../model/analysis';
import type { Window2d } from '../../model/geometry';
import { groupsOf } from '../../model/layers/conv2d';
import { field, LEAKY_RELU_ALPHA } from '../../model/spec';
import type { Conv2dLayer, DepthwiseConv2dLayer, SeparableConv2dLayer } from '../../model/types';
import { activationStep } from './activation';
import type { CellBase } from './cellBase';
import type { ConvChannelTerm, ConvExplanation, SeparableChannelTerm, SeparableExplanation, TapWindow } from '../../model/explanation';
import { at, type SampleValues, type Value3 } from './values';

function tapWindow(g: Window2d, row: number, col: number): TapWindow {
  return { rowStart: row * g.sh - g.padTop, colStart: col * g.sw - g.padLeft, rowStep: g.dh, colStep: g.dw, rows: g.kh, cols: g.kw };
}

/** patch ⊙ kernel for one input channel; `weight(tap)` reads the kernel entry of tap ky·kw + kx. */
function channelTerm(x: Value3, win: TapWindow, ch: number, weight: (tap: number) => number): ConvChannelTerm {
  const patch: number[] = [];
  const inside: boolean[] = [];
  const kernel: number[] = [];
  const products: number[] = [];
  let partialSum = 0;
  for (let ky = 0; ky < win.rows; ky++) {
    const r = win.rowStart + ky * win.rowStep;
    for (let kx = 0; kx < win.cols; kx++) {
      const c = win.colStart + kx * win.colStep;
      const ok = r >= 0 && r < x.h && c >= 0 && c < x.w;
      const v = ok ? at(x, r, c, ch) : 0;
      const w = weight(ky * win.cols + kx);
      const p = v * w;
      patch.push(v);
      inside.push(ok);
      kernel.push(w);
      products.push(p);
      partialSum += p;
    }
  }
  return { inputChannel: ch, patch, inside, kernel, products, partialSum };
}

function biasOf(values: SampleValues, info: LayerInfo, useBias: boolean, index: number): number {
  return useBias ? values.param(info.name, 'bias')[index]! : 0;
}

/** The terms of output channel `co`, one per input channel it reads; `kernel` is the layer's. */
type ChannelTerms = (x: Value3, win: TapWindow, kernel: Float32Array, co: number) => ConvChannelTerm[];

/** conv2d: output channel co reads every input channel of its group (kernel [kh, kw, inC / groups, outC]; one
 *  group, all of them). */
export function explainConv2d(values: SampleValues, info: LayerInfo, base: CellBase, layer: Conv2dLayer): ConvExplanation {
  const outC = layer.filters;
  const groups = groupsOf(layer);
  return explainConvolution(values, info, base, layer, (x, win, kernel, co) => {
    const cg = x.c / groups;
    const first = Math.floor(co / (outC / groups)) * cg;
    const channels: ConvChannelTerm[] = [];
    for (let i = 0; i < cg; i++) channels.push(channelTerm(x, win, first + i, (t) => kernel[(t * cg + i) * outC + co]!));
    return channels;
  });
}

/** depthwiseConv2d: output channel co = ci·mult + m reads input channel ci only (kernel [kh, kw, inC, mult]). */
export function explainDepthwise(values: SampleValues, info: LayerInfo, base: CellBase, layer: DepthwiseConv2dLayer): ConvExplanation {
  const mult = field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
  return explainConvolution(values, info, base, layer, (x, win, kernel, co) => {
    const oc = x.c * mult;
    const ci = Math.floor(co / mult);
    return [channelTerm(x, win, ci, (t) => kernel[t * oc + co]!)];
  });
}

function explainConvolution(values: SampleValues, info: LayerInfo, base: CellBase, layer: Conv2dLayer | DepthwiseConv2dLayer, channelTerms: ChannelTerms): ConvExplanation {
  const g = info.window!;
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const win = tapWindow(g, row, col);
  const kernel = values.param(info.name, 'kernel');
  const useBias = field(layer.type, layer.useBias, 'useBias');
  const activation = field(layer.type, layer.activation, 'activation');
  // The terms of output channel `co`: the breakdown's own, and (for softmax) the other channels' sums.
  const terms = (co: number): { channels: ConvChannelTerm[]; pre: number } => {
    const channels = channelTerms(x, win, kernel, co);
    let pre = 0;
    for (const t of channels) pre += t.partialSum;
    return { channels, pre: pre + biasOf(values, info, useBias, co) };
  };
  const own = terms(channel);
  const outC = info.outputShape![2]!;
  const row_ = (): number[] => Array.from({ length: outC }, (_, co) => (co === channel ? own.pre : terms(co).pre));
  return {
    ...base,
    kind: 'conv',
    layerType: layer.type,
    window: win,
    channels: own.channels,
    bias: biasOf(values, info, useBias, channel),
    useBias,
    preActivation: own.pre,
    activation: activationStep(activation, LEAKY_RELU_ALPHA, own.pre, row_, channel),
  };
}

export function explainSeparable(values: SampleValues, info: LayerInfo, base: CellBase, layer: SeparableConv2dLayer): SeparableExplanation {
  const g = info.window!;
  const x = values.value(base.inputs[0]!.index);
  const { row, col, channel } = base.position;
  const win = tapWindow(g, row, col);
  const dk = values.param(info.name, 'depthwiseKernel');
  const pk = values.param(info.name, 'pointwiseKernel');
  const mult = field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
  const useBias = field('separableConv2d', layer.useBias, 'useBias');
  const activation = field('separableConv2d', layer.activation, 'activation');
  const filters = layer.filters;
  const midC = x.c * mult;
  // The depthwise sums do not depend on the filter: computed once, then weighted per filter.
  const depthwise: ConvChannelTerm[] = [];
  for (let ci = 0; ci < x.c; ci++) {
    for (let m = 0; m < mult; m++) depthwise.push(channelTerm(x, win, ci, (t) => dk[t * midC + ci * mult + m]!));
  }
  const pre = (f: number): number => {
    let s = 0;
    depthwise.forEach((d, j) => (s += d.partialSum * pk[j * filters + f]!));
    return s + biasOf(values, info, useBias, f);
  };
  const channels: SeparableChannelTerm[] = depthwise.map((d, j) => {
    const pointwiseWeight = pk[j * filters + channel]!;
    return { ...d, depthwiseChannel: j, pointwiseWeight, contribution: d.partialSum * pointwiseWeight };
  });
  let z = 0;
  for (const t of channels) z += t.contribution;
  const bias = biasOf(values, info, useBias, channel);
  z += bias;
  const row_ = (): number[] => Array.from({ length: filters }, (_, f) => (f === channel ? z : pre(f)));
  return {
    ...base,
    kind: 'separable',
    layerType: 'separableConv2d',
    window: win,
    depthMultiplier: mult,
    channels,
    bias,
    useBias,
    preActivation: z,
    activation: activationStep(activation, LEAKY_RELU_ALPHA, z, row_, channel),
  };
}
