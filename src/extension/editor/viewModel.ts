// Document text → what the designer shows. Pure: it reads the one parse/analysis result (src/model) so the
// table, hover, diagnostics and CLI agree to the number, and the row errors are the diagnostics' messages.
import type { Node } from 'jsonc-parser';
import { parseModelText, propertyValue, type ParsedModel } from '../../model/parse';
import { assertNever } from '../../model/assertNever';
import { TRAINING_DEFAULTS } from '../../model/defaults';
import type { ModelAnalysis } from '../../model/analysis';
import { estimateTrainingMemory } from '../../engine/plan/memory';
import { memoryVerdict } from '../../engine/plan/memoryVerdict';
import { MODEL_INPUT, defaultLayerName, implicitInput, type TrainingConfig } from '../../model/types';
import type { DesignerView, InputView, JsonValue, MemoryView, RowView } from '../../protocol/designer';


/**
 * machineBytes: the machine's memory (os.totalmem() on the extension side), for the training memory warning.
 * parsed: `text` parsed already (the language features' parse of it), else parsed here.
 */
export function buildView(text: string, fallbackName: string, machineBytes?: number, parsed: ParsedModel = parseModelText(text)): DesignerView {
  const root = parsed.root;
  const raw = (root?.type === 'object' ? nodeValue(root) : undefined) as Record<string, JsonValue> | undefined;
  const layersNode = root ? propertyValue(root, 'layers') : undefined;
  const layers = layersNode?.type === 'array' ? (layersNode.children ?? []).map(nodeValue) : [];
  const infos = new Map((parsed.analysis?.layers ?? []).map((i) => [i.index, i]));
  const entries = parsed.analysis?.entries ?? [];
  // Grouped once: a filter per row would be quadratic in a model of many layers.
  const layerErrors = new Map<number, string[]>();
  const layerWarnings = new Map<number, string[]>();
  /** "layerIndex/element" → message, for the diagnostics about one element of `inputs`. */
  const inputErrors = new Map<string, string>();
  for (const d of parsed.diagnostics) {
    if (d.layerIndex === undefined) continue;
    const byLayer = d.severity === 'error' ? layerErrors : layerWarnings;
    const list = byLayer.get(d.layerIndex);
    if (list) list.push(d.message);
    else byLayer.set(d.layerIndex, [d.message]);
    if (d.path[2] === 'inputs' && typeof d.path[3] === 'number') inputErrors.set(`${d.layerIndex}/${d.path[3]}`, d.message);
  }
  const objects = layers.map((layer) => (isObject(layer) ? layer : {}));
  // The shape function's 'layer' for a type that is not a string, as in its default names.
  const types = objects.map((obj) => (typeof obj.type === 'string' ? obj.type : 'layer'));
  const names = objects.map((obj, index) => infos.get(index)?.name ?? (typeof obj.name === 'string' ? obj.name : defaultLayerName(types[index]!, index)));
  const rows: RowView[] = objects.map((obj, index) => {
    const info = infos.get(index);
    const entry = entries[index];
    const type = types[index]!;
    const explicit = Array.isArray(obj.inputs) ? obj.inputs.length : 0;
    const inputs: InputView[] = (entry?.inputs ?? rawInputs(obj, index, names)).map((input, element) => {
      const error = explicit > 0 ? inputErrors.get(`${index}/${element}`) : undefined;
      return {
        name: input.name,
        ...(input.index !== undefined ? { index: input.index } : {}),
        ...(input.shape ? { shape: input.shape } : {}),
        ...(error !== undefined ? { error } : {}),
      };
    });
    return {
      index,
      type,
      name: names[index]!,
      inputs,
      explicitInputs: explicit,
      consumers: entry?.consumers ?? [],
      summary: summarize(obj),
      ...(info?.outputShape ? { outputShape: info.outputShape } : {}),
      params: info ? info.params.trainable + info.params.nonTrainable : 0,
      trainable: info?.params.trainable ?? 0,
      macs: info?.macs ?? 0,
      errors: layerErrors.get(index) ?? [],
      warnings: layerWarnings.get(index) ?? [],
    };
  });
  const training = raw?.training;
  const batchSize = isObject(training) && typeof training.batchSize === 'number' ? training.batchSize : TRAINING_DEFAULTS.batchSize;
  const shape = isObject(raw?.input) ? raw.input.shape : undefined;
  const syntaxBroken = parsed.diagnostics.some((d) => d.code === 'syntax' || d.code === 'not-object');
  return {
    name: typeof raw?.name === 'string' ? raw.name : fallbackName,
    ...(typeof raw?.description === 'string' ? { description: raw.description } : {}),
    ...(Array.isArray(shape) && shape.every((d) => typeof d === 'number') ? { inputShape: shape as number[] } : {}),
    rows,
    ...(parsed.analysis ? { totals: parsed.analysis.totals } : {}),
    ...(parsed.analysis?.ok ? { memory: memoryView(parsed.analysis, parsed.model?.training, machineBytes) } : {}),
    layers,
    ...(training !== undefined ? { training } : {}),
    batchSize,
    problems: parsed.diagnostics.filter((d) => d.layerIndex === undefined).map((d) => d.message),
    // Without a root object (syntax, encoding or nesting problems) there is nothing an intent could edit.
    editable: !syntaxBroken && root?.type === 'object' && (layersNode === undefined || layersNode.type === 'array'),
  };
}

/** Without an analysis (say the input shape is unreadable): the inputs as written, or the previous layer (by its row's name). */
function rawInputs(obj: { readonly [key: string]: JsonValue }, index: number, names: readonly string[]): { readonly name: string; readonly index?: number }[] {
  if (Array.isArray(obj.inputs)) return obj.inputs.map((n) => ({ name: typeof n === 'string' ? n : String(n) }));
  const previous = implicitInput(index);
  return [{ name: previous < 0 ? MODEL_INPUT : names[previous]!, index: previous }];
}

/** The training memory estimate, and the message training would refuse with when it exceeds the machine's limit. */
function memoryView(analysis: ModelAnalysis, training: TrainingConfig | undefined, machineBytes: number | undefined): MemoryView {
  const e = estimateTrainingMemory(analysis, training);
  const warning = machineBytes !== undefined ? memoryVerdict(e, machineBytes).message : undefined;
  return {
    totalBytes: e.totalBytes,
    batchSize: e.batchSize,
    optimizer: e.optimizer,
    consumers: e.consumers.slice(0, 3).map((c) => ({ label: c.label, bytes: c.bytes })),
    ...(warning ? { warning } : {}),
  };
}

/** Key settings in a few words, e.g. "32 filters 3×3 /2, same, relu". Unknown fields are left to the diagnostics. */
export function summarize(layer: { readonly [key: string]: JsonValue }): string {
  const parts: string[] = [];
  const size = (v: JsonValue | undefined): string | undefined =>
    typeof v === 'number' ? `${v}×${v}` : Array.isArray(v) ? v.map(String).join('×') : undefined;
  if (typeof layer.filters === 'number') parts.push(`${layer.filters} filters ${size(layer.kernelSize) ?? ''}`.trim());
  else if (layer.kernelSize !== undefined) parts.push(size(layer.kernelSize) ?? '');
  if (layer.poolSize !== undefined) parts.push(size(layer.poolSize) ?? '');
  if (typeof layer.units === 'number') parts.push(`${layer.units} units`);
  const strides = size(layer.strides);
  if (strides && strides !== '1×1') parts.push(`stride ${strides}`);
  const dilation = size(layer.dilationRate);
  if (dilation && dilation !== '1×1') parts.push(`dilation ${dilation}`);
  if (typeof layer.depthMultiplier === 'number') parts.push(`×${layer.depthMultiplier}`);
  if (typeof layer.padding === 'string') parts.push(layer.padding);
  // Explicit cells (PyTorch's padding), as typed: n, "h, w" or "top, bottom, left, right".
  else if (layer.padding !== undefined && layer.padding !== null && (layer.kernelSize !== undefined || layer.type === 'maxPool2d' || layer.type === 'avgPool2d')) {
    parts.push(`pad ${Array.isArray(layer.padding) ? layer.padding.flat().map(String).join(', ') : String(layer.padding)}`);
  }
  if (layer.ceilMode === true) parts.push('ceil');
  if (layer.countIncludePad === true) parts.push('padding counted');
  if (typeof layer.activation === 'string' && layer.activation !== 'linear') parts.push(layer.activation);
  for (const key of ['rate', 'alpha', 'momentum', 'epsilon'] as const) {
    if (typeof layer[key] === 'number') parts.push(`${key} ${layer[key]}`);
  }
  if (layer.useBias === false) parts.push('no bias');
  return parts.filter((p) => p).join(', ');
}

/** The JSON value of a parse-tree node (jsonc-parser's getNodeValue, kept local to stay on the strict tree). */
function nodeValue(node: Node): JsonValue {
  switch (node.type) {
    case 'object': {
      const out: Record<string, JsonValue> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v && typeof k.value === 'string' && k.value !== '__proto__') out[k.value] = nodeValue(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return (node.value as JsonValue | undefined) ?? null;
    case 'property':
      return null; // never a value itself: objects read their properties' second child
    default:
      return assertNever(node.type, 'JSON node type');
  }
}

function isObject(v: JsonValue | undefined): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
