// Test cases from the layer registry (model/layers): every layer type's template (its spec.template, what the
// palette inserts) on the first input it accepts. The gradient checks, the differential tests, the engine layer
// tests and the random models take their cases from here, so a new type is tested without anyone adding it to a list.
import assert from 'node:assert/strict';
import { LAYER_DEFS } from '../../../src/model/layers';
import { analyze } from '../../../src/model/shapes';
import { LAYER_TYPES } from '../../../src/model/spec';
import type { Layer, LayerType, Shape } from '../../../src/model/types';

/** A type's template as a layer config. */
export function templateOf(type: LayerType): Layer {
  const template = LAYER_DEFS[type].spec.template;
  assert.equal(template.type, type, `${type}'s template is of its type`);
  return template as unknown as Layer;
}

/** Merges (inputs: 'many') read two values; the others one. */
export function isMerge(type: LayerType): boolean {
  return LAYER_DEFS[type].inputs === 'many';
}

/** Inputs tried in order: an image, then a feature vector (dense); small, so that distinct values stay near 0. */
const INPUTS: readonly Shape[] = [[4, 4, 2], [6]];

export interface TemplateCase {
  readonly type: LayerType;
  readonly input: Shape;
  /** The template; a merge reads the model input twice. */
  readonly layer: Layer;
}

/** Whether `layers` on `input` analyse without an error or warning. */
export function fits(input: Shape, layers: readonly Layer[]): boolean {
  const a = analyze(input, layers);
  return a.ok && a.layers.every((l) => l.errors.length === 0);
}

/** One case per layer type, in registry order. */
export const TEMPLATE_CASES: readonly TemplateCase[] = LAYER_TYPES.map((type) => {
  const layer = { ...templateOf(type), ...(isMerge(type) ? { inputs: ['input', 'input'] } : {}) } as Layer;
  const input = INPUTS.find((shape) => fits(shape, [layer]));
  if (!input) throw new Error(`${type}'s template fits none of the inputs ${JSON.stringify(INPUTS)}`);
  return { type, input, layer };
});

/** Fails naming the layer types that `layers` leave out. */
export function assertEveryType(layers: Iterable<{ readonly type: string }>, what: string): void {
  const seen = new Set<string>();
  for (const l of layers) seen.add(l.type);
  assert.deepEqual(LAYER_TYPES.filter((t) => !seen.has(t)), [], `layer types missing from ${what}`);
}
