// The one shape function: per layer, input → output shape, parameters, multiply-adds and activation size,
// or an error with exact numbers. Designer, hover, inlay hints, diagnostics, CLI and engine all read it.
import type { InvalidLayerInfo, LayerInfo, LayerInput, ModelAnalysis, ParamCount, ShapeError } from './analysis';
import type { Window2d } from './geometry';
import { defOf, paramDefs } from './layers';
import { defaultLayerName, formatDims, implicitInput, isFrozen, product } from './layers/base';
import { suggest } from './suggest';
import { MODEL_INPUT, type Layer, type Model, type Shape } from './types';

export { formatDims } from './layers/base';
export { paddingSides } from './layers/zeroPadding2d';

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
  /** The type as the text has it, for the default name (a layer that failed validation keeps `<type>_<index>`). */
  readonly type?: string;
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
    const step: Step = node.unknownInputs ? { params: NO_PARAMS, macs: 0, errors: [] } : inferLayer(layer, inputs, index);
    step.errors.unshift(...node.errors);
    const out = step.outputShape;
    const outputElements = checkSize(step);
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

/** The output's values per sample; a 'too-large' error when the engine cannot hold them. */
function checkSize(step: Step): number {
  const out = step.outputShape;
  const outputElements = out ? product(out) : 0;
  if (out && outputElements > MAX_ACTIVATION_ELEMENTS) {
    step.errors.push({ code: 'too-large', message: `output ${formatDims(out)} has ${outputElements.toExponential(2)} values per sample: too large to run` });
  }
  return outputElements;
}

/**
 * One layer as analyze() sees it in a model, for inputs of known shapes (`index` is its position, for its default
 * name). For builders that add layers one at a time (the ONNX importer): analysing the whole model per added layer
 * would take quadratic time.
 */
export function analyzeLayer(layer: Layer, inputs: readonly LayerInput[], index: number): LayerInfo {
  const step = inferLayer(layer, inputs, index);
  const outputElements = checkSize(step);
  const first = inputs[0]?.shape;
  return {
    index, type: layer.type, name: layer.name ?? defaultLayerName(layer.type, index), layer, inputs,
    ...(first ? { inputShape: first } : {}),
    ...(step.outputShape ? { outputShape: step.outputShape } : {}),
    ...(step.window ? { window: step.window } : {}),
    params: step.params, macs: step.macs, outputElements, consumers: [], errors: step.errors,
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
  const names = layers.map((l, i) => explicit[i] ?? defaultLayerName(l?.type ?? refs[i]?.type ?? 'layer', i));
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
      const previous = implicitInput(i);
      node.inputs = [{ name: previous < 0 ? MODEL_INPUT : names[previous]!, index: previous }];
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

/** A learningRateMultiplier that has no effect, or whose effect "trainable": false gets without the gradient work. */
function learningRateWarnings(layer: Layer, trainable: number, params: number, errors: ShapeError[]): void {
  const m = layer.learningRateMultiplier;
  if (m === undefined) return;
  const field = 'learningRateMultiplier';
  if (params > 0 && isFrozen(layer)) {
    errors.push({ code: 'no-effect', field, severity: 'warning', message: 'learningRateMultiplier has no effect: the layer is frozen ("trainable": false)' });
  } else if (trainable === 0) {
    errors.push({ code: 'no-effect', field, severity: 'warning', message: `learningRateMultiplier has no effect: ${layer.type} has no parameters to train` });
  } else if (m === 0) {
    errors.push({
      code: 'zero-learning-rate', field, severity: 'warning',
      message: 'learningRateMultiplier 0 leaves the parameters unchanged but still computes their gradients: "trainable": false freezes them without that work',
    });
  }
}

function inferLayer(layer: Layer, inputs: readonly LayerInput[], index: number): Step {
  const errors: ShapeError[] = [];
  const def = defOf(layer);
  const unknown: Step = { params: NO_PARAMS, macs: 0, errors };
  if (def.inputs === 'many') {
    if (inputs.length < 2) {
      const listed = layer.inputs !== undefined;
      const how = listed ? `"inputs" names only ${inputs.length}` : 'list them in "inputs", e.g. ["block1_out", "conv2d_4"]';
      errors.push({ code: 'input-count', ...(listed ? { field: 'inputs' } : {}), message: `${layer.type} needs two or more inputs: ${how}` });
      return unknown;
    }
  } else if (inputs.length !== 1) {
    errors.push({ code: 'input-count', field: 'inputs', message: `${layer.type} takes one input, but "inputs" names ${inputs.length}: merge them first with an add or concatenate layer` });
    return unknown;
  }
  const shapes = inputs.map((i) => i.shape);
  if (!shapes.every((s): s is Shape => s !== undefined)) {
    const output = def.shapeWithoutInput?.(layer);
    return output ? { ...unknown, outputShape: output } : unknown;
  }
  const result = def.shape(layer, shapes, errors, inputs.map((i) => i.name));
  if (!result) return unknown;
  let trainable = 0;
  let nonTrainable = 0;
  const name = layer.name ?? defaultLayerName(layer.type, index);
  const facts = { layer, name, inputs, inputShape: shapes[0], outputShape: result.output, ...(result.window ? { window: result.window } : {}), outputElements: product(result.output) };
  for (const p of paramDefs(facts)) {
    if (p.trainable) trainable += product(p.shape);
    else nonTrainable += product(p.shape);
  }
  learningRateWarnings(layer, trainable, trainable + nonTrainable, errors);
  return {
    outputShape: result.output,
    ...(result.window ? { window: result.window } : {}),
    params: trainable + nonTrainable ? { trainable, nonTrainable } : NO_PARAMS,
    macs: result.macs ?? 0,
    errors,
  };
}
