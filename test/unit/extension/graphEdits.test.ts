// The designer's graph gestures (connect, disconnect, set inputs, add a residual connection) as minimal
// edits, checked against the shape function; and the weights rule: after every gesture that shifts layer
// indices, each other layer's parameters keep their names (`<name>.kernel` …, docs/weights.md).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/model/shapes';
import { parseModelText } from '../../../src/model/parse';
import { LAYER_SPECS, LAYER_TYPES } from '../../../src/model/spec';
import type { Layer } from '../../../src/model/types';
import { applyTextEdit, intentEdit, minimalEdit, JsonEditError, type EditIntent } from '../../../src/extension/editor/edits';
import { PARAM_TYPES } from '../../../src/extension/editor/layerNames';

const LENET = readFileSync(join(__dirname, '../../../examples/lenet5.cnn.json'), 'utf8');
/** The e2e scenario's starting point: two convolutions that keep the shape, then a classifier. */
const TWO_CONV = `{
  "format": "cnn-studio/model@1",
  "name": "two_conv",
  "input": { "shape": [16, 16, 8] },
  "layers": [
    { "type": "conv2d", "filters": 8, "kernelSize": 3, "padding": "same", "activation": "relu" },
    { "type": "conv2d", "filters": 8, "kernelSize": 3, "padding": "same" },
    { "type": "globalAvgPool2d" },
    { "type": "dense", "units": 10, "activation": "softmax" }
  ]
}
`;

function run(text: string, intent: EditIntent): string {
  const edit = intentEdit(text, intent);
  const after = applyTextEdit(text, edit);
  JSON.parse(after);
  return after;
}
const layersOf = (text: string): Record<string, unknown>[] => (JSON.parse(text) as { layers: Record<string, unknown>[] }).layers;
const changedLines = (before: string, after: string): string[] => {
  const old = new Set(before.split('\n'));
  return after.split('\n').filter((l) => !old.has(l));
};

/** Per layer, the names of its weight tensors as the shape function's names give them (empty without weights). */
function paramNames(text: string): string[][] {
  const analysis = parseModelText(text).analysis;
  assert.ok(analysis, 'no analysis');
  return analysis.entries.map((e) => {
    if (!('params' in e) || e.params.trainable + e.params.nonTrainable === 0) return [];
    if (e.type === 'batchNorm') return ['gamma', 'beta', 'movingMean', 'movingVariance'].map((p) => `${e.name}.${p}`);
    if (e.type === 'separableConv2d') return ['depthwiseKernel', 'pointwiseKernel', 'bias'].map((p) => `${e.name}.${p}`);
    return ['kernel', 'bias'].map((p) => `${e.name}.${p}`);
  });
}

/** After the gesture, layer `map(i)` has exactly the parameter names layer i had (map: undefined = gone). */
function assertWeightsKept(before: string, after: string, map: (i: number) => number | undefined): void {
  const was = paramNames(before);
  const now = paramNames(after);
  let checked = 0;
  was.forEach((names, i) => {
    const j = map(i);
    if (j === undefined || names.length === 0) return;
    assert.deepEqual(now[j], names, `layer ${i} (now ${j}) lost its weight names`);
    checked++;
  });
  assert.ok(checked > 0, 'no layer with weights was checked');
  const dup = parseModelText(after).diagnostics.filter((d) => d.code === 'duplicate-name');
  assert.deepEqual(dup, [], 'a gesture created a duplicate name');
}

describe('designer graph edits', () => {
  it('knows which layer types own weights, as the shape function counts them', () => {
    const spatial = [{ type: 'conv2d', filters: 2, kernelSize: 1 }] as unknown as Layer[];
    for (const type of LAYER_TYPES) {
      const template = LAYER_SPECS[type].template as unknown as Layer;
      // Dense needs a flat input, the rest an image; merge layers get two inputs.
      const merge = type === 'add' || type === 'concatenate' || type === 'multiply';
      const layers: Layer[] = type === 'dense' ? [{ type: 'flatten' }, template] : merge ? [{ ...spatial[0]!, name: 'a' } as Layer, { ...template, inputs: ['a', 'input'] } as Layer] : [template];
      const analysis = analyze([8, 8, 2], layers);
      const info = analysis.layers[layers.length - 1]!;
      assert.equal(info.errors.length, 0, `${type}: ${JSON.stringify(info.errors)}`);
      assert.equal(info.params.trainable + info.params.nonTrainable > 0, PARAM_TYPES.has(type), type);
    }
  });

  it('adds a residual connection around two convolutions: names what it references, pins what it shifts', () => {
    const after = run(TWO_CONV, { type: 'addResidual', first: 0, last: 1 });
    assert.deepEqual(changedLines(TWO_CONV, after), [
      '    { "type": "conv2d", "name": "conv2d_1", "filters": 8, "kernelSize": 3, "padding": "same" },',
      '    { "type": "add", "inputs": ["conv2d_1", "input"] },',
      '    { "type": "dense", "name": "dense_3", "units": 10, "activation": "softmax" }',
    ]);
    const parsed = parseModelText(after);
    assert.deepEqual(parsed.diagnostics, []);
    const add = parsed.analysis!.layers[2]!;
    assert.equal(add.type, 'add');
    assert.deepEqual(add.inputs.map((i) => [i.name, i.index, i.shape]), [['conv2d_1', 1, [16, 16, 8]], ['input', -1, [16, 16, 8]]]);
    assert.deepEqual(add.outputShape, [16, 16, 8]);
    assert.deepEqual(parsed.analysis!.layers[3]!.inputs.map((i) => i.index), [2], 'the pooling now reads the sum');
    assert.equal(parsed.analysis!.totals.params, 584 + 584 + 90);
    assertWeightsKept(TWO_CONV, after, (i) => (i > 1 ? i + 1 : i));
    // One edit: from the first change to the last, the text between kept as it was.
    const edit = minimalEdit(TWO_CONV, after)!;
    assert.equal(TWO_CONV.slice(0, edit.offset) + edit.content + TWO_CONV.slice(edit.offset + edit.length), after);
  });

  it('takes the input of the first layer of the block: the previous layer, or the first of its inputs', () => {
    const mid = run(TWO_CONV, { type: 'addResidual', first: 1, last: 1 });
    assert.deepEqual(layersOf(mid)[2], { type: 'add', inputs: ['conv2d_1', 'conv2d_0'] });
    assert.equal(layersOf(mid)[0]!.name, 'conv2d_0');
    assert.equal(parseModelText(mid).diagnostics.length, 0);
    const graph = run(run(TWO_CONV, { type: 'addResidual', first: 0, last: 1 }), { type: 'addResidual', first: 2, last: 3 });
    // The block starts at the add, whose first input is conv2d_1; it ends at the pooling (8 ≠ 16×16×8: the add says so).
    assert.deepEqual(layersOf(graph)[4], { type: 'add', inputs: ['globalAvgPool2d_3', 'conv2d_1'] });
    assert.equal(layersOf(graph)[3]!.name, 'globalAvgPool2d_3');
    const mismatch = parseModelText(graph).diagnostics.filter((d) => d.code === 'shape-mismatch');
    assert.equal(mismatch.length, 1);
    assert.deepEqual(mismatch[0]!.path, ['layers', 4, 'inputs', 1]);
  });

  it('names the add when its default name is taken', () => {
    const text = TWO_CONV.replace('{ "type": "globalAvgPool2d" }', '{ "type": "globalAvgPool2d", "name": "add_2" }');
    const after = run(text, { type: 'addResidual', first: 0, last: 1 });
    assert.deepEqual(layersOf(after)[2], { type: 'add', name: 'add_3', inputs: ['conv2d_1', 'input'] });
    assert.equal(parseModelText(after).diagnostics.filter((d) => d.code === 'duplicate-name').length, 0);
  });

  it('connects an input: the implicit previous layer becomes explicit, both named', () => {
    const text = run(TWO_CONV, { type: 'insertLayer', index: 2, layerType: 'add' });
    assert.deepEqual(parseModelText(text).diagnostics.map((d) => d.code), ['input-count']);
    const after = run(text, { type: 'connectInput', index: 2, from: -1 });
    assert.deepEqual(changedLines(text, after), [
      '    { "type": "conv2d", "name": "conv2d_1", "filters": 8, "kernelSize": 3, "padding": "same" },',
      '    { "type": "add", "inputs": ["conv2d_1", "input"] },',
    ]);
    assert.deepEqual(parseModelText(after).diagnostics, []);
    // A third input goes at the end of the list; an input already there changes nothing.
    const third = run(after, { type: 'connectInput', index: 2, from: 0 });
    assert.deepEqual(layersOf(third)[2], { type: 'add', inputs: ['conv2d_1', 'input', 'conv2d_0'] });
    assert.deepEqual(layersOf(third)[0], { type: 'conv2d', name: 'conv2d_0', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' });
    assert.equal(intentEdit(after, { type: 'connectInput', index: 2, from: -1 }), undefined);
    assert.equal(intentEdit(TWO_CONV, { type: 'connectInput', index: 1, from: 0 }), undefined, 'the previous layer is already the input');
  });

  it('refuses connections to itself, to later layers and to a layer whose name is broken', () => {
    assert.throws(() => intentEdit(TWO_CONV, { type: 'connectInput', index: 1, from: 1 }), JsonEditError);
    assert.throws(() => intentEdit(TWO_CONV, { type: 'connectInput', index: 1, from: 2 }), JsonEditError);
    assert.throws(() => intentEdit(TWO_CONV, { type: 'connectInput', index: 9, from: 0 }), JsonEditError);
    const broken = TWO_CONV.replace('"filters": 8, "kernelSize": 3, "padding": "same", "activation"', '"name": 7, "filters": 8, "kernelSize": 3, "padding": "same", "activation"');
    assert.throws(() => intentEdit(broken, { type: 'connectInput', index: 2, from: 0 }), /name.*not a string/);
  });

  it('disconnects an input; what reads just the previous layer drops "inputs"', () => {
    const three = run(run(run(TWO_CONV, { type: 'insertLayer', index: 2, layerType: 'add' }), { type: 'connectInput', index: 2, from: -1 }), {
      type: 'connectInput',
      index: 2,
      from: 0,
    });
    const two = run(three, { type: 'disconnectInput', index: 2, element: 1 });
    assert.deepEqual(layersOf(two)[2], { type: 'add', inputs: ['conv2d_1', 'conv2d_0'] });
    assert.deepEqual(changedLines(three, two), ['    { "type": "add", "inputs": ["conv2d_1", "conv2d_0"] },']);
    const one = run(two, { type: 'disconnectInput', index: 2, element: 1 });
    assert.deepEqual(layersOf(one)[2], { type: 'add' }, 'only the previous layer is left: implicit again');
    assert.deepEqual(parseModelText(one).diagnostics.map((d) => d.code), ['input-count']);
    const other = run(two, { type: 'disconnectInput', index: 2, element: 0 });
    assert.deepEqual(layersOf(other)[2], { type: 'add', inputs: ['conv2d_0'] }, 'another single input stays explicit');
    assert.throws(() => intentEdit(TWO_CONV, { type: 'disconnectInput', index: 1, element: 0 }), /reads the previous layer/);
    assert.throws(() => intentEdit(two, { type: 'disconnectInput', index: 2, element: 2 }), JsonEditError);
  });

  it('sets the inputs from a pick-list, in the order given', () => {
    const concat = run(TWO_CONV, { type: 'insertLayer', index: 2, layerType: 'concatenate' });
    const after = run(concat, { type: 'setInputs', index: 2, from: [-1, 0, 1] });
    assert.deepEqual(layersOf(after)[2], { type: 'concatenate', inputs: ['input', 'conv2d_0', 'conv2d_1'] });
    assert.deepEqual(parseModelText(after).analysis!.layers[2]!.outputShape, [16, 16, 24]);
    const reordered = run(after, { type: 'setInputs', index: 2, from: [1, -1] });
    assert.deepEqual(layersOf(reordered)[2], { type: 'concatenate', inputs: ['conv2d_1', 'input'] });
    assert.equal(intentEdit(reordered, { type: 'setInputs', index: 2, from: [1, -1] }), undefined);
    // Back to the previous layer, or to nothing: "inputs" goes (the names written stay, they are harmless).
    assert.deepEqual(layersOf(run(reordered, { type: 'setInputs', index: 2, from: [1] }))[2], { type: 'concatenate' });
    assert.deepEqual(layersOf(run(reordered, { type: 'setInputs', index: 2, from: [] }))[2], { type: 'concatenate' });
    assert.equal(intentEdit(TWO_CONV, { type: 'setInputs', index: 1, from: [0] }), undefined);
    // A non-merge layer rewired to the model input.
    const rewired = run(TWO_CONV, { type: 'setInputs', index: 1, from: [-1] });
    assert.deepEqual(layersOf(rewired)[1], { type: 'conv2d', inputs: ['input'], filters: 8, kernelSize: 3, padding: 'same' });
    assert.deepEqual(parseModelText(rewired).diagnostics.map((d) => d.code), ['dead-branch']);
    assert.throws(() => intentEdit(TWO_CONV, { type: 'setInputs', index: 1, from: [0, 0] }), /twice/);
  });

  it('keeps every weight name through inserts, duplicates, moves, deletes and residuals (LeNet-5)', () => {
    const n = layersOf(LENET).length;
    for (let at = 0; at <= n; at++) {
      for (const layerType of ['conv2d', 'dense', 'batchNorm', 'relu']) {
        const after = run(LENET, { type: 'insertLayer', index: at, layerType });
        // Shapes may break (a dense before a conv): the names are what must hold, so read them from the text.
        assertNamesKept(LENET, after, (i) => (i >= at ? i + 1 : i));
      }
    }
    for (let i = 0; i < n; i++) {
      assertWeightsKept(LENET, run(LENET, { type: 'duplicateLayer', index: i }), (k) => (k > i ? k + 1 : k));
      assertNamesKept(LENET, run(LENET, { type: 'deleteLayer', index: i }), (k) => (k === i ? undefined : k > i ? k - 1 : k));
      for (let to = 0; to < n; to++) {
        assertNamesKept(LENET, run(LENET, { type: 'moveLayer', from: i, to }), (k) => (k === i ? to : i < to && k > i && k <= to ? k - 1 : to < i && k >= to && k < i ? k + 1 : k));
      }
    }
    for (let first = 0; first < n; first++) {
      for (let last = first; last < n; last++) assertNamesKept(LENET, run(LENET, { type: 'addResidual', first, last }), (k) => (k > last ? k + 1 : k));
    }
    assertWeightsKept(LENET, run(LENET, { type: 'insertLayer', index: 0, layerType: 'batchNorm' }), (k) => k + 1);
    assertWeightsKept(LENET, run(LENET, { type: 'deleteLayer', index: 1 }), (k) => (k === 1 ? undefined : k > 1 ? k - 1 : k));
    assertWeightsKept(LENET, run(LENET, { type: 'moveLayer', from: 5, to: 6 }), (k) => (k === 5 ? 6 : k === 6 ? 5 : k));
  });

  it('names a duplicate apart from its original', () => {
    const named = run(TWO_CONV, { type: 'editField', path: ['layers', 0, 'name'], value: 'stem' });
    const copy = run(named, { type: 'duplicateLayer', index: 0 });
    // conv2d_1 is the next layer's (written down as it moves on), so the copy takes the next free number.
    assert.deepEqual(layersOf(copy).map((l) => l.name), ['stem', 'conv2d_2', 'conv2d_1', undefined, 'dense_3']);
    assertWeightsKept(named, copy, (k) => (k > 0 ? k + 1 : k));
    const again = run(copy, { type: 'duplicateLayer', index: 2 });
    // A copy whose default name is free goes unnamed.
    assert.deepEqual(layersOf(again).map((l) => l.name), ['stem', 'conv2d_2', 'conv2d_1', undefined, undefined, 'dense_3']);
    assertWeightsKept(copy, again, (k) => (k > 2 ? k + 1 : k));
  });
});

/** The weights rule on the text alone (for gestures that break shapes): every layer of a weighted type keeps its name. */
function assertNamesKept(before: string, after: string, map: (i: number) => number | undefined): void {
  const name = (l: Record<string, unknown>, i: number): string => (typeof l.name === 'string' ? l.name : `${String(l.type)}_${i}`);
  const was = layersOf(before);
  const now = layersOf(after);
  was.forEach((l, i) => {
    const j = map(i);
    if (j === undefined || !PARAM_TYPES.has(String(l.type))) return;
    assert.equal(name(now[j]!, j), name(l, i), `layer ${i} → ${j}`);
  });
  const names = now.map(name);
  assert.equal(new Set(names).size, names.length, `duplicate names: ${names.join(', ')}`);
}
