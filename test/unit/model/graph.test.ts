// Graph models (`inputs`, merges, the new layers): exact messages, codes and ranges from the one shape function,
// and that every problem points at the node that causes it (an `inputs` element, a name, a padding value).
import { strict as assert } from 'node:assert';
import type { LayerInfo } from '../../../src/model/analysis';
import { parseModelText, type ParsedModel } from '../../../src/model/parse';
import { modelText, textAt } from './helpers';

interface Found {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** The text the range covers. */
  readonly at: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Parses layers and checks that every diagnostic lies inside the text, and a layer's inside that layer. */
function parse(layers: unknown[], input: number[] = [8, 8, 3]): ParsedModel & { text: string; found: Found[] } {
  const text = modelText(layers, input);
  const parsed = parseModelText(text);
  for (const d of parsed.diagnostics) {
    assert.ok(d.range.offset >= 0 && d.range.offset + d.range.length <= text.length, `${d.message}: ${JSON.stringify(d.range)}`);
    if (d.layerIndex === undefined) continue;
    const layer = parsed.layers[d.layerIndex]!.range;
    assert.ok(d.range.offset >= layer.offset && d.range.offset + d.range.length <= layer.offset + layer.length, `${d.message} outside layer ${d.layerIndex}`);
    assert.equal(d.path[1], d.layerIndex);
  }
  const found = parsed.diagnostics.map((d) => ({ code: d.code, severity: d.severity, at: textAt(text, d.range).replace(/\s+/g, ' '), path: d.path, message: d.message }));
  return { ...parsed, text, found };
}

function info(parsed: ParsedModel, index: number): LayerInfo {
  const entry = parsed.analysis!.entries[index]!;
  assert.ok(!('invalid' in entry), `layer ${index} is invalid`);
  return entry;
}

const conv = (name: string, filters: number, extra: Record<string, unknown> = {}) => ({ type: 'conv2d', name, filters, kernelSize: 3, padding: 'same', ...extra });

describe('graph models: merges', () => {
  it('says which add inputs differ, with both shapes, at the element that differs', () => {
    const p = parse(
      [conv('block1_out', 32), conv('block2_conv1', 64, { strides: 2 }), conv('block2_conv2', 64), { type: 'add', inputs: ['block1_out', 'block2_conv2'] }],
      [32, 32, 3],
    );
    assert.deepEqual(p.found, [
      {
        code: 'shape-mismatch',
        severity: 'error',
        at: '"block2_conv2"',
        path: ['layers', 3, 'inputs', 1],
        message: 'add needs equal shapes: "block2_conv2" gives 16×16×64 but "block1_out" gives 32×32×32',
      },
    ]);
    assert.equal(p.diagnostics[0]!.layerIndex, 3);
    assert.equal(info(p, 3).outputShape, undefined);
    assert.equal(p.analysis!.ok, false);
    assert.equal(p.model, undefined);
  });

  it('reports every add input that differs from the first, each at its element', () => {
    const p = parse([conv('a', 4), conv('b', 5, { inputs: ['input'] }), conv('c', 4, { inputs: ['input'] }), conv('d', 6, { inputs: ['input'] }), { type: 'add', inputs: ['a', 'b', 'c', 'd'] }]);
    assert.deepEqual(
      p.found.map((f) => [f.at, f.path[3], f.message]),
      [
        ['"b"', 1, 'add needs equal shapes: "b" gives 8×8×5 but "a" gives 8×8×4'],
        ['"d"', 3, 'add needs equal shapes: "d" gives 8×8×6 but "a" gives 8×8×4'],
      ],
    );
  });

  it('adds a residual block: shapes, no parameters, resolved inputs and consumers', () => {
    const p = parse([conv('stem', 16), conv('c1', 16), conv('c2', 16), { type: 'add', name: 'sum', inputs: ['c2', 'stem'] }, { type: 'relu' }], [32, 32, 3]);
    assert.deepEqual(p.found, []);
    assert.ok(p.model && p.analysis!.ok);
    const add = info(p, 3);
    assert.deepEqual(add.outputShape, [32, 32, 16]);
    assert.deepEqual(add.params, { trainable: 0, nonTrainable: 0 });
    assert.deepEqual(add.inputs, [
      { name: 'c2', index: 2, shape: [32, 32, 16] },
      { name: 'stem', index: 0, shape: [32, 32, 16] },
    ]);
    assert.deepEqual(add.inputShape, [32, 32, 16]);
    // "stem" feeds the next conv (implicitly) and the add; the last layer feeds nothing.
    assert.deepEqual(p.analysis!.entries.map((e) => e.consumers), [[1, 3], [2], [3], [4], []]);
    assert.deepEqual(info(p, 4).inputs, [{ name: 'sum', index: 3, shape: [32, 32, 16] }]);
    assert.equal(p.analysis!.totals.params, 3 * (3 * 3 * 16 * 16 + 16) - 3 * 3 * 16 * 16 + 3 * 3 * 3 * 16);
  });

  it('lets add and concatenate take the same input twice (Keras: add([x, x]))', () => {
    const p = parse([{ type: 'add', name: 'twice', inputs: ['input', 'input'] }, { type: 'concatenate', name: 'cat', inputs: ['twice', 'twice'] }, { type: 'add', inputs: ['cat', 'cat'] }]);
    assert.deepEqual(p.found, []);
    assert.deepEqual(info(p, 0).outputShape, [8, 8, 3]);
    assert.deepEqual(info(p, 1).outputShape, [8, 8, 6]);
    assert.deepEqual(info(p, 2).outputShape, [8, 8, 6]);
    assert.deepEqual(info(p, 0).inputs.map((i) => i.index), [-1, -1]);
    // A consumer is listed once, however many times it reads the output.
    assert.deepEqual(p.analysis!.entries.map((e) => e.consumers), [[1], [2], []]);
  });

  it('concatenates along channels: 8×8×3 + 8×8×5 + 8×8×3 = 8×8×11, and flat vectors end to end', () => {
    const p = parse([conv('a', 3, { kernelSize: 1 }), conv('b', 5, { inputs: ['input'] }), { type: 'concatenate', name: 'cat', inputs: ['a', 'b', 'input'] }]);
    assert.deepEqual(p.found, []);
    assert.deepEqual(info(p, 2).outputShape, [8, 8, 11]);
    assert.deepEqual(info(p, 2).params, { trainable: 0, nonTrainable: 0 });
    const flat = parse([{ type: 'flatten', name: 'f' }, { type: 'globalAvgPool2d', name: 'g', inputs: ['input'] }, { type: 'concatenate', inputs: ['f', 'g'] }]);
    assert.deepEqual(flat.found, []);
    assert.deepEqual(info(flat, 2).outputShape, [195]);
  });

  it('says concatenate needs equal height and width, or equal rank, at the element', () => {
    const p = parse([conv('a', 3, { padding: 'valid' }), { type: 'concatenate', inputs: ['input', 'a'] }]);
    assert.deepEqual(p.found, [
      {
        code: 'shape-mismatch',
        severity: 'error',
        at: '"a"',
        path: ['layers', 1, 'inputs', 1],
        message: 'concatenate needs equal height and width: "a" gives 6×6×3 but "input" gives 8×8×3',
      },
    ]);
    const rank = parse([{ type: 'flatten', name: 'f' }, { type: 'concatenate', inputs: ['f', 'input'] }]);
    assert.deepEqual(
      rank.found.map((f) => [f.at, f.message]),
      [['"input"', 'concatenate needs inputs of equal shape but for the last axis: "input" gives 8×8×3 but "f" gives 192']],
    );
  });

  it('needs two or more merge inputs: at "inputs" when it lists one, at the type when there is none', () => {
    const one = parse([{ type: 'relu', name: 'a' }, { type: 'add', inputs: ['a'] }]);
    assert.deepEqual(one.found, [
      { code: 'input-count', severity: 'error', at: '[ "a" ]', path: ['layers', 1, 'inputs'], message: 'add needs two or more inputs: "inputs" names only 1' },
    ]);
    const none = parse([{ type: 'relu', name: 'a' }, { type: 'concatenate' }]);
    assert.deepEqual(none.found, [
      {
        code: 'input-count',
        severity: 'error',
        at: '"concatenate"',
        path: ['layers', 1],
        message: 'concatenate needs two or more inputs: list them in "inputs", e.g. ["block1_out", "conv2d_4"]',
      },
    ]);
    assert.equal(info(none, 1).outputShape, undefined);
  });

  it('gives a single-input layer with two inputs one error, on its "inputs"', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'conv2d', filters: 2, kernelSize: 1, inputs: ['a', 'input'] }]);
    assert.deepEqual(p.found, [
      {
        code: 'input-count',
        severity: 'error',
        at: '[ "a", "input" ]',
        path: ['layers', 1, 'inputs'],
        message: 'conv2d takes one input, but "inputs" names 2: merge them first with an add or concatenate layer',
      },
    ]);
    assert.equal(info(p, 1).outputShape, undefined);
    assert.deepEqual(info(p, 1).inputs.map((i) => i.name), ['a', 'input']);
  });
});

describe('graph models: references', () => {
  it('suggests the closest earlier name for an unknown input', () => {
    const p = parse([conv('stem', 8), { type: 'relu', inputs: ['stme'] }]);
    assert.deepEqual(p.found, [
      { code: 'bad-reference', severity: 'error', at: '"stme"', path: ['layers', 1, 'inputs', 0], message: 'no layer is named "stme"; did you mean "stem"?' },
    ]);
    assert.equal(p.diagnostics[0]!.suggestion, 'stem');
    assert.deepEqual(info(p, 1).inputs, [{ name: 'stme' }]);
    assert.equal(info(p, 1).outputShape, undefined);
  });

  it('lists the earlier names when nothing is close, and says the first layer can only take "input"', () => {
    const far = parse([conv('stem', 8), { type: 'relu', name: 'r' }, { type: 'add', inputs: ['stem', 'zzzzzz'] }]);
    assert.deepEqual(
      far.found.map((f) => [f.at, f.path, f.message]),
      [['"zzzzzz"', ['layers', 2, 'inputs', 1], 'no layer is named "zzzzzz" (earlier layers: "input", "stem", "r")']],
    );
    assert.equal(far.diagnostics[0]!.suggestion, undefined);
    const first = parse([{ type: 'relu', inputs: ['zzzzzz'] }]);
    assert.deepEqual(first.found.map((f) => f.message), ['no layer is named "zzzzzz" (the first layer can only take "input")']);
    // Only the last six names are listed.
    const many = parse([...Array.from({ length: 8 }, (_, i) => ({ type: 'relu', name: `r${i}` })), { type: 'relu', inputs: ['zzzzzz'] }]);
    assert.deepEqual(many.found.map((f) => f.message), ['no layer is named "zzzzzz" (earlier layers: …, "r2", "r3", "r4", "r5", "r6", "r7")']);
  });

  it('rejects a reference to a later layer, at that reference', () => {
    const p = parse([{ type: 'relu', name: 'a', inputs: ['b'] }, { type: 'relu', name: 'b' }]);
    assert.deepEqual(p.found, [
      {
        code: 'bad-reference',
        severity: 'error',
        at: '"b"',
        path: ['layers', 0, 'inputs', 0],
        message: `"b" is layer 1, after this one (0): a layer's inputs must come earlier in the file`,
      },
    ]);
  });

  it('rejects a layer that takes its own output', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', name: 'b', inputs: ['a', 'b'] }]);
    assert.deepEqual(
      p.found.map((f) => [f.code, f.at, f.path, f.message]),
      [
        ['bad-reference', '"b"', ['layers', 1, 'inputs', 1], 'a layer cannot take its own output ("b")'],
        // The layer still has two inputs: a relu takes one.
        ['input-count', '[ "a", "b" ]', ['layers', 1, 'inputs'], 'relu takes one input, but "inputs" names 2: merge them first with an add or concatenate layer'],
      ],
    );
  });

  it('rejects a reference to a default name and says how to name the layer', () => {
    const p = parse([{ type: 'conv2d', filters: 2, kernelSize: 1 }, { type: 'relu', inputs: ['conv2d_0'] }]);
    assert.deepEqual(p.found, [
      {
        code: 'bad-reference',
        severity: 'error',
        at: '"conv2d_0"',
        path: ['layers', 1, 'inputs', 0],
        message: `"conv2d_0" is only layer 0's default name: give that layer "name": "conv2d_0" to reference it`,
      },
    ]);
  });

  it('resolves a reference to a layer that failed validation, and reports a bad reference inside one', () => {
    const p = parse([{ type: 'conv2d', name: 'a', filters: -1, kernelSize: 1, inputs: ['zzz'] }, { type: 'relu', inputs: ['a'] }]);
    assert.deepEqual(
      p.found.map((f) => [f.code, f.at, f.message]),
      [
        ['out-of-range', '-1', 'layers[0].filters is -1; it must be ≥ 1 and ≤ 1048576'],
        ['bad-reference', '"zzz"', 'no layer is named "zzz" (the first layer can only take "input")'],
      ],
    );
    const [bad, relu] = p.analysis!.entries;
    assert.deepEqual(bad, { index: 0, name: 'a', invalid: true, inputs: [{ name: 'zzz' }], consumers: [1], errors: [bad!.errors[0]] });
    assert.deepEqual(info(p, 1).inputs, [{ name: 'a', index: 0 }]);
    assert.equal(relu!.index, 1);
    assert.equal(p.analysis!.layers.length, 1);
  });
});

describe('graph models: names', () => {
  it('keeps the default name <type>_<index> of a layer that fails validation, as its readers see it', () => {
    const p = parse([{ type: 'conv2d', kernelSize: 3 }, { type: 'relu' }]);
    const entry = p.analysis!.entries[0]!;
    assert.equal(entry.name, 'conv2d_0');
    assert.equal(p.analysis!.entries[1]!.inputs[0]!.name, 'conv2d_0');
  });

  it('rejects a name given twice, on the second one', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', name: 'a' }]);
    assert.deepEqual(p.found, [
      { code: 'duplicate-name', severity: 'error', at: '"a"', path: ['layers', 1, 'name'], message: '"a" is already the name of layer 0: names must be unique (they name the weights)' },
    ]);
    assert.ok(p.found[0]!.at === textAt(p.text, p.layers[1]!.fields.get('name')!.value));
  });

  it("rejects a name that is another layer's default name, before or after it", () => {
    const later = parse([{ type: 'relu', name: 'relu_1' }, { type: 'relu' }]);
    assert.deepEqual(later.found.map((f) => [f.code, f.path, f.message]), [
      ['duplicate-name', ['layers', 0, 'name'], '"relu_1" is also the default name of layer 1: choose another (names name the weights)'],
    ]);
    const earlier = parse([{ type: 'relu' }, { type: 'relu', name: 'relu_0' }]);
    assert.deepEqual(earlier.found.map((f) => [f.code, f.path, f.message]), [
      ['duplicate-name', ['layers', 1, 'name'], '"relu_0" is the default name of layer 0: names must be unique (they name the weights)'],
    ]);
  });

  it('reserves "input" for the model input', () => {
    const p = parse([{ type: 'relu', name: 'input' }, { type: 'relu', inputs: ['input'] }]);
    assert.deepEqual(p.found, [
      { code: 'duplicate-name', severity: 'error', at: '"input"', path: ['layers', 0, 'name'], message: `the name "input" is the model input's: choose another` },
      // "input" still means the model input, so nothing reads this layer.
      { code: 'dead-branch', severity: 'warning', at: '"relu"', path: ['layers', 0], message: `"input" does not contribute to the model's output (the last layer): no layer takes its output` },
    ]);
    assert.deepEqual(info(p, 1).inputs, [{ name: 'input', index: -1, shape: [8, 8, 3] }]);
  });

  it('names layers <type>_<index> by default, as chains always did', () => {
    const p = parse([{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'relu', name: 'act' }, { type: 'flatten' }]);
    assert.deepEqual(p.analysis!.layers.map((l) => l.name), ['conv2d_0', 'act', 'flatten_2']);
  });
});

describe('graph models: unusable inputs', () => {
  it('rejects "inputs": [] once, and leaves the output unknown rather than guessing', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', inputs: [] }, { type: 'flatten' }]);
    assert.deepEqual(p.found, [
      {
        code: 'out-of-range',
        severity: 'error',
        at: '[]',
        path: ['layers', 1, 'inputs'],
        message: 'layers[1].inputs is empty: name one or more earlier layers (or "input"), or leave it out to take the previous layer',
      },
    ]);
    assert.equal(info(p, 1).outputShape, undefined);
    assert.deepEqual(info(p, 1).inputs, []);
    assert.equal(info(p, 2).outputShape, undefined);
    assert.equal(p.analysis!.ok, false);
  });

  it('rejects entries that are not names, each at its element, with no second error on the merge', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'add', inputs: [1, 'a', null, '', { x: 1 }] }]);
    assert.deepEqual(
      p.found.map((f) => [f.code, f.at, f.message]),
      [
        ['wrong-type', '1', 'layers[1].inputs[0] must be a layer name (a string), not 1'],
        ['wrong-type', 'null', 'layers[1].inputs[2] must be a layer name (a string), not null'],
        ['wrong-type', '""', 'layers[1].inputs[3] is empty: name an earlier layer, or "input"'],
        ['wrong-type', '{ "x": 1 }', 'layers[1].inputs[4] must be a layer name (a string), not an object'],
      ],
    );
    // The usable name still resolves (the designer draws that edge); the output is unknown.
    assert.deepEqual(info(p, 1).inputs, [{ name: 'a', index: 0, shape: [8, 8, 3] }]);
    assert.deepEqual(info(p, 0).consumers, [1]);
    assert.equal(info(p, 1).outputShape, undefined);
  });

  it('still checks the names among unusable entries, at their own element', () => {
    const p = parse([{ type: 'relu', name: 'stem' }, { type: 'add', inputs: [7, 'stme'] }]);
    assert.deepEqual(
      p.found.map((f) => [f.code, f.at, f.path]),
      [
        ['wrong-type', '7', ['layers', 1, 'inputs', 0]],
        ['bad-reference', '"stme"', ['layers', 1, 'inputs', 1]],
      ],
    );
  });

  it('rejects "inputs" that is not an array', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', inputs: 'a' }]);
    assert.deepEqual(p.found.map((f) => [f.code, f.at, f.message]), [
      ['wrong-type', '"a"', 'layers[1].inputs must be an array of layer names, e.g. ["conv2d_1", "block1_out"], not the string "a"'],
    ]);
    assert.equal(info(p, 1).outputShape, undefined);
  });
});

describe('graph models: dead branches', () => {
  it('warns about a layer whose output reaches nothing, and the model stays usable', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', name: 'side', inputs: ['a'] }, { type: 'sigmoid', inputs: ['a'] }]);
    assert.deepEqual(p.found, [
      {
        code: 'dead-branch',
        severity: 'warning',
        at: '"relu"',
        path: ['layers', 1],
        message: `"side" does not contribute to the model's output (the last layer): no layer takes its output`,
      },
    ]);
    assert.ok(p.model, 'warnings keep the model');
    assert.equal(p.analysis!.ok, true);
    assert.deepEqual(p.analysis!.outputShape, [8, 8, 3]);
  });

  it('warns about every layer of a dead chain, saying why', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', name: 'b1' }, { type: 'relu', name: 'b2' }, { type: 'sigmoid', inputs: ['a'] }]);
    assert.deepEqual(
      p.found.map((f) => [f.severity, f.path, f.message]),
      [
        ['warning', ['layers', 1], `"b1" does not contribute to the model's output (the last layer): the layers that take its output do not reach it either`],
        ['warning', ['layers', 2], `"b2" does not contribute to the model's output (the last layer): no layer takes its output`],
      ],
    );
    assert.ok(p.model);
  });

  it('gives no dead-branch warnings while a reference does not resolve (the graph is not known yet)', () => {
    const p = parse([{ type: 'relu', name: 'a' }, { type: 'relu', name: 'side', inputs: ['a'] }, { type: 'sigmoid', inputs: ['nope'] }]);
    assert.deepEqual(p.found.map((f) => f.code), ['bad-reference']);
  });

  it('gives no warnings for a chain, nor for a layer that only feeds a merge', () => {
    assert.deepEqual(parse([{ type: 'relu' }, { type: 'sigmoid' }, { type: 'tanh' }]).found, []);
    assert.deepEqual(parse([{ type: 'relu', name: 'a' }, { type: 'sigmoid', name: 'b', inputs: ['input'] }, { type: 'add', inputs: ['a', 'b'] }]).found, []);
  });
});

describe('graph models: explicit inputs and chains', () => {
  it('gives the same analysis for a chain and for the same chain with every input spelt out', () => {
    const chain = [
      { type: 'conv2d', name: 'c1', filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' },
      { type: 'maxPool2d', name: 'p1' },
      { type: 'conv2d', name: 'c2', filters: 16, kernelSize: 5, activation: 'relu' },
      { type: 'flatten', name: 'f' },
      { type: 'dense', name: 'd', units: 10, activation: 'softmax' },
    ];
    const spelt = chain.map((l, i) => ({ ...l, inputs: [i === 0 ? 'input' : chain[i - 1]!.name] }));
    const a = parse(chain, [28, 28, 1]);
    const b = parse(spelt, [28, 28, 1]);
    assert.deepEqual(b.found, []);
    const strip = (p: ParsedModel) => p.analysis!.layers.map((l) => [l.name, l.outputShape, l.params, l.macs, l.inputs, l.consumers]);
    assert.deepEqual(strip(b), strip(a));
    assert.deepEqual(b.analysis!.totals, a.analysis!.totals);
    assert.equal(a.analysis!.totals.params, 156 + 2416 + 1600 * 10 + 10);
  });

  it('analyses 50,000 named layers with a shortcut each in linear time (name checks once per name, not per pair)', function () {
    // A scan per name took 7 s for 20,000 named layers; 50,000 would take a minute.
    this.timeout(20000);
    const n = 50000;
    const layers = Array.from({ length: n }, (_, i) => ({ type: 'add', name: `r${i}`, inputs: [i === 0 ? 'input' : `r${i - 1}`, 'input'] }));
    const text = modelText(layers, [2, 2, 1]);
    const p = parseModelText(text);
    assert.equal(p.diagnostics.length, 0);
    assert.equal(p.analysis!.entries.length, n);
    assert.deepEqual(p.analysis!.layers[n - 1]!.inputs.map((i) => i.index), [n - 2, -1]);
  });

  it('gives a chain layer its previous layer as its one input (the model input for the first)', () => {
    const p = parse([{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'relu' }]);
    assert.deepEqual(info(p, 0).inputs, [{ name: 'input', index: -1, shape: [8, 8, 3] }]);
    assert.deepEqual(info(p, 1).inputs, [{ name: 'conv2d_0', index: 0, shape: [6, 6, 2] }]);
    assert.deepEqual(p.analysis!.entries.map((e) => e.consumers), [[1], []]);
  });
});

describe('new layers', () => {
  it('pads zeros in the three Keras forms: n, [h, w], [[top, bottom], [left, right]], and 1 by default', () => {
    const p = parse([
      { type: 'zeroPadding2D', padding: 2 },
      { type: 'zeroPadding2D', padding: [1, 3] },
      { type: 'zeroPadding2D', padding: [[0, 1], [2, 3]] },
      { type: 'zeroPadding2D' },
      { type: 'zeroPadding2D', padding: 0 },
    ]);
    assert.deepEqual(p.found, []);
    assert.deepEqual(p.analysis!.layers.map((l) => l.outputShape), [[12, 12, 3], [14, 18, 3], [15, 23, 3], [17, 25, 3], [17, 25, 3]]);
    assert.deepEqual(p.analysis!.layers.map((l) => l.params.trainable + l.macs), [0, 0, 0, 0, 0]);
    assert.deepEqual(p.model!.layers[2], { type: 'zeroPadding2D', padding: [[0, 1], [2, 3]] });
  });

  it('rejects padding in any other form, at the value that is wrong', () => {
    const p = parse([
      { type: 'zeroPadding2D', padding: -1 },
      { type: 'zeroPadding2D', padding: [1] },
      { type: 'zeroPadding2D', padding: [[1, 2], 3] },
      { type: 'zeroPadding2D', padding: [[1, 2, 3], [1, 2]] },
      { type: 'zeroPadding2D', padding: 'same' },
      { type: 'zeroPadding2D', padding: [1.5, 2] },
      { type: 'zeroPadding2D', padding: [[1, 2], [3, -4]] },
      { type: 'zeroPadding2D', padding: [1, 2, 3] },
    ]);
    const any = 'a whole number, [height, width] or [[top, bottom], [left, right]]';
    assert.deepEqual(
      p.found.map((f) => [f.at, f.path.slice(2), f.message]),
      [
        ['-1', ['padding'], 'layers[0].padding is -1; it must be ≥ 0 and ≤ 65536'],
        ['[ 1 ]', ['padding'], `layers[1].padding must be ${any}, not an array`],
        ['[ [ 1, 2 ], 3 ]', ['padding'], `layers[2].padding must be ${any}, not an array`],
        ['[ 1, 2, 3 ]', ['padding', 0], 'layers[3].padding[0] must be [top, bottom], not an array'],
        ['"same"', ['padding'], `layers[4].padding must be ${any}, not the string "same"`],
        ['1.5', ['padding', 0], 'layers[5].padding[0] must be a whole number, not a fraction'],
        ['-4', ['padding', 1, 1], 'layers[6].padding[1][1] is -4; it must be ≥ 0 and ≤ 65536'],
        ['[ 1, 2, 3 ]', ['padding'], `layers[7].padding must be ${any}, not an array`],
      ],
    );
    assert.ok(p.found.every((f) => f.code === 'wrong-type' || f.code === 'out-of-range'));
  });

  it("gives PyTorch's shapes for explicit padding, ceil mode and pool dilation (torchvision's numbers), and names the field of a bad window", () => {
    // ResNet's stem: Conv2d(3, 64, 7, stride 2, padding 3, bias=False) → 112×112×64 and 64·3·49 = 9,408 weights; MaxPool2d(3, 2, padding 1) → 56.
    const resnet = parse([{ type: 'conv2d', filters: 64, kernelSize: 7, strides: 2, padding: 3, useBias: false }, { type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1 }], [224, 224, 3]);
    assert.deepEqual(resnet.found, []);
    assert.deepEqual(info(resnet, 0).outputShape, [112, 112, 64]);
    assert.equal(info(resnet, 0).params.trainable, 9408);
    assert.deepEqual(info(resnet, 1).outputShape, [56, 56, 64]);
    // SqueezeNet 1.0's MaxPool2d(3, 2, ceil_mode=True): 109 → 106 / 2 + 1 = 54 either way; 54 → ⌈51 / 2⌉ + 1 = 27 (rounding down: 26).
    const squeeze = parse([{ type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }, { type: 'maxPool2d', poolSize: 3, strides: 2, ceilMode: true }, { type: 'maxPool2d', poolSize: 3, strides: 2 }], [109, 54, 2]);
    assert.deepEqual([0, 1, 2].map((k) => info(squeeze, k).outputShape), [[54, 27, 2], [27, 13, 2], [13, 6, 2]]);
    // A last window that would start in the bottom/right padding is dropped: 5, kernel 2, stride 2, padding 1 → 3, not ⌈4 / 2⌉ + 1 = 4.
    const dropped = parse([{ type: 'avgPool2d', poolSize: 2, strides: 2, padding: 1, ceilMode: true, countIncludePad: true }], [5, 6, 1]);
    assert.deepEqual(info(dropped, 0).outputShape, [3, 4, 1]);
    // MaxPool2d(2, stride 1, padding [[1, 0], [0, 2]], dilation 3): spans 4; (7 + 1 − 4) + 1 = 5 rows, (6 + 2 − 4) + 1 = 5 columns.
    const dilated = parse([{ type: 'maxPool2d', poolSize: 2, strides: 1, padding: [[1, 0], [0, 2]], dilationRate: 3 }], [7, 6, 1]);
    assert.deepEqual(info(dilated, 0).outputShape, [5, 5, 1]);
    const bad = parse([
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'full' },
      { type: 'maxPool2d', poolSize: 2, padding: [[2, 0], [0, 0]] },
      { type: 'avgPool2d', poolSize: 2, ceilMode: 'yes' },
      { type: 'avgPool2d', poolSize: 2, dilationRate: 2 },
    ], [8, 8, 1]);
    assert.deepEqual(bad.found.map((f) => [f.at, f.path.slice(2), f.message]), [
      ['"full"', ['padding'], 'layers[0].padding must be "valid", "same", a whole number, [height, width] or [[top, bottom], [left, right]], not the string "full"'],
      ['"yes"', ['ceilMode'], 'layers[2].ceilMode must be true or false, not the string "yes"'],
      ['"dilationRate"', ['dilationRate'], 'unknown field "dilationRate" in layers[3]'],
      ['[ [ 2, 0 ], [ 0, 0 ] ]', ['padding'], 'the window of output row 0 holds padding alone (a pool leaves padding out): use less padding or a larger window'],
    ]);
    const tooLarge = parse([{ type: 'conv2d', filters: 2, kernelSize: 9, padding: [[0, 0], [1, 1]] }], [8, 8, 1]);
    assert.deepEqual(tooLarge.found.map((f) => [f.at, f.path.slice(2), f.message]), [['9', ['kernelSize'], 'kernel 9×9 does not fit the 8×8 input padded to 8×10']]);
  });

  it('counts separableConv2d parameters as Keras: SeparableConv2D(64, 3) on 32×32×32 has 32·9 + 32·64 + 64 = 2,400', () => {
    const p = parse([{ type: 'separableConv2d', filters: 64, kernelSize: 3 }], [32, 32, 32]);
    assert.deepEqual(p.found, []);
    const l = info(p, 0);
    assert.deepEqual(l.outputShape, [30, 30, 64]);
    assert.deepEqual(l.params, { trainable: 2400, nonTrainable: 0 });
    assert.equal(l.macs, 30 * 30 * (32 * 9 + 32 * 64));
    // depth_multiplier=2, strides=2, padding="same", use_bias=False: 64·9 + 64·64 = 4,672
    const q = parse([{ type: 'separableConv2d', filters: 64, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', useBias: false }], [32, 32, 32]);
    assert.deepEqual(info(q, 0).outputShape, [16, 16, 64]);
    assert.equal(info(q, 0).params.trainable, 4672);
    // [1, 5] kernel, dilation 2 spans 1×9: 24 - 9 + 1 = 16 wide.
    const r = parse([{ type: 'separableConv2d', filters: 8, kernelSize: [1, 5], dilationRate: 2 }], [10, 24, 4]);
    assert.deepEqual(info(r, 0).outputShape, [10, 16, 8]);
    assert.equal(info(r, 0).params.trainable, 4 * 5 + 4 * 8 + 8);
  });

  it("says a separableConv2d's kernel does not fit, and that it needs a spatial input", () => {
    const p = parse([{ type: 'separableConv2d', filters: 4, kernelSize: 9 }]);
    assert.deepEqual(p.found.map((f) => [f.code, f.at, f.message]), [['kernel-too-large', '9', "kernel 9×9 does not fit the 8×8 input with 'valid' padding"]]);
    const flat = parse([{ type: 'flatten' }, { type: 'separableConv2d', filters: 4, kernelSize: 1 }]);
    assert.deepEqual(flat.found.map((f) => f.message), ['separableConv2d needs a [height, width, channels] input, but gets 192']);
  });

  it('accepts relu6 and swish as layers and as activations, keeping the shape', () => {
    const p = parse([
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu6' },
      { type: 'relu6' },
      { type: 'swish' },
      { type: 'separableConv2d', filters: 2, kernelSize: 1, activation: 'swish' },
      { type: 'depthwiseConv2d', kernelSize: 1, activation: 'relu6' },
      { type: 'flatten' },
      { type: 'dense', units: 2, activation: 'swish' },
    ]);
    assert.deepEqual(p.found, []);
    assert.deepEqual(p.analysis!.layers.map((l) => l.outputShape), [[6, 6, 4], [6, 6, 4], [6, 6, 4], [6, 6, 2], [6, 6, 2], [72], [2]]);
    assert.deepEqual(p.analysis!.layers.slice(1, 3).map((l) => l.params.trainable), [0, 0]);
    const typo = parse([{ type: 'conv2d', filters: 4, kernelSize: 3, activation: 'Swish' }, { type: 'RELU6' }]);
    assert.deepEqual(
      typo.found.map((f) => f.message),
      [
        'layers[0].activation must be one of "linear", "relu", "relu6", "leakyRelu", "sigmoid", "tanh", "swish", "hardSwish", "hardSigmoid", "gelu", "softmax"; did you mean "swish"?',
        'unknown type "RELU6"; did you mean "relu6"?',
      ],
    );
  });
});
