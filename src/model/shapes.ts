// The one shape function: per layer, input → output shape, parameters, multiply-adds and activation size,
// or an error with exact numbers. Designer, hover, inlay hints, diagnostics, CLI and engine all read it.
import type { InvalidLayerInfo, LayerInfo, LayerInput, ModelAnalysis, ParamCount, ShapeError } from './analysis';
import { isWindowError, window2d, type Window2d } from './geometry';
import { field } from './spec';
import { suggest } from './suggest';
import { MODEL_INPUT, type Conv2dLayer, type DepthwiseConv2dLayer, type Layer, type Model, type Padding2d, type SeparableConv2dLayer, type Shape } from './types';

/** Beyond this many values in one activation, a model cannot be run in this engine (Float32Array limit). */
export const MAX_ACTIVATION_ELEMENTS = 2 ** 31 - 1;

export function inferShapes(model: Model): ModelAnalysis {
  return analyze(model.input.shape, model.layers);
}

interface Step {
  outputShape?: Shape;
  window?: Window2d;
  params: ParamCount;
  macs: number;
  errors: ShapeError[];
}

const NO_PARAMS: ParamCount = { trainable: 0, nonTrainable: 0 };

/** What the text says of a layer's name and inputs, also when the layer itself failed validation. */
export interface LayerRefs {
  readonly name?: string;
  /**
   * `inputs` as the text has it: an element that is not a usable name is undefined, and a value that is not a usable
   * list is []. Either way the layer's inputs are unknown (the validator has said why), not the previous layer.
   */
  readonly inputs?: readonly (string | undefined)[];
}

/**
 * Layers that failed validation are `undefined`: their output is unknown, but later layers are still inferred where
 * they can be. `refs` gives the names and inputs of such layers (read from the text), so references to them resolve.
 * Layers run in file order; each reads its `inputs` (earlier layers by name, or "input"), else the previous layer.
 */
export function analyze(inputShape: Shape, layers: readonly (Layer | undefined)[], refs: readonly (LayerRefs | undefined)[] = []): ModelAnalysis {
  const graph = resolveGraph(layers, refs);
  const entries: (LayerInfo | InvalidLayerInfo)[] = [];
  const infos: LayerInfo[] = [];
  const outputs: (Shape | undefined)[] = [];
  let params = 0;
  let trainable = 0;
  let macs = 0;
  let activations = product(inputShape);
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index];
    const node = graph[index]!;
    const inputs: LayerInput[] = node.inputs.map((ref) => {
      const shape = ref.index === undefined ? undefined : ref.index < 0 ? inputShape : outputs[ref.index];
      return { name: ref.name, ...(ref.index !== undefined ? { index: ref.index } : {}), ...(shape ? { shape } : {}) };
    });
    if (!layer) {
      outputs.push(undefined);
      entries.push({ index, name: node.name, invalid: true, inputs, consumers: node.consumers, errors: node.errors });
      continue;
    }
    const step: Step = node.unknownInputs ? { params: NO_PARAMS, macs: 0, errors: [] } : inferLayer(layer, inputs);
    step.errors.unshift(...node.errors);
    const out = step.outputShape;
    const outputElements = out ? product(out) : 0;
    if (out && outputElements > MAX_ACTIVATION_ELEMENTS) {
      step.errors.push({ code: 'too-large', message: `output ${formatDims(out)} has ${outputElements.toExponential(2)} values per sample: too large to run` });
    }
    const first = inputs[0]?.shape;
    const info: LayerInfo = {
      index,
      type: layer.type,
      name: node.name,
      layer,
      inputs,
      ...(first ? { inputShape: first } : {}),
      ...(out ? { outputShape: out } : {}),
      ...(step.window ? { window: step.window } : {}),
      params: step.params,
      macs: step.macs,
      outputElements,
      consumers: node.consumers,
      errors: step.errors,
    };
    infos.push(info);
    entries.push(info);
    params += step.params.trainable + step.params.nonTrainable;
    trainable += step.params.trainable;
    macs += step.macs;
    activations += outputElements;
    outputs.push(out);
  }
  const outputShape = layers.length ? outputs[layers.length - 1] : inputShape;
  // Every shape known (an unreadable `inputs` leaves one unknown without a shape error) and no errors.
  const ok = infos.length === layers.length && infos.every((i) => i.outputShape !== undefined && i.errors.every((e) => e.severity === 'warning'));
  return {
    inputShape,
    layers: infos,
    entries,
    ...(outputShape ? { outputShape } : {}),
    totals: {
      params,
      trainable,
      nonTrainable: params - trainable,
      weightBytes: params * 4,
      macs,
      activationBytesPerSample: activations * 4,
    },
    ok,
  };
}

interface GraphNode {
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly index?: number }[];
  readonly consumers: number[];
  /** Naming and reference problems of this layer. */
  readonly errors: ShapeError[];
  /** `inputs` is in the text but not usable: the layer's output is unknown. */
  readonly unknownInputs: boolean;
}

/** Names, resolved inputs, consumers, and the problems of names and references, for every layer. */
function resolveGraph(layers: readonly (Layer | undefined)[], refs: readonly (LayerRefs | undefined)[]): GraphNode[] {
  const explicit = layers.map((l, i) => l?.name ?? refs[i]?.name);
  const names = layers.map((l, i) => explicit[i] ?? `${l?.type ?? 'layer'}_${i}`);
  const byName = new Map<string, number>();
  const nodes: GraphNode[] = layers.map((_, i) => ({ name: names[i]!, inputs: [], consumers: [], errors: [], unknownInputs: false }));
  // The first unnamed layer with each default name, so a clash is found without a scan per layer (models may be huge).
  const defaultNamed = new Map<string, number>();
  names.forEach((n, i) => {
    if (!byName.has(n)) byName.set(n, i);
    if (explicit[i] === undefined && !defaultNamed.has(n)) defaultNamed.set(n, i);
  });
  for (let i = 0; i < layers.length; i++) {
    const own = explicit[i];
    if (own === undefined) continue;
    const errors = nodes[i]!.errors;
    const first = byName.get(own)!;
    if (own === MODEL_INPUT) errors.push({ code: 'duplicate-name', field: 'name', message: `the name "${MODEL_INPUT}" is the model input's: choose another` });
    else if (first !== i) {
      const theirs = explicit[first] === undefined ? `the default name of layer ${first}` : `already the name of layer ${first}`;
      errors.push({ code: 'duplicate-name', field: 'name', message: `"${own}" is ${theirs}: names must be unique (they name the weights)` });
    } else {
      // An unnamed layer later in the file whose default name this one took.
      const clash = defaultNamed.get(own);
      if (clash !== undefined) errors.push({ code: 'duplicate-name', field: 'name', message: `"${own}" is also the default name of layer ${clash}: choose another (names name the weights)` });
    }
  }
  for (let i = 0; i < layers.length; i++) {
    const given = layers[i]?.inputs ?? refs[i]?.inputs;
    const node = nodes[i] as { inputs: GraphNode['inputs']; unknownInputs: boolean };
    if (given === undefined) {
      node.inputs = [i === 0 ? { name: MODEL_INPUT, index: -1 } : { name: names[i - 1]!, index: i - 1 }];
      continue;
    }
    node.unknownInputs = given.length === 0;
    // Unusable elements are left out (the validator reported them); the others keep their element index for ranges.
    node.inputs = given.flatMap((ref, element) => {
      if (ref === undefined) {
        node.unknownInputs = true;
        return [];
      }
      const index = resolveReference(ref, i, element, byName, explicit, names, nodes[i]!.errors);
      return [{ name: ref, ...(index !== undefined ? { index } : {}) }];
    });
  }
  for (let i = 0; i < layers.length; i++) {
    for (const ref of nodes[i]!.inputs) {
      const j = ref.index;
      if (j !== undefined && j >= 0 && !nodes[j]!.consumers.includes(i)) nodes[j]!.consumers.push(i);
    }
  }
  // With a reference unresolved the graph is not known: dead-branch warnings would only add noise.
  if (nodes.every((n) => !n.unknownInputs && n.inputs.every((r) => r.index !== undefined))) markDeadBranches(nodes);
  return nodes;
}

function resolveReference(
  ref: string,
  at: number,
  element: number,
  byName: ReadonlyMap<string, number>,
  explicit: readonly (string | undefined)[],
  names: readonly string[],
  errors: ShapeError[],
): number | undefined {
  const fail = (message: string, suggestion?: string): undefined => {
    errors.push({ code: 'bad-reference', field: 'inputs', element, message, ...(suggestion ? { suggestion } : {}) });
    return undefined;
  };
  if (ref === MODEL_INPUT) return -1;
  const j = byName.get(ref);
  if (j === undefined) {
    const earlier = [MODEL_INPUT, ...names.slice(0, at)];
    const hint = suggest(ref, earlier);
    const known = at === 0 ? `the first layer can only take "${MODEL_INPUT}"` : `earlier layers: ${listNames(earlier)}`;
    return fail(`no layer is named ${JSON.stringify(ref)}${hint ? `; did you mean "${hint}"?` : ` (${known})`}`, hint);
  }
  if (j === at) return fail(`a layer cannot take its own output ("${ref}")`);
  if (j > at) return fail(`"${ref}" is layer ${j}, after this one (${at}): a layer's inputs must come earlier in the file`);
  if (explicit[j] === undefined) {
    return fail(`"${ref}" is only layer ${j}'s default name: give that layer "name": "${ref}" to reference it`);
  }
  return j;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(-6).map((n) => `"${n}"`);
  return names.length > 6 ? `…, ${shown.join(', ')}` : shown.join(', ');
}

/** Layers from which the last layer (the model's output) cannot be reached get a warning. */
function markDeadBranches(nodes: readonly GraphNode[]): void {
  const last = nodes.length - 1;
  if (last < 0) return;
  const reaches = new Array<boolean>(nodes.length).fill(false);
  reaches[last] = true;
  for (let i = last; i >= 0; i--) {
    if (!reaches[i]) continue;
    for (const ref of nodes[i]!.inputs) if (ref.index !== undefined && ref.index >= 0) reaches[ref.index] = true;
  }
  for (let i = 0; i < last; i++) {
    if (reaches[i]) continue;
    const n = nodes[i]!;
    const why = n.consumers.length === 0 ? 'no layer takes its output' : 'the layers that take its output do not reach it either';
    n.errors.push({ code: 'dead-branch', severity: 'warning', message: `"${n.name}" does not contribute to the model's output (the last layer): ${why}` });
  }
}

function inferLayer(layer: Layer, inputs: readonly LayerInput[]): Step {
  const errors: ShapeError[] = [];
  const step = (outputShape: Shape | undefined, p: ParamCount = NO_PARAMS, macs = 0, window?: Window2d): Step => ({
    ...(outputShape ? { outputShape } : {}),
    ...(window ? { window } : {}),
    params: p,
    macs,
    errors,
  });
  if (layer.type === 'add' || layer.type === 'concatenate') return inferMerge(layer.type, inputs, layer.inputs !== undefined, step, errors);
  if (inputs.length !== 1) {
    errors.push({ code: 'input-count', field: 'inputs', message: `${layer.type} takes one input, but "inputs" names ${inputs.length}: merge them first with an add or concatenate layer` });
    return step(undefined);
  }
  const input = inputs[0]!.shape;
  if (layer.type === 'dense') {
    const useBias = field('dense', layer.useBias, 'useBias');
    if (!input) return step([layer.units]);
    const features = product(input);
    if (input.length !== 1) {
      errors.push({ code: 'needs-flatten', message: `dense needs a flat input, but gets ${formatDims(input)}: add a flatten or global pooling before it` });
    }
    return step([layer.units], { trainable: features * layer.units + (useBias ? layer.units : 0), nonTrainable: 0 }, features * layer.units);
  }
  if (!input) return step(undefined);
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseConv2d': {
      const conv = convWindow(layer, input, errors);
      if (!conv) return step(undefined);
      const { win, c } = conv;
      const bias = field(layer.type, layer.useBias, 'useBias');
      const taps = win.kh * win.kw;
      const outC = layer.type === 'conv2d' ? layer.filters : c * field('depthwiseConv2d', layer.depthMultiplier, 'depthMultiplier');
      const weights = layer.type === 'conv2d' ? taps * c * outC : taps * outC;
      const macsPerPixel = layer.type === 'conv2d' ? taps * c * outC : taps * outC;
      return step(
        [win.outH, win.outW, outC],
        { trainable: weights + (bias ? outC : 0), nonTrainable: 0 },
        win.outH * win.outW * macsPerPixel,
        win,
      );
    }
    case 'separableConv2d': {
      const conv = convWindow(layer, input, errors);
      if (!conv) return step(undefined);
      const { win, c } = conv;
      const mid = c * field('separableConv2d', layer.depthMultiplier, 'depthMultiplier');
      const depthwise = win.kh * win.kw * mid;
      const pointwise = mid * layer.filters;
      const bias = field(layer.type, layer.useBias, 'useBias') ? layer.filters : 0;
      return step([win.outH, win.outW, layer.filters], { trainable: depthwise + pointwise + bias, nonTrainable: 0 }, win.outH * win.outW * (depthwise + pointwise), win);
    }
    case 'zeroPadding2D': {
      const spatial = needsSpatial(layer.type, input, errors);
      if (!spatial) return step(undefined);
      const [[top, bottom], [left, right]] = paddingSides(field('zeroPadding2D', layer.padding, 'padding'));
      return step([spatial[0] + top + bottom, spatial[1] + left + right, spatial[2]]);
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const spatial = needsSpatial(layer.type, input, errors);
      if (!spatial) return step(undefined);
      const [h, w, c] = spatial;
      const pool = field(layer.type, layer.poolSize, 'poolSize');
      // Keras: strides default to the pool size.
      const win = window2d(h, w, pool, layer.strides ?? pool, 1, field(layer.type, layer.padding, 'padding'), 'poolSize');
      if (isWindowError(win)) {
        errors.push({ code: 'kernel-too-large', message: win.error.replace(/^kernel/, 'pool window'), field: win.field });
        return step(undefined);
      }
      return step([win.outH, win.outW, c], NO_PARAMS, 0, win);
    }
    case 'globalAvgPool2d':
    case 'globalMaxPool2d': {
      const spatial = needsSpatial(layer.type, input, errors);
      return step(spatial ? [spatial[2]] : undefined);
    }
    case 'flatten':
      return step([product(input)]);
    case 'batchNorm': {
      const channels = input[input.length - 1];
      return step(input, { trainable: 2 * channels, nonTrainable: 2 * channels }, product(input));
    }
    case 'dropout':
    case 'relu':
    case 'relu6':
    case 'leakyRelu':
    case 'sigmoid':
    case 'tanh':
    case 'swish':
    case 'softmax':
      return step(input);
  }
}

/** zeroPadding2D's padding as [[top, bottom], [left, right]]. */
export function paddingSides(p: Padding2d): readonly [readonly [number, number], readonly [number, number]] {
  if (typeof p === 'number') return [[p, p], [p, p]];
  const [a, b] = p;
  if (typeof a === 'number' && typeof b === 'number') return [[a, a], [b, b]];
  return [a as readonly [number, number], b as readonly [number, number]];
}

/** add: equal shapes; concatenate: equal but for the last axis, which adds up. Both need two or more inputs. */
function inferMerge(
  type: 'add' | 'concatenate',
  inputs: readonly LayerInput[],
  listed: boolean,
  step: (out: Shape | undefined) => Step,
  errors: ShapeError[],
): Step {
  if (inputs.length < 2) {
    const how = listed ? `"inputs" names only ${inputs.length}` : 'list them in "inputs", e.g. ["block1_out", "conv2d_4"]';
    errors.push({ code: 'input-count', ...(listed ? { field: 'inputs' } : {}), message: `${type} needs two or more inputs: ${how}` });
    return step(undefined);
  }
  const known = inputs.filter((i) => i.shape);
  if (known.length < inputs.length) return step(undefined);
  const [first, ...rest] = inputs as readonly (LayerInput & { shape: Shape })[];
  for (let k = 0; k < rest.length; k++) {
    const other = rest[k]!;
    const element = k + 1;
    const a = `"${other.name}" gives ${formatDims(other.shape)} but "${first!.name}" gives ${formatDims(first!.shape)}`;
    if (type === 'add') {
      if (!sameDims(other.shape, first!.shape)) {
        errors.push({ code: 'shape-mismatch', field: 'inputs', element, message: `add needs equal shapes: ${a}` });
      }
    } else if (other.shape.length !== first!.shape.length || !sameDims(other.shape.slice(0, -1), first!.shape.slice(0, -1))) {
      const what = first!.shape.length === 3 ? 'equal height and width' : 'inputs of equal shape but for the last axis';
      errors.push({ code: 'shape-mismatch', field: 'inputs', element, message: `concatenate needs ${what}: ${a}` });
    }
  }
  if (errors.length) return step(undefined);
  if (type === 'add') return step(first!.shape);
  const last = first!.shape.length - 1;
  let channels = 0;
  for (const i of inputs) channels += i.shape![last]!;
  return step([...first!.shape.slice(0, last), channels]);
}

function sameDims(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The sliding window of a convolution over its input, and the input's channels; undefined after reporting why not. */
function convWindow(layer: Conv2dLayer | DepthwiseConv2dLayer | SeparableConv2dLayer, input: Shape, errors: ShapeError[]): { win: Window2d; c: number } | undefined {
  const spatial = needsSpatial(layer.type, input, errors);
  if (!spatial) return undefined;
  const [h, w, c] = spatial;
  const win = window2d(h, w, layer.kernelSize, field(layer.type, layer.strides, 'strides'), field(layer.type, layer.dilationRate, 'dilationRate'), field(layer.type, layer.padding, 'padding'));
  if (isWindowError(win)) {
    errors.push({ code: 'kernel-too-large', message: win.error, field: win.field });
    return undefined;
  }
  return { win, c };
}

function needsSpatial(type: string, input: Shape, errors: ShapeError[]): readonly [number, number, number] | undefined {
  if (input.length === 3) return input as readonly [number, number, number];
  errors.push({ code: 'needs-spatial', message: `${type} needs a [height, width, channels] input, but gets ${formatDims(input)}` });
  return undefined;
}

function product(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** 28×28×6 — the notation of every view. */
export function formatDims(shape: Shape): string {
  return shape.join('×');
}
