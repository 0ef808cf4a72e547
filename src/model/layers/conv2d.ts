import type { LayerBase, ShapeError } from './base';
import { convResult, convWindow, orDefault, type ConvFields } from './convolution';
import { activatedOutput, ownBuffers, backwardReadsOutput, inputGradient, windowRegion, type GemmCall, type LayerDef, type LayerFacts } from './def';
import { packedWeightFloats } from './packedWeights';
import { usesWinograd, WINOGRAD_ELEMENTS, winogradBackwardFloats, winogradFilterFloats, winogradForwardFloats, winogradTiles, winogradWeightGradFloats } from './winograd';
import { activation, common, dilationRate, kernelSize, MAX_UNITS, padding, strides, useBias, type LayerSpec } from './fields';

export interface Conv2dLayer extends LayerBase, ConvFields {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly groups?: number;
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
    groups: {
      kind: 'int', min: 1, max: MAX_UNITS, default: 1,
      doc: 'Grouped convolution (ResNeXt, RegNet; as Keras\' Conv2D and PyTorch\'s nn.Conv2d groups): the input channels and the filters are split into `groups` groups and each filter reads only its group\'s channels, so the kernel is [kh, kw, channels / groups, filters]. Both must be divisible by it.',
    },
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

/** The layer's groups (1 unless grouped). */
export const groupsOf = (layer: Conv2dLayer): number => orDefault(spec, layer.groups, 'groups');

/** Patch length kh·kw·inC (all groups' patches side by side). */
const patch = (f: LayerFacts<Conv2dLayer>): number => (f.window ? f.window.kh * f.window.kw : 0) * (f.inputShape?.[2] ?? 0);

/** Input channels and filters must both split into whole groups (Keras' and PyTorch's rule), said as Keras says it. */
function checkGroups(layer: Conv2dLayer, inC: number, errors: ShapeError[]): boolean {
  const groups = groupsOf(layer);
  if (groups === 1) return true;
  const bad: string[] = [];
  if (inC % groups !== 0) bad.push(`the number of input channels must be evenly divisible by the number of groups: groups=${groups}, but the input has ${inC} channels`);
  if (layer.filters % groups !== 0) bad.push(`the number of filters must be evenly divisible by the number of groups: groups=${groups}, filters=${layer.filters}`);
  for (const message of bad) errors.push({ code: 'indivisible-groups', message, field: 'groups' });
  return bad.length === 0;
}

export const conv2d: LayerDef<Conv2dLayer> = {
  spec,
  kind: 'convolution',
  shape(layer, [input], errors) {
    const conv = convWindow(spec, layer, input!, errors);
    if (!conv || !checkGroups(layer, conv.c, errors)) return undefined;
    // Each filter reads its group's inC/groups channels.
    return convResult(conv.win, layer.filters, (conv.win.kh * conv.win.kw * conv.c * layer.filters) / groupsOf(layer));
  },
  params(f) {
    const w = f.window;
    const remedy = `reduce ${f.name}'s filters`;
    return [
      { name: 'kernel', shape: [w?.kh ?? 0, w?.kw ?? 0, (f.inputShape?.[2] ?? 0) / groupsOf(f.layer), f.layer.filters], trainable: true, init: 'glorotUniform', layout: 'conv', remedy },
      ...(orDefault(spec, f.layer.useBias, 'useBias') ? [{ name: 'bias', shape: [f.layer.filters], trainable: true, init: 'zeros', remedy } as const] : []),
    ];
  },
  activation: (layer) => orDefault(spec, layer.activation, 'activation'),
  buffers(f, n) {
    const act = orDefault(spec, f.layer.activation, 'activation');
    const w = f.window;
    const pointwise = isPointwise(f);
    const patches = w && !pointwise ? n * w.outH * w.outW * patch(f) : 0;
    const inC = f.inputShape?.[2] ?? 0;
    // Winograd (./winograd): its tiles and the filters' transform, kept across passes (inference recomputes it only
    // when the kernel changed).
    if (w && usesWinograd(w, groupsOf(f.layer), inC, f.layer.filters)) {
      // No patches at all: backward's buffer holds the weight gradient's tiles, then the input gradient's.
      const back = Math.max(winogradWeightGradFloats(w, n, inC, f.layer.filters), winogradBackwardFloats(w, n, inC, f.layer.filters));
      return ownBuffers([
        ...activatedOutput(act, n * f.outputElements),
        // Kept: the weight gradient reads the input's tiles the forward pass made.
        { key: 'wino', floats: winogradForwardFloats(w, n, inC, f.layer.filters), life: 'kept' },
        { key: 'wfilter', floats: winogradFilterFloats(inC, f.layer.filters), life: 'step' },
        { key: 'cols', floats: back, life: 'backward' },
        inputGradient(f, n),
      ], true, backwardReadsOutput(act));
    }
    // The batch's patch matrix is kept for the weight gradient, then reused for the patches' gradient. A pointwise
    // conv's GEMM reads the kernel packed once per version (engine/kernels/packedWeights.ts), not on every call.
    const packed = pointwise && groupsOf(f.layer) === 1 ? [{ key: 'wpacked', floats: packedWeightFloats(inC, f.layer.filters), life: 'step' } as const] : [];
    return ownBuffers([...activatedOutput(act, n * f.outputElements), ...(patches ? [{ key: 'cols', floats: patches, life: 'kept' } as const] : []), ...packed, inputGradient(f, n)], pointwise, backwardReadsOutput(act));
  },
  inputRegion: windowRegion,
  gemms(f, n) {
    const w = f.window;
    if (!w) return { forward: [], backward: [] };
    // One GEMM over the whole batch's patches (or the input itself for a pointwise conv), per group.
    const rows = n * w.outH * w.outW;
    const groups = groupsOf(f.layer);
    const k = patch(f) / groups;
    const filters = f.layer.filters / groups;
    const each = <T>(call: T, times = groups): T[] => Array.from({ length: times }, () => call);
    const inC = f.inputShape?.[2] ?? 0;
    if (usesWinograd(w, groups, inC, f.layer.filters)) {
      // One GEMM per transform element over the tiles: the output's forward, the input's for dx.
      const tiles = n * winogradTiles(w.outH, w.outW), inTiles = n * winogradTiles(w.inH, w.inW);
      return {
        forward: each<GemmCall>([false, tiles, filters, inC], WINOGRAD_ELEMENTS),
        backward: [
          ...each({ weightGradient: [true, inC, filters, tiles] as GemmCall }, WINOGRAD_ELEMENTS),
          ...each({ inputGradient: [false, inTiles, inC, filters] as GemmCall }, WINOGRAD_ELEMENTS),
        ],
      };
    }
    return {
      forward: each<GemmCall>([false, rows, filters, k]),
      backward: [...each({ weightGradient: [true, k, filters, rows] as GemmCall }), ...each({ inputGradient: [false, rows, k, filters] as GemmCall })],
    };
  },
};
