import type { LayerBase } from './base';
import { convResult, convWindow, orDefault, type ConvFields } from './convolution';
import { activatedOutput, ownBuffers, backwardReadsOutput, inputGradient, windowRegion, type LayerDef, type LayerFacts } from './def';
import { activation, common, dilationRate, kernelSize, MAX_UNITS, padding, strides, useBias, type LayerSpec } from './fields';

export interface Conv2dLayer extends LayerBase, ConvFields {
  readonly type: 'conv2d';
  readonly filters: number;
}

const spec: LayerSpec = {
  doc: '2-D convolution: `filters` kernels slide over the height and width of the input.',
  keras: 'Conv2D',
  fields: {
    ...common,
    filters: { kind: 'int', min: 1, max: MAX_UNITS, doc: 'Number of output channels (kernels).' },
    kernelSize,
    strides,
    padding,
    dilationRate,
    useBias,
    activation,
  },
  required: ['filters', 'kernelSize'],
  template: { type: 'conv2d', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' },
};

/** 1×1, stride 1, unpadded: the input already is the patch matrix (the convolution is a plain GEMM). */
export function isPointwise(facts: LayerFacts<unknown>): boolean {
  const w = facts.window;
  return !!w && w.kh === 1 && w.kw === 1 && w.sh === 1 && w.sw === 1 && w.padTop + w.padLeft + w.padBottom + w.padRight === 0;
}

/** Patch length kh·kw·inC. */
const patch = (f: LayerFacts<Conv2dLayer>): number => (f.window ? f.window.kh * f.window.kw : 0) * (f.inputShape?.[2] ?? 0);

export const conv2d: LayerDef<Conv2dLayer> = {
  spec,
  kind: 'convolution',
  shape(layer, [input], errors) {
    const conv = convWindow(spec, layer, input!, errors);
    return conv && convResult(conv.win, layer.filters, conv.win.kh * conv.win.kw * conv.c * layer.filters);
  },
  params(f) {
    const w = f.window;
    const remedy = `reduce ${f.name}'s filters`;
    return [
      { name: 'kernel', shape: [w?.kh ?? 0, w?.kw ?? 0, f.inputShape?.[2] ?? 0, f.layer.filters], trainable: true, init: 'glorotUniform', layout: 'conv', remedy },
      ...(orDefault(spec, f.layer.useBias, 'useBias') ? [{ name: 'bias', shape: [f.layer.filters], trainable: true, init: 'zeros', remedy } as const] : []),
    ];
  },
  activation: (layer) => orDefault(spec, layer.activation, 'activation'),
  buffers(f, n) {
    const act = orDefault(spec, f.layer.activation, 'activation');
    const w = f.window;
    const pointwise = isPointwise(f);
    const patches = w && !pointwise ? n * w.outH * w.outW * patch(f) : 0;
    // The batch's patch matrix is kept for the weight gradient, then reused for the patches' gradient.
    return ownBuffers([...activatedOutput(act, n * f.outputElements), ...(patches ? [{ key: 'cols', floats: patches, life: 'kept' } as const] : []), inputGradient(f, n)], pointwise, backwardReadsOutput(act));
  },
  inputRegion: windowRegion,
  gemms(f, n) {
    const w = f.window;
    if (!w) return { forward: [], backward: [] };
    // One GEMM over the whole batch's patches (or the input itself for a pointwise conv).
    const rows = n * w.outH * w.outW;
    const k = patch(f);
    const filters = f.layer.filters;
    return { forward: [[false, rows, filters, k]], backward: [[true, k, filters, rows], { inputGradient: [false, rows, k, filters] }] };
  },
};
