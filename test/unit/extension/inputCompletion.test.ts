// Completion of input names: what is offered where, in which order, and the text each choice writes.
import { strict as assert } from 'node:assert';
import { inputCompletions } from '../../../src/extension/language/inputCompletion';
import { parseModelText } from '../../../src/model/parse';
import { CONV2, DOWN, STEM, applyEdits, modelText, offsetAfter } from './graphFixtures';

const complete = (text: string, offset: number) => inputCompletions(text, offset, parseModelText(text));
const choose = (text: string, offset: number, name: string): string => {
  const item = complete(text, offset).find((c) => c.name === name);
  assert.ok(item, `${name} not offered`);
  return applyEdits(text, [item.edit, ...item.additionalEdits]);
};

const ADD = '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", ""] }';
const TEXT = modelText([STEM, DOWN, CONV2, ADD, '{ "name": "after", "type": "relu" }']);
const IN_EMPTY_STRING = offsetAfter(TEXT, '["block_conv2", "');

describe('completion of input names', () => {
  it('inside a string of "inputs": explicit earlier names nearest first, then "input", then unnamed layers; never itself or later', () => {
    const items = complete(TEXT, IN_EMPTY_STRING);
    // block_conv2 is already listed; block_add is this layer, "after" a later one.
    assert.deepEqual(
      items.map((c) => [c.name, c.detail]),
      [
        ['stem', '32×32×16 · conv2d, layer 0'],
        ['input', '32×32×3 · the model input'],
        ['conv2d_1', '16×16×32 · conv2d, layer 1 (adds "name")'],
      ],
    );
    assert.deepEqual(
      items.map((c) => c.sortText),
      [...items.map((c) => c.sortText)].sort(),
    );
    for (const c of items) assert.equal(c.filterText, JSON.stringify(c.name));
  });

  it('choosing an explicit name replaces the string, quotes included', () => {
    const after = choose(TEXT, IN_EMPTY_STRING, 'stem');
    assert.ok(after.includes('"inputs": ["block_conv2", "stem"]'));
    const item = complete(TEXT, IN_EMPTY_STRING)[0]!;
    assert.deepEqual(item.edit, { offset: IN_EMPTY_STRING - 1, length: 2, content: '"stem"' });
    assert.equal(item.additionalEdits.length, 0);
  });

  it('choosing an unnamed layer also writes its default name into it, so the reference resolves', () => {
    const text = TEXT.replace(ADD, '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "con"] }');
    const at = offsetAfter(text, '["block_conv2", "con');
    const after = choose(text, at, 'conv2d_1');
    assert.ok(after.includes('{ "type": "conv2d", "name": "conv2d_1", "filters": 32,'));
    assert.ok(after.includes('"inputs": ["block_conv2", "conv2d_1"]'));
    const p = parseModelText(after);
    assert.deepEqual(p.diagnostics.filter((d) => d.code === 'bad-reference'), []);
    assert.deepEqual(p.analysis!.layers[3]!.inputs.map((i) => [i.name, i.index]), [['block_conv2', 2], ['conv2d_1', 1]]);
  });

  it('at an empty position: right after "[" or ",", with separators when needed', () => {
    const empty = TEXT.replace(ADD, '{ "name": "block_add", "type": "add", "inputs": [] }');
    const first = offsetAfter(empty, '"inputs": [');
    assert.deepEqual(complete(empty, first).map((c) => c.name), ['block_conv2', 'stem', 'input', 'conv2d_1']);
    assert.ok(choose(empty, first, 'block_conv2').includes('"inputs": ["block_conv2"]'));
    const afterComma = TEXT.replace(ADD, '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", ] }');
    assert.ok(choose(afterComma, offsetAfter(afterComma, '["block_conv2", '), 'stem').includes('"inputs": ["block_conv2", "stem"]'));
    // Before an existing element: the new name gets its comma.
    const before = TEXT.replace(ADD, '{ "name": "block_add", "type": "add", "inputs": [ "block_conv2"] }');
    const after = choose(before, offsetAfter(before, '"inputs": ['), 'stem');
    assert.ok(after.includes('"inputs": ["stem",  "block_conv2"]'), after);
    assert.deepEqual(parseModelText(after).diagnostics.filter((d) => d.code === 'syntax' || d.code === 'bad-reference'), []);
  });

  it('nothing outside "inputs", right after a value, or for the first layer but "input"', () => {
    assert.deepEqual(complete(TEXT, offsetAfter(TEXT, '"type": "ad')), []);
    assert.deepEqual(complete(TEXT, offsetAfter(TEXT, '"name": "bl')), []);
    assert.deepEqual(complete(TEXT, offsetAfter(TEXT, '["block_conv2"')), []);
    const firstLayer = modelText(['{ "type": "relu", "inputs": [""] }', STEM]);
    assert.deepEqual(complete(firstLayer, offsetAfter(firstLayer, '"inputs": ["')).map((c) => c.name), ['input']);
  });

  it('does not offer a default name that another layer carries explicitly', () => {
    const text = modelText([DOWN, '{ "name": "conv2d_0", "type": "relu", "inputs": ["input"] }', '{ "type": "add", "inputs": [""] }']);
    assert.deepEqual(complete(text, offsetAfter(text, '"add", "inputs": ["')).map((c) => c.name), ['conv2d_0', 'input']);
  });

  it('works while the text does not parse elsewhere (typing)', () => {
    const text = TEXT.replace('"name": "graph",', '"name": "graph",,');
    assert.deepEqual(complete(text, offsetAfter(text, '["block_conv2", "')).map((c) => c.name), ['stem', 'input', 'conv2d_1']);
  });
});
