// An arbitrary of random graph model files for the property tests: layers of every type of the registry (hand-picked
// field values or the type's template) with random names and random `inputs` among earlier, later, own, default,
// unknown and reserved names, junk entries, and merges of any arity.
import fc from 'fast-check';
import { LAYER_DEFS } from '../../../src/model/layers';
import { isLayerType, LAYER_SPECS, LAYER_TYPES } from '../../../src/model/spec';

/** The registry's merges (inputs: 'many'). */
const MERGES = LAYER_TYPES.filter((t) => LAYER_DEFS[t].inputs === 'many');
const isMerge = (type: string): boolean => isLayerType(type) && LAYER_DEFS[type].inputs === 'many';

/** How a layer names its inputs: by index relative to itself, a fixed name, or junk. */
type Ref =
  | { readonly kind: 'earlier' | 'later'; readonly offset: number }
  | { readonly kind: 'self' | 'input' | 'default' }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'junk'; readonly value: unknown };

interface LayerPlan {
  readonly type: string;
  /** undefined: no name; otherwise a unique name, a clash, or a reserved one. */
  readonly name?: 'own' | 'clash' | 'default-of-next' | 'input' | 'junk';
  /** undefined: no "inputs" (the previous layer). */
  readonly inputs?: readonly Ref[] | 'not-an-array';
  /** Candidate values; only the type's own fields are written, unless `stray`. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly stray?: boolean;
}

const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('earlier' as const), offset: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('later' as const), offset: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('self' as const, 'input' as const, 'default' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('name' as const), name: fc.constantFrom('nope', 'l_0', 'l_1x', 'Input', '__proto__', 'constructor', ' ', 'é\u0000"\\') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: fc.constantFrom(1, null, '', true, [], {}, ['l_0'], 1e400) }) },
);

const fields = fc.record(
  {
    filters: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(0)),
    kernelSize: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
    strides: fc.integer({ min: 1, max: 3 }),
    padding: fc.oneof(
      fc.constantFrom('same', 'valid'),
      fc.integer({ min: -1, max: 3 }),
      fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      fc.tuple(fc.tuple(fc.nat(2), fc.nat(2)), fc.tuple(fc.nat(2), fc.nat(2))),
      fc.constant([[1, 2], 3]),
    ),
    depthMultiplier: fc.integer({ min: 1, max: 3 }),
    units: fc.integer({ min: 1, max: 16 }),
    rate: fc.constantFrom(0, 0.5),
    poolSize: fc.integer({ min: 1, max: 3 }),
    activation: fc.constantFrom('relu', 'relu6', 'swish', 'softmax', 'silu'),
  },
  { requiredKeys: ['filters', 'kernelSize', 'units', 'rate'] },
);

/** One in `n`. */
const rarely = (n: number) => fc.integer({ min: 1, max: n }).map((k) => k === 1);

// Mostly plausible files (merges with 2–3 inputs, other layers with one), so shape errors and dead branches are
// reached too; now and then any arity, a clash, junk or a stray field.
const layerPlan: fc.Arbitrary<LayerPlan> = fc
  .oneof({ weight: 6, arbitrary: fc.constantFrom(...LAYER_TYPES) }, { weight: 3, arbitrary: fc.constantFrom(...MERGES) }, { weight: 1, arbitrary: fc.constantFrom('Add', 'merge') })
  .chain((type) => {
    const merge = isMerge(type);
    // A type's template gives every field it needs (a new type's own fields included) a valid value.
    const template = isLayerType(type) ? LAYER_DEFS[type].spec.template : undefined;
    const values = template ? fc.oneof({ weight: 3, arbitrary: fields }, { weight: 1, arbitrary: fc.constant(template) }) : fields;
    const usual = fc.array(ref, merge ? { minLength: 2, maxLength: 3 } : { minLength: 1, maxLength: 1 });
    const any = fc.oneof(fc.array(ref, { maxLength: 4 }), fc.constant('not-an-array' as const));
    return fc.record(
      {
        type: fc.constant(type),
        name: fc.oneof({ weight: 12, arbitrary: fc.constant('own' as const) }, { weight: 1, arbitrary: fc.constantFrom('clash' as const, 'default-of-next' as const, 'input' as const, 'junk' as const) }),
        inputs: fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: any }),
        fields: values,
        stray: rarely(30),
      },
      // Without "inputs" a layer takes the previous one (a chain); a merge then lacks inputs.
      { requiredKeys: ['type', 'fields', 'stray', ...(merge ? (['inputs'] as const) : [])] },
    );
  });

function nameOf(plan: LayerPlan, index: number): unknown {
  switch (plan.name) {
    case undefined:
      return undefined;
    case 'own':
      return `l_${index}`;
    case 'clash':
      return `l_${Math.max(0, index - 1)}`;
    case 'default-of-next':
      return `relu_${index + 1}`;
    case 'input':
      return 'input';
    case 'junk':
      return 3;
  }
}

function refValue(r: Ref, index: number, plans: readonly LayerPlan[]): unknown {
  const nameAt = (i: number) => {
    const n = i >= 0 && i < plans.length ? nameOf(plans[i]!, i) : undefined;
    return typeof n === 'string' ? n : `${plans[i]?.type ?? 'relu'}_${i}`;
  };
  switch (r.kind) {
    case 'earlier':
      return index - r.offset < 0 ? 'input' : nameAt(index - r.offset);
    case 'later':
      return nameAt(index + r.offset);
    case 'self':
      return nameAt(index);
    case 'input':
      return 'input';
    case 'default':
      return `${plans[Math.max(0, index - 1)]!.type}_${Math.max(0, index - 1)}`;
    case 'name':
      return r.name;
    case 'junk':
      return r.value;
  }
}

function layerValue(plan: LayerPlan, index: number, plans: readonly LayerPlan[]): Record<string, unknown> {
  const name = nameOf(plan, index);
  const inputs = plan.inputs === undefined ? undefined : plan.inputs === 'not-an-array' ? 'l_0' : plan.inputs.map((r) => refValue(r, index, plans));
  const own = isLayerType(plan.type) ? LAYER_SPECS[plan.type].fields : {};
  const chosen = Object.entries(plan.fields).filter(([k]) => k in own);
  return { type: plan.type, ...(name !== undefined ? { name } : {}), ...(inputs !== undefined ? { inputs } : {}), ...Object.fromEntries(chosen), ...(plan.stray ? { stride: 2 } : {}) };
}

/** JSON text for values JSON.stringify cannot write (1e400 would become null). */
function toText(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v === Infinity ? '\u0000inf' : v), 1).replace(/"\\u0000inf"/g, '1e400');
}

export interface GraphFile {
  readonly text: string;
  readonly layerCount: number;
}

/** A model file with 0–14 random layers on a random small input (sometimes not an image). */
export const graphFile: fc.Arbitrary<GraphFile> = fc
  .tuple(
    fc.array(layerPlan, { maxLength: 14 }),
    fc.oneof({ weight: 5, arbitrary: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 })) }, { weight: 1, arbitrary: fc.constant([8, 8]) }),
  )
  .map(([plans, shape]) => {
    const layers = plans.map((p, i) => layerValue(p, i, plans));
    return { text: toText({ format: 'cnn-studio/model@1', name: 'g', input: { shape }, layers }), layerCount: layers.length };
  });
