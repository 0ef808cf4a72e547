// Document text → what the designer shows. Pure: it reads the one parse/analysis result (src/model) so the
// table, hover, diagnostics and CLI agree to the number, and the row errors are the diagnostics' messages.
import type { Node } from 'jsonc-parser';
import { parseModelText, propertyValue } from '../../model/parse';
import { TRAINING_SPEC } from '../../model/modelSpec';
import type { DesignerView, JsonValue, RowView } from '../../protocol/webview';

const DEFAULT_BATCH = (() => {
  const spec = TRAINING_SPEC.fields.batchSize;
  return spec && 'default' in spec && typeof spec.default === 'number' ? spec.default : 32;
})();

export function buildView(text: string, fallbackName: string): DesignerView {
  const parsed = parseModelText(text);
  const root = parsed.root;
  const raw = (root?.type === 'object' ? nodeValue(root) : undefined) as Record<string, JsonValue> | undefined;
  const layersNode = root ? propertyValue(root, 'layers') : undefined;
  const layers = layersNode?.type === 'array' ? (layersNode.children ?? []).map(nodeValue) : [];
  const infos = new Map((parsed.analysis?.layers ?? []).map((i) => [i.index, i]));
  const rows: RowView[] = layers.map((layer, index) => {
    const info = infos.get(index);
    const obj = isObject(layer) ? layer : {};
    const type = typeof obj.type === 'string' ? obj.type : '?';
    const errors = parsed.diagnostics.filter((d) => d.layerIndex === index && d.severity === 'error').map((d) => d.message);
    return {
      index,
      type,
      name: info?.name ?? (typeof obj.name === 'string' ? obj.name : `${type}_${index}`),
      summary: summarize(obj),
      ...(info?.outputShape ? { outputShape: info.outputShape } : {}),
      params: info ? info.params.trainable + info.params.nonTrainable : 0,
      trainable: info?.params.trainable ?? 0,
      macs: info?.macs ?? 0,
      errors,
    };
  });
  const training = raw?.training;
  const batchSize = isObject(training) && typeof training.batchSize === 'number' ? training.batchSize : DEFAULT_BATCH;
  const shape = isObject(raw?.input) ? raw.input.shape : undefined;
  const syntaxBroken = parsed.diagnostics.some((d) => d.code === 'syntax' || d.code === 'not-object');
  return {
    name: typeof raw?.name === 'string' ? raw.name : fallbackName,
    ...(typeof raw?.description === 'string' ? { description: raw.description } : {}),
    ...(Array.isArray(shape) && shape.every((d) => typeof d === 'number') ? { inputShape: shape as number[] } : {}),
    rows,
    ...(parsed.analysis ? { totals: parsed.analysis.totals } : {}),
    layers,
    ...(training !== undefined ? { training } : {}),
    batchSize,
    problems: parsed.diagnostics.filter((d) => d.layerIndex === undefined).map((d) => d.message),
    editable: !syntaxBroken && (layersNode === undefined || layersNode.type === 'array'),
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
    default:
      return (node.value as JsonValue | undefined) ?? null;
  }
}

function isObject(v: JsonValue | undefined): v is { readonly [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
