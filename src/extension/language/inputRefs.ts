// Where the cursor is among a layer's `inputs`, and what the layers of the file are called. Pure (no VS Code).
import type { Node } from 'jsonc-parser';
import type { InvalidLayerInfo, LayerInfo, LayerInput } from '../../model/analysis';
import type { TextRange } from '../../model/diagnostics';
import { propertyValue, type ParsedModel } from '../../model/parse';

export function contains(range: TextRange, offset: number): boolean {
  return offset >= range.offset && offset <= range.offset + range.length;
}

export function isInvalid(e: LayerInfo | InvalidLayerInfo): e is InvalidLayerInfo {
  return 'invalid' in e;
}

/** The raw `{ … }` nodes of "layers", in file order. */
export function layerValues(parsed: ParsedModel): readonly Node[] {
  const layers = parsed.root ? propertyValue(parsed.root, 'layers') : undefined;
  return layers?.type === 'array' ? (layers.children ?? []) : [];
}

/** The `inputs` array node of layer `index`, when the text has one. */
export function inputsNode(parsed: ParsedModel, index: number): Node | undefined {
  const layer = layerValues(parsed)[index];
  const inputs = layer ? propertyValue(layer, 'inputs') : undefined;
  return inputs?.type === 'array' ? inputs : undefined;
}

/** The name the text gives layer `index`, if any (a reference needs one). */
export function explicitName(parsed: ParsedModel, index: number): string | undefined {
  const layer = layerValues(parsed)[index];
  const name = layer ? propertyValue(layer, 'name') : undefined;
  return name?.type === 'string' ? (name.value as string) : undefined;
}

export interface InputElement {
  readonly layerIndex: number;
  readonly element: number;
  readonly range: TextRange;
  /** What the shape function resolved it to; undefined when the text's list is not a list of names. */
  readonly input?: LayerInput;
}

/** The `inputs` element under the cursor. */
export function inputElementAt(parsed: ParsedModel, offset: number): InputElement | undefined {
  const layer = parsed.layers.find((l) => contains(l.range, offset));
  if (!layer) return undefined;
  const items = inputsNode(parsed, layer.index)?.children ?? [];
  const element = items.findIndex((c) => contains(c, offset));
  const node = items[element];
  if (!node) return undefined;
  const resolved = parsed.analysis?.entries[layer.index]?.inputs[element];
  // The analysis lists the text's names only when they all are names; otherwise its inputs are something else.
  const input = resolved && node.type === 'string' && resolved.name === node.value ? resolved : undefined;
  return { layerIndex: layer.index, element, range: { offset: node.offset, length: node.length }, ...(input ? { input } : {}) };
}

/** The earlier layer called `name` that has only this default name (so referencing it needs a "name" field). */
export function unnamedLayerCalled(parsed: ParsedModel, name: string, before: number): number | undefined {
  const entries = parsed.analysis?.entries ?? [];
  const j = entries.findIndex((e) => e.name === name);
  if (j < 0 || j >= before || explicitName(parsed, j) !== undefined) return undefined;
  // Writing it would clash with a layer that already carries that name explicitly (later in the file).
  return entries.some((_, k) => explicitName(parsed, k) === name) ? undefined : j;
}
