import type { LayerBase } from './base';
import { convResult, convWindow, orDefault, type ConvFields } from './convolution';
import { activatedOutput, ownBuffers, backwardReadsOutput, inputGradient, windowRegion, type LayerDef } from './def';
import { activation, common, dilationRate, kernelSize, MAX_UNITS, padding, strides, useBias, type LayerSpec } from './fields';

export interface DepthwiseConv2dLayer extends LayerBase, ConvFields {
  readonly type: 'depthwiseConv2d';
  readonly depthMultiplier?: number;
}

const spec: LayerSpec = {
  doc: 'Depthwise 2-D convolution: each input channel is convolved with its own `depthMultiplier` kernels.',
  keras: 'DepthwiseConv2D',
  fields: {
    ...common,
    kernelSize,
    strides,
    padding,
    depthMultiplier: { kind: 'int', min: 1, max: MAX_UNITS, default: 1, doc: 'Output channels per input channel.' },
    dilationRate,
    useBias,
    activation,
  },
  required: ['kernelSize'],
  template: { type: 'depthwiseConv2d', kernelSize: 3, padding: 'same', activation: 'relu' },
};

export const depthwiseConv2d: LayerDef<DepthwiseConv2dLayer> = {
  spec,
  kind: 'convolution',
  shape(layer, [input], errors) {
    const conv = convWindow(spec, layer, input!, errors);
    if (!conv) return undefined;
    const outC = conv.c * orDefault(spec, layer.depthMultiplier, 'depthMultiplier');
    return convResult(conv.win, outC, conv.win.kh * conv.win.kw * outC);
  },
  params(f) {
    const w = f.window;
    const c = f.inputShape?.[2] ?? 0;
    const mult = orDefault(spec, f.layer.depthMultiplier, 'depthMultiplier');
    const remedy = `reduce ${f.name}'s depthMultiplier`;
    return [
      { name: 'kernel', shape: [w?.kh ?? 0, w?.kw ?? 0, c, mult], trainable: true, init: 'glorotUniform', layout: 'depthwise', remedy },
      ...(orDefault(spec, f.layer.useBias, 'useBias') ? [{ name: 'bias', shape: [c * mult], trainable: true, init: 'zeros', remedy } as const] : []),
    ];
  },
  activation: (layer) => orDefault(spec, layer.activation, 'activation'),
  buffers(f, n) {
    const act = orDefault(spec, f.layer.activation, 'activation');
    return ownBuffers([...activatedOutput(act, n * f.outputElements), inputGradient(f, n)], true, backwardReadsOutput(act));
  },
  inputRegion: windowRegion,
};
