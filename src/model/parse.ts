// Text → model: JSON parse keeping every node's source range, validation, and shape inference,
// with all problems as diagnostics at exact ranges. Never throws, whatever the text.
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { ModelAnalysis } from './analysis';
import type { ModelDiagnostic, TextRange } from './diagnostics';
import { LAYER_ITEM, MODEL_SPEC } from './modelSpec';
import { MAX_JSON_DEPTH, preflight, withoutBom } from './preflight';
import { analyze, type LayerRefs } from './shapes';
import type { Layer, Model, Shape } from './types';
import { INVALID, Validator, label } from './validate';

export interface LayerNode {
  readonly index: number;
  /** The whole `{ … }` of the layer. */
  readonly range: TextRange;
  /** The value of "type", when present. */
  readonly typeRange?: TextRange;
  /** Key and value range of each field present in the text. */
  readonly fields: ReadonlyMap<string, { readonly key: TextRange; readonly value: TextRange }>;
}

export interface ParsedModel {
  /** Present only when the file has no errors at all. */
  readonly model?: Model;
  /** Shape inference over every usable layer, also when other parts have errors. */
  readonly analysis?: ModelAnalysis;
  readonly layers: readonly LayerNode[];
  readonly inputRange?: TextRange;
  readonly nameRange?: TextRange;
  readonly diagnostics: readonly ModelDiagnostic[];
  readonly root?: Node;
}

export function parseModelText(text: string): ParsedModel {
  const validator = new Validator();
  const problem = preflight(text);
  if (problem) {
    validator.report(problem.range, [], problem.code, problem.message);
    return { layers: [], diagnostics: validator.diagnostics };
  }
  const parseErrors: ParseError[] = [];
  const root = parseJson(withoutBom(text), parseErrors);
  if (root === TOO_DEEP) {
    validator.report({ offset: 0, length: Math.min(text.length, 1) }, [], 'too-deep', `JSON nested too deeply to read (limit ${MAX_JSON_DEPTH} levels)`);
    return { layers: [], diagnostics: validator.diagnostics };
  }
  for (const e of parseErrors) {
    // At least one character wide so editors show it, but never past the end of the text.
    validator.report({ offset: e.offset, length: Math.max(e.length, e.offset < text.length ? 1 : 0) }, [], 'syntax', syntaxMessage(printParseErrorCode(e.error)));
  }
  if (!root || root.type !== 'object') {
    if (root && parseErrors.length === 0) validator.report(root, [], 'not-object', 'a model file must be a JSON object');
    if (!root && parseErrors.length === 0) validator.report({ offset: 0, length: 0 }, [], 'not-object', 'the file is empty: a model file is a JSON object');
    return { layers: [], diagnostics: validator.diagnostics, ...(root ? { root } : {}) };
  }

  const checked = validator.object(root, MODEL_SPEC, []);
  const layersNode = propertyValue(root, 'layers');
  const layerNodes = layersNode?.type === 'array' ? (layersNode.children ?? []).map(toLayerNode) : [];
  const inputNode = propertyValue(root, 'input');

  // Shape inference runs on whatever is usable, so one bad layer does not hide the rest.
  const partial = partialValues(validator.diagnostics.length === 0 ? checked : INVALID, root);
  let analysis: ModelAnalysis | undefined;
  if (partial.inputShape && partial.layers) {
    const layerValues = layersNode?.type === 'array' ? (layersNode.children ?? []) : [];
    analysis = analyze(partial.inputShape, partial.layers, layerValues.map(rawRefs));
    for (const info of analysis.entries) {
      const node = layerNodes[info.index];
      for (const err of info.errors) {
        const fieldNode = err.field ? propertyValue(layerValues[info.index]!, err.field) : undefined;
        const elementNode = fieldNode && err.element !== undefined ? fieldNode.children?.[err.element] : undefined;
        const target = elementNode ?? fieldNode;
        const range = target ? rangeOf(target) : (node?.typeRange ?? node?.range ?? { offset: 0, length: 0 });
        const path = ['layers', info.index, ...(err.field && fieldNode ? [err.field] : []), ...(elementNode ? [err.element!] : [])];
        validator.diagnostics.push({
          message: err.message,
          range,
          severity: err.severity ?? 'error',
          code: err.code,
          path,
          ...(err.suggestion !== undefined ? { suggestion: err.suggestion } : {}),
          layerIndex: info.index,
        });
      }
    }
  }
  const diagnostics = validator.diagnostics;
  const hasError = diagnostics.some((d) => d.severity === 'error');
  const model = !hasError && checked !== INVALID ? withName(checked as Model) : undefined;
  const nameNode = propertyValue(root, 'name');
  return {
    ...(model ? { model } : {}),
    ...(analysis ? { analysis } : {}),
    layers: layerNodes,
    ...(inputNode ? { inputRange: rangeOf(inputNode) } : {}),
    ...(nameNode ? { nameRange: rangeOf(nameNode) } : {}),
    diagnostics,
    root,
  };
}

const TOO_DEEP = Symbol('too deep');

/** parseTree recurses per level; preflight bounds the depth, and this catches what it might have missed. */
function parseJson(text: string, errors: ParseError[]): Node | undefined | typeof TOO_DEEP {
  try {
    return parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  } catch (e) {
    if (e instanceof RangeError) return TOO_DEEP;
    throw e;
  }
}

function withName(model: Model): Model {
  return model.name === undefined ? { ...model, name: 'model' } : model;
}

/** The input shape and per-layer configs that validated, even when the model as a whole did not. */
function partialValues(checked: unknown, root: Node): { inputShape?: Shape; layers?: readonly (Layer | undefined)[] } {
  if (checked !== INVALID) {
    // Layers that failed validation stay in the array as INVALID markers.
    const m = checked as { input: Model['input']; layers: readonly unknown[] };
    return { inputShape: m.input.shape, layers: m.layers.map((l) => (l === INVALID ? undefined : (l as Layer))) };
  }
  // Re-validate the two parts on their own, silently, reading typos as their suggestions, to salvage what is usable.
  const quiet = new Validator(true);
  const inputNode = propertyValue(root, 'input');
  const layersNode = propertyValue(root, 'layers');
  const input = inputNode ? quiet.check(inputNode, MODEL_SPEC.fields.input, ['input']) : INVALID;
  const layers =
    layersNode?.type === 'array'
      ? (layersNode.children ?? []).map((n, i) => {
          const v = quiet.check(n, LAYER_ITEM, ['layers', i]);
          return v === INVALID ? undefined : (v as Layer);
        })
      : undefined;
  return {
    ...(input !== INVALID ? { inputShape: (input as Model['input']).shape } : {}),
    ...(layers ? { layers } : {}),
  };
}

/** A layer's "name" and "inputs" as the text has them, so references to a layer that failed validation still resolve. */
function rawRefs(node: Node): LayerRefs | undefined {
  if (node.type !== 'object') return undefined;
  const name = propertyValue(node, 'name');
  const type = propertyValue(node, 'type');
  const inputs = propertyValue(node, 'inputs');
  const names = inputs?.type === 'array' ? (inputs.children ?? []).map((c) => (c.type === 'string' && c.value !== '' ? (c.value as string) : undefined)) : [];
  return {
    ...(name?.type === 'string' ? { name: name.value as string } : {}),
    ...(type?.type === 'string' ? { type: type.value as string } : {}),
    ...(inputs ? { inputs: names } : {}),
  };
}

function toLayerNode(node: Node, index: number): LayerNode {
  const fields = new Map<string, { key: TextRange; value: TextRange }>();
  let typeRange: TextRange | undefined;
  if (node.type === 'object') {
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (!k || !v) continue;
      fields.set(String(k.value), { key: rangeOf(k), value: rangeOf(v) });
      if (k.value === 'type') typeRange = rangeOf(v);
    }
  }
  return { index, range: rangeOf(node), ...(typeRange ? { typeRange } : {}), fields };
}

export function propertyValue(node: Node, key: string): Node | undefined {
  if (node.type !== 'object') return undefined;
  for (const prop of node.children ?? []) {
    if (prop.children?.[0]?.value === key) return prop.children[1];
  }
  return undefined;
}

function rangeOf(node: Node): TextRange {
  return { offset: node.offset, length: node.length };
}

function syntaxMessage(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `JSON syntax error: ${words}`;
}

export { label as pathLabel };
