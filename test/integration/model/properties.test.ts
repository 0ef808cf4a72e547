// Seeded property tests: random, random-graph and mutated model files go through the parser, validator, shape
// inference, the memory estimate, the CLI summary and the designer's view model with zero exceptions, every diagnostic
// inside the text, and every layer that reaches shape inference valid on its own.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { renderSummary } from '../../../src/cli/summaryText';
import { buildView } from '../../../src/extension/editor/viewModel';
import { estimateTrainingMemory } from '../../../src/engine/plan/memory';
import { parseModelText } from '../../../src/model/parse';
import { inferShapes } from '../../../src/model/shapes';
import { LAYER_SPECS, LAYER_TYPES } from '../../../src/model/spec';
import { graphFile, type GraphFile } from './graphs';
import { modelText, readRepoFile, textAt } from '../../unit/model/helpers';
import { structureMutant, textMutant } from './mutations';

const MACHINE = 16 * 1024 ** 3;

/** Codes that mean a layer itself is invalid (not that it does not fit its input). */
const VALIDATION_CODES = new Set(['unknown-field', 'unknown-type', 'missing-field', 'wrong-type', 'out-of-range', 'syntax']);

function assertWellFormed(text: string): void {
  const parsed = parseModelText(text);
  for (const d of parsed.diagnostics) {
    assert.ok(d.range.offset >= 0 && d.range.length >= 0, `range ${JSON.stringify(d.range)}`);
    assert.ok(d.range.offset + d.range.length <= Math.max(text.length, 1), `range ${JSON.stringify(d.range)} beyond ${text.length}`);
    assert.ok(d.message.length > 0 && !d.message.includes('\n'), `message ${JSON.stringify(d.message)}`);
  }
  if (parsed.model) assert.equal(parsed.diagnostics.filter((d) => d.severity === 'error').length, 0);
  const a = parsed.analysis;
  if (a) {
    for (const v of Object.values(a.totals)) assert.ok(Number.isFinite(v) && v >= 0, `totals ${JSON.stringify(a.totals)}`);
    if (a.ok) {
      const e = estimateTrainingMemory(a, parsed.model?.training);
      assert.ok(Number.isFinite(e.totalBytes) && e.totalBytes > 0, `estimate ${e.totalBytes}`);
    }
  }
  renderSummary('mutant.cnn.json', parsed, MACHINE);
  buildView(text, 'mutant', MACHINE);
}

/** Every layer shape inference read passes validation on its own: the salvaging validator hands on nothing unchecked. */
function assertInferredLayersValid(text: string): void {
  const analysis = parseModelText(text).analysis;
  for (const info of analysis?.layers ?? []) {
    const alone = parseModelText(modelText([info.layer]));
    const invalid = alone.diagnostics.filter((d) => VALIDATION_CODES.has(d.code));
    assert.deepEqual(invalid, [], `layer ${info.index} reached shape inference as ${JSON.stringify(info.layer)}`);
  }
}

/** Graph invariants: one entry per layer, edges only backwards and mirrored by consumers, diagnostics on their node. */
function assertGraphWellFormed({ text, layerCount }: GraphFile): void {
  assertWellFormed(text);
  const parsed = parseModelText(text);
  const a = parsed.analysis;
  if (!a) return;
  assert.equal(a.entries.length, layerCount);
  a.entries.forEach((e, i) => {
    assert.equal(e.index, i);
    for (const input of e.inputs) {
      if (input.index === undefined) continue;
      assert.ok(input.index >= -1 && input.index < i, `layer ${i} reads ${input.index}`);
      if (input.index >= 0) assert.ok(a.entries[input.index]!.consumers.includes(i), `consumers of ${input.index} lack ${i}`);
    }
    for (const c of e.consumers) assert.ok(a.entries[c]!.inputs.some((x) => x.index === i), `${c} is no consumer of ${i}`);
  });
  if (a.ok) assert.ok(a.layers.every((l) => l.outputShape !== undefined), 'ok with an unknown shape');
  for (const d of parsed.diagnostics) {
    // A diagnostic on an `inputs` element covers exactly that element.
    const at = d.path.indexOf('inputs');
    if (at === 2 && d.path.length === 4) {
      const layer = JSON.parse(text).layers[d.path[1] as number] as { inputs: unknown[] };
      assert.deepEqual(JSON.parse(textAt(text, d.range)), layer.inputs[d.path[3] as number], d.message);
    }
  }
  if (parsed.model) {
    assert.ok(a.ok, 'a model without errors has every shape');
    // The model's own shape function (as the engine calls it) agrees with the editor's.
    const again = inferShapes(parsed.model);
    assert.deepEqual(again.totals, a.totals);
    assert.deepEqual(again.layers.map((l) => [l.name, l.outputShape, l.inputs, l.consumers]), a.layers.map((l) => [l.name, l.outputShape, l.inputs, l.consumers]));
  }
}

const layerArb = fc.oneof(
  fc.record({
    type: fc.constantFrom(...Object.keys(LAYER_SPECS), 'conv', 'Dense', ''),
    filters: fc.oneof(fc.integer({ min: -2, max: 70 }), fc.double(), fc.constant(1e12)),
    kernelSize: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }))),
    units: fc.integer({ min: -1, max: 100 }),
    padding: fc.constantFrom('same', 'valid', 'full'),
    strides: fc.integer({ min: 0, max: 4 }),
    poolSize: fc.integer({ min: 1, max: 5 }),
    rate: fc.double({ min: -1, max: 2, noNaN: true }),
    dilationRate: fc.integer({ min: 1, max: 3 }),
  }, { requiredKeys: ['type'] }),
  fc.anything(),
);

describe('parser properties (fast-check, seeded)', function () {
  this.timeout(120000);

  it('never throws on random JSON values, and every range lies inside the text', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => assertWellFormed(JSON.stringify(value))), { seed: 42, numRuns: 300 });
  });

  it('never throws on random model-like objects', () => {
    const model = fc.record({
      format: fc.constantFrom('cnn-studio/model@1', 'x'),
      input: fc.record({ shape: fc.array(fc.integer({ min: -1, max: 64 }), { minLength: 2, maxLength: 4 }) }),
      layers: fc.array(layerArb, { maxLength: 8 }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(model, (m) => assertWellFormed(JSON.stringify(m, null, 1))), { seed: 7, numRuns: 400 });
  });

  it('never throws on truncated or mutated real model files', () => {
    const text = readRepoFile('examples/vgg-cifar.cnn.json');
    const mutation = fc.record({
      at: fc.nat({ max: text.length }),
      cut: fc.nat({ max: 40 }),
      insert: fc.string({ maxLength: 6, unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '1', 'a', ' ', '-', 'e') }),
    });
    fc.assert(
      fc.property(mutation, ({ at, cut, insert }) => assertWellFormed(text.slice(0, at) + insert + text.slice(at + cut))),
      { seed: 3, numRuns: 400 },
    );
  });

  it('text mutations of every example and fixture: parse, shapes, memory, summary and designer never throw', () => {
    fc.assert(fc.property(textMutant, assertWellFormed), { seed: 11, numRuns: 4000 });
  });

  it('structure mutations of every example and fixture: parse, shapes, memory, summary and designer never throw', () => {
    fc.assert(fc.property(structureMutant, assertWellFormed), { seed: 13, numRuns: 4000 });
  });

  it('random graph files have layers of every type of the registry', () => {
    const seen = new Set(fc.sample(graphFile, { seed: 19, numRuns: 300 }).flatMap((g) => (JSON.parse(g.text) as { layers: { type: unknown }[] }).layers.map((l) => l.type)));
    assert.deepEqual(LAYER_TYPES.filter((t) => !seen.has(t)), []);
  });

  it('random graph files (inputs among earlier, later, unknown and junk names; random merges) never throw, and keep the graph invariants', () => {
    fc.assert(fc.property(graphFile, assertGraphWellFormed), { seed: 19, numRuns: 3000 });
  });

  it('random graph files: only layers that pass validation reach shape inference', () => {
    fc.assert(fc.property(graphFile, (g) => assertInferredLayersValid(g.text)), { seed: 23, numRuns: 500 });
  });

  it('only layers that pass validation reach shape inference, whatever the typos and syntax errors', () => {
    fc.assert(fc.property(fc.oneof(structureMutant, textMutant), assertInferredLayersValid), { seed: 17, numRuns: 1500 });
  });
});
