import type { LayerBase } from './base';
import { convResult, convWindow, orDefault, type ConvFields } from './convolution';
import { activatedOutput, ownBuffers, backwardReadsOutput, inputGradient, windowRegion, type LayerDef, type LayerFacts } from './def';
import { activation, common, dilationRate, kernelSize, MAX_UNITS, padding, strides, useBias, type LayerSpec } from './fields';

export interface SeparableConv2dLayer extends LayerBase, ConvFields {
  readonly type: 'separableConv2d';
  readonly filters: number;
  readonly depthMultiplier?: number;
}

const spec: LayerSpec = {
  doc: 'Depthwise separable 2-D convolution: a depthwise convolution (`depthMultiplier` kernels per channel), then a 1×1 convolution to `filters` channels.',
  keras: 'SeparableConv2D',
  fields: {
    ...common,
    filters: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output channels of the pointwise step.' },
    kernelSize,
    strides,
    padding,
    dilationRate,
    depthMultiplier: { kind: 'int', min: 1, max: MAX_UNITS, default: 1, doc: 'Depthwise output channels per input channel.' },
    useBias,
    activation,
  },
  required: ['filters', 'kernelSize'],
  template: { type: 'separableConv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
};

/** Channels of the depthwise stage's output: inC·depthMultiplier. */
export function separableMiddleChannels(f: LayerFacts<SeparableConv2dLayer>): number {
  return (f.inputShape?.[2] ?? 0) * orDefault(spec, f.layer.depthMultiplier, 'depthMultiplier');
}

export const separableConv2d: LayerDef<SeparableConv2dLayer> = {
  spec,
  kind: 'convolution',
  shape(layer, [input], errors) {
    const conv = convWindow(spec, layer, input!, errors);
    if (!conv) return undefined;
    const mid = conv.c * orDefault(spec, layer.depthMultiplier, 'depthMultiplier');
    return convResult(conv.win, layer.filters, conv.win.kh * conv.win.kw * mid + mid * layer.filters);
  },
  params(f) {
    const w = f.window;
    const mid = separableMiddleChannels(f);
    const mult = orDefault(spec, f.layer.depthMultiplier, 'depthMultiplier');
    const remedy = `reduce ${f.name}'s filters`;
    // Keras' names and layouts (depthwise_kernel, pointwise_kernel, bias), both kernels Glorot-uniform.
    return [
      { name: 'depthwiseKernel', shape: [w?.kh ?? 0, w?.kw ?? 0, f.inputShape?.[2] ?? 0, mult], trainable: true, init: 'glorotUniform', layout: 'depthwise', remedy },
      { name: 'pointwiseKernel', shape: [1, 1, mid, f.layer.filters], trainable: true, init: 'glorotUniform', layout: 'conv', remedy },
      ...(orDefault(spec, f.layer.useBias, 'useBias') ? [{ name: 'bias', shape: [f.layer.filters], trainable: true, init: 'zeros', remedy } as const] : []),
    ];
  },
  activation: (layer) => orDefault(spec, layer.activation, 'activation'),
  buffers(f, n) {
    const act = orDefault(spec, f.layer.activation, 'activation');
    // The depthwise stage's output is the pointwise GEMM's input (kept for its weight gradient); its gradient is
    // backward scratch.
    const mid = n * (f.window ? f.window.outH * f.window.outW : 0) * separableMiddleChannels(f);
    return ownBuffers([...activatedOutput(act, n * f.outputElements), { key: 'mid', floats: mid, life: 'kept' }, { key: 'dmid', floats: mid, life: 'backward' }, inputGradient(f, n)], true, backwardReadsOutput(act));
  },
  inputRegion: windowRegion,
  gemms(f, n) {
    const w = f.window;
    if (!w) return { forward: [], backward: [] };
    // The pointwise stage: a GEMM over the depthwise output; its input gradient feeds the depthwise kernel's.
    const rows = n * w.outH * w.outW;
    const mid = separableMiddleChannels(f);
    const filters = f.layer.filters;
    return { forward: [[false, rows, filters, mid]], backward: [{ weightGradient: [true, mid, filters, rows] }, [false, rows, mid, filters]] };
  },
};
