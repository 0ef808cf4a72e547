// Export → import gives the same model semantics (the shape function's per-layer shapes and parameters, the totals)
// and the same weights, for every example, every layer type (from the registry) and random chain and graph models;
// the imported network computes what the original does.
import assert from 'node:assert/strict';
import { readWeights } from '../../../src/node/checkpoint/weightsFile';
import { loadWeightsInto } from '../../../src/engine/weights';
import { exportOnnx } from '../../../src/interop/onnx/export';
import { importOnnx } from '../../../src/interop/onnx/import';
import { analyze } from '../../../src/model/shapes';
import type { LayerType, Model } from '../../../src/model/types';
import { assertCoversEveryLayerType, engineOutput, exampleModels, groupedModels, layerTypeModels, maxAbsDiff, type LayerContext, networkOf, randomChainModel, randomGraphModel, randomInput, randomizeWeights, rngFor, weightsOf } from './helpers';

function roundTrip(model: Model, weights: Map<string, Float32Array>, classes?: readonly string[]): ReturnType<typeof importOnnx> {
  const bytes = exportOnnx({ model, analysis: analyze(model.input.shape, model.layers), weights, ...(classes ? { classes } : {}) });
  return importOnnx(bytes, { name: 'unused' });
}

function assertSameSemantics(original: Model, imported: Model): void {
  const a = analyze(original.input.shape, original.layers);
  const b = analyze(imported.input.shape, imported.layers);
  assert.ok(b.ok, 'the imported model has errors');
  assert.deepEqual(imported.input, original.input);
  assert.deepEqual(b.totals, a.totals);
  // ONNX cannot tell a depthwise convolution of one channel from a plain one (group 1 both): it comes back as conv2d;
  // nor a conv2d with groups = channels from a depthwise one (the same Conv): it comes back as depthwiseConv2d.
  const type = (l: (typeof a.layers)[number]): string => {
    if (l.type === 'depthwiseConv2d' && l.inputShape![2] === 1) return 'conv2d';
    return l.layer.type === 'conv2d' && l.layer.groups === l.inputShape![2] && l.inputShape![2] !== 1 ? 'depthwiseConv2d' : l.type;
  };
  const summary = (x: typeof a): unknown[] => x.layers.map((l) => [l.name, type(l), l.outputShape, l.params, l.inputs.map((i) => i.index)]);
  assert.deepEqual(summary(b), summary(a));
}

function assertSameWeights(imported: ReturnType<typeof importOnnx>, weights: Map<string, Float32Array>): void {
  assert.deepEqual(imported.tensors.map((t) => t.name), [...weights.keys()]);
  for (const t of imported.tensors) assert.deepEqual(t.data, weights.get(t.name), t.name);
}

/** The model comes back with the same semantics and weights, and computes the same outputs. */
function assertRoundTrip(model: Model, seed: number): void {
  const net = networkOf(model);
  randomizeWeights(net, rngFor(seed));
  const weights = weightsOf(net);
  const back = roundTrip(model, weights);
  assertSameSemantics(model, back.model);
  assertSameWeights(back, weights);
  const copy = networkOf(back.model);
  loadWeightsInto(back.model, copy.params, { tensors: back.tensors, metadata: {} });
  const x = randomInput(model, 2, rngFor(seed + 50));
  assert.ok(maxAbsDiff(engineOutput(copy, back.model, x, 2), engineOutput(net, model, x, 2)) <= 1e-6);
}

describe('ONNX round trip: export, then import', function () {
  this.timeout(120_000);

  for (const { file, model } of exampleModels()) {
    it(`${file.split('/').pop()!} comes back as the same layers and weights`, async () => {
      const net = networkOf(model);
      const saved = await readWeights(file);
      if (saved) loadWeightsInto(model, net.params, saved);
      else randomizeWeights(net, rngFor(3));
      const weights = weightsOf(net);
      const back = roundTrip(model, weights, ['zero', 'one']);
      // The examples write every field as the importer does, so even the text's layers are the same.
      assert.deepEqual(back.model.layers, model.layers);
      assert.equal(back.model.name, model.name);
      assert.equal(back.model.description, model.description);
      assert.deepEqual(back.classes, ['zero', 'one']);
      assertSameSemantics(model, back.model);
      assertSameWeights(back, weights);
    });
  }

  /** Layer types and contexts whose round trip cannot give the same layers, by design, and why. */
  const impossible: Partial<Record<`${LayerType}@${LayerContext}`, string>> = {
    'flatten@flat': "a flatten of flat features is the identity: ONNX's Flatten of [N, features] comes back as no layer",
  };
  const perType = layerTypeModels();
  for (const [k, { type, context, model }] of perType.entries()) {
    const why = impossible[`${type}@${context}`];
    if (why) {
      // Kept honest: once it works, the exception goes.
      it(`${type} on ${context} does not come back the same (${why})`, () => assert.throws(() => assertRoundTrip(model, k)));
      continue;
    }
    it(`${type} (its registry template, on ${context}) comes back as the same layers, weights and outputs`, () => assertRoundTrip(model, k));
  }
  it('round-trips every layer type', () => assertCoversEveryLayerType(perType.filter((c) => !impossible[`${c.type}@${c.context}`]).map((c) => c.type), 'the round trips'));

  for (const [k, model] of groupedModels().entries()) {
    it(`${model.name} (conv2d groups) keeps its semantics, weights and outputs`, () => assertRoundTrip(model, 40 + k));
  }

  const cases: [string, (k: number) => Model][] = [
    ['chain', (k) => randomChainModel(rngFor(700 + k), k)],
    ['graph', (k) => randomGraphModel(rngFor(800 + k), k)],
  ];
  for (const [kind, make] of cases) {
    for (let k = 0; k < 8; k++) {
      it(`random ${kind} model #${k} keeps its semantics, weights and outputs`, () => assertRoundTrip(make(k), k));
    }
  }
});
