// Random gesture sequences on the examples: the text stays valid JSON after every step, the layer list
// equals a plain array model of the same gestures (but for the names the designer writes down), every
// layer with weights keeps its name through inserts, deletes, duplicates and moves, and nothing outside
// "layers" changes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LAYER_SPECS, LAYER_TYPES } from '../../../src/model/spec';
import { applyTextEdit, intentEdit, type EditIntent } from '../../../src/extension/editor/edits';
import { PARAM_TYPES } from '../../../src/extension/editor/layerNames';

type Layer = Record<string, unknown>;
type Op =
  | { op: 'insert'; at: number; layerType: string }
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'move'; at: number; to: number }
  | { op: 'set'; at: number; field: string; value: number | string | number[] }
  | { op: 'unset'; at: number; field: string };

const FILES = ['lenet5.cnn.json', 'simple-mnist-convnet.cnn.json', 'vgg-cifar.cnn.json', 'broken.cnn.json'];
const texts = FILES.map((f) => readFileSync(join(__dirname, '../../../examples', f), 'utf8'));
const EMPTY = '{\n  "format": "cnn-studio/model@1",\n  "input": { "shape": [28, 28, 1] },\n  "layers": []\n}\n';

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(40), layerType: fc.constantFrom(...LAYER_TYPES) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(40) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(40) }),
  fc.record({ op: fc.constant('move' as const), at: fc.nat(40), to: fc.nat(40) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(40),
    field: fc.constantFrom('filters', 'units', 'rate', 'name', 'kernelSize', 'activation'),
    value: fc.oneof(fc.integer({ min: -5, max: 500 }), fc.string({ maxLength: 8 }), fc.tuple(fc.nat(9), fc.nat(9)).map(([a, b]) => [a, b])),
  }),
  fc.record({ op: fc.constant('unset' as const), at: fc.nat(40), field: fc.constantFrom('filters', 'activation', 'padding', 'name', 'poolSize') }),
);

/** Applies the op to the reference array and its layer ids, and returns the matching intent (indices reduced into range). */
function step(ref: Layer[], ids: number[], op: Op): EditIntent | undefined {
  const n = ref.length;
  if (op.op === 'insert') {
    const at = op.at % (n + 1);
    ref.splice(at, 0, { ...LAYER_SPECS[op.layerType as keyof typeof LAYER_SPECS].template });
    ids.splice(at, 0, nextId++);
    return { type: 'insertLayer', index: at, layerType: op.layerType };
  }
  if (n === 0) return undefined;
  const at = op.at % n;
  switch (op.op) {
    case 'delete':
      ref.splice(at, 1);
      ids.splice(at, 1);
      return { type: 'deleteLayer', index: at };
    case 'duplicate':
      // The copy gets a name of its own (or none), never the original's.
      ref.splice(at + 1, 0, (({ name: _name, ...copy }) => structuredClone(copy))(ref[at]!));
      ids.splice(at + 1, 0, nextId++);
      return { type: 'duplicateLayer', index: at };
    case 'move': {
      const to = op.to % n;
      const [moved] = ref.splice(at, 1);
      ref.splice(to, 0, moved!);
      const [id] = ids.splice(at, 1);
      ids.splice(to, 0, id!);
      return { type: 'moveLayer', from: at, to };
    }
    case 'set':
      ref[at] = { ...ref[at], [op.field]: op.value };
      return { type: 'editField', path: ['layers', at, op.field], value: op.value };
    case 'unset': {
      const { [op.field]: _gone, ...rest } = ref[at]!;
      ref[at] = rest;
      return { type: 'editField', path: ['layers', at, op.field] };
    }
  }
}
let nextId = 0;
/** The shape function's name of a layer (weights are `<name>.<param>`). */
const nameOf = (l: Layer, i: number): string => (typeof l.name === 'string' ? l.name : `${typeof l.type === 'string' ? l.type : 'layer'}_${i}`);

describe('designer edits (property)', () => {
  it('random gesture sequences keep valid JSON and match an array model', function () {
    this.timeout(30_000);
    fc.assert(
      fc.property(fc.nat(texts.length), fc.array(opArb, { maxLength: 25 }), (start, ops) => {
        let text = start < texts.length ? texts[start]! : EMPTY;
        const original = JSON.parse(text) as { layers: Layer[] } & Record<string, unknown>;
        const ref = structuredClone(original.layers);
        const ids = ref.map(() => nextId++);
        for (const op of ops) {
          const weighted = new Map(ref.flatMap((l, i) => (PARAM_TYPES.has(String(l.type)) && (l.name === undefined || typeof l.name === 'string') ? [[ids[i]!, nameOf(l, i)] as const] : [])));
          const intent = step(ref, ids, op);
          if (!intent) continue;
          text = applyTextEdit(text, intentEdit(text, intent));
          const doc = JSON.parse(text) as { layers: Layer[] } & Record<string, unknown>;
          assert.equal(doc.layers.length, ref.length);
          doc.layers.forEach((l, i) => {
            const want = ref[i]!;
            // A layer the reference leaves unnamed may have been named by the gesture; a named one keeps its name.
            const { name, ...rest } = l;
            assert.deepEqual('name' in want ? l : rest, want);
            if (name !== undefined) want.name = name;
            if (op.op !== 'set' && op.op !== 'unset' && weighted.has(ids[i]!)) assert.equal(nameOf(l, i), weighted.get(ids[i]!), `${op.op} renamed a layer with weights`);
          });
        }
        const { layers: _a, ...restBefore } = original;
        const { layers: _b, ...restAfter } = JSON.parse(text) as typeof original;
        assert.deepEqual(restAfter, restBefore);
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });
});
