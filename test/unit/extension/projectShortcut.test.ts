// "Project the shortcut with a 1×1 convolution": the exact text it writes, that the result has no errors and
// exactly the projection's parameters more, and where it declines.
import { strict as assert } from 'node:assert';
import { applyTextEdit } from '../../../src/extension/editor/edits';
import { projectShortcut } from '../../../src/extension/editor/projectShortcut';
import type { LayerInfo } from '../../../src/model/analysis';
import { parseModelText } from '../../../src/model/parse';
import { CONV2, DOWN, STEM, modelText } from './graphFixtures';

function project(text: string, addIndex: number, element = 1): string {
  const p = projectShortcut(text, addIndex, element);
  assert.ok(p, 'no projection offered');
  return applyTextEdit(text, p.edit);
}
const errors = (text: string) => parseModelText(text).diagnostics.filter((d) => d.severity === 'error');
const totals = (text: string) => parseModelText(text).analysis!.totals;

describe('project the shortcut with a 1×1 convolution', () => {
  it('ResNet block (32×32×16 shortcut, 16×16×32 branch): inserts the strided conv before the add, +16·32+32 parameters', () => {
    const text = modelText([STEM, DOWN, CONV2, '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "stem"] }']);
    const mismatch = parseModelText(text).diagnostics;
    assert.deepEqual(mismatch.map((d) => [d.code, d.path]), [['shape-mismatch', ['layers', 3, 'inputs', 1]]]);
    const p = projectShortcut(text, 3, 1)!;
    assert.deepEqual([p.name, p.shortcut, p.from, p.to], ['block_proj', 'stem', [32, 32, 16], [16, 16, 32]]);
    const after = applyTextEdit(text, p.edit);
    assert.equal(
      after,
      modelText([
        STEM,
        DOWN,
        CONV2,
        '{ "type": "conv2d", "name": "block_proj", "inputs": ["stem"], "filters": 32, "kernelSize": 1, "strides": 2 }',
        '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "block_proj"] }',
      ]),
    );
    assert.deepEqual(parseModelText(after).diagnostics, []);
    assert.equal(totals(text).params, 448 + 4640 + 9248);
    assert.equal(totals(after).params - totals(text).params, 16 * 32 + 32);
    const add = parseModelText(after).analysis!.layers[4]!;
    assert.deepEqual(add.outputShape, [16, 16, 32]);
  });

  it('projects the first input when it is the larger one (inputs listed shortcut first)', () => {
    const text = modelText([STEM, DOWN, CONV2, '{ "name": "block_add", "type": "add", "inputs": ["stem", "block_conv2"] }']);
    const after = project(text, 3);
    assert.match(after, /\{ "type": "conv2d", "name": "block_proj", "inputs": \["stem"\], "filters": 32, "kernelSize": 1, "strides": 2 \},\n {4}\{ "name": "block_add", "type": "add", "inputs": \["block_proj", "block_conv2"\] \}/);
    assert.deepEqual(errors(after), []);
  });

  it('channels only: a 1×1 conv without strides', () => {
    const text = modelText([STEM, '{ "name": "wide", "type": "conv2d", "filters": 32, "kernelSize": 3, "padding": "same" }', '{ "name": "sum", "type": "add", "inputs": ["wide", "stem"] }']);
    const after = project(text, 2);
    assert.match(after, /\{ "type": "conv2d", "name": "sum_proj", "inputs": \["stem"\], "filters": 32, "kernelSize": 1 \}/);
    assert.deepEqual(errors(after), []);
    assert.equal(totals(after).params - totals(text).params, 16 * 32 + 32);
  });

  it('different strides per axis are written as [sh, sw]', () => {
    const text = modelText([STEM, '{ "name": "tall", "type": "conv2d", "filters": 8, "kernelSize": 1, "strides": [2, 1] }', '{ "name": "block_add", "type": "add", "inputs": ["tall", "stem"] }']);
    const after = project(text, 2);
    assert.match(after, /"inputs": \["stem"\], "filters": 8, "kernelSize": 1, "strides": \[2, 1\] \}/);
    assert.deepEqual(errors(after), []);
  });

  it('projects the model input, and picks a name no layer has', () => {
    const text = modelText(
      ['{ "name": "block_proj", "type": "conv2d", "filters": 8, "kernelSize": 3, "strides": 2, "padding": "same" }', '{ "name": "block_add", "type": "add", "inputs": ["block_proj", "input"] }'],
      [32, 32, 8],
    );
    const after = project(text, 1);
    assert.match(after, /\{ "type": "conv2d", "name": "block_proj_2", "inputs": \["input"\], "filters": 8, "kernelSize": 1, "strides": 2 \}/);
    assert.match(after, /"inputs": \["block_proj", "block_proj_2"\]/);
    assert.deepEqual(errors(after), []);
  });

  it('keeps the names (so the weights) of the unnamed layers it shifts that have weights', () => {
    const tail = ['{ "type": "relu" }', '{ "type": "conv2d", "filters": 8, "kernelSize": 1 }', '{ "type": "batchNorm" }', '{ "type": "globalAvgPool2d" }', '{ "type": "dense", "units": 10, "activation": "softmax" }'];
    const text = modelText([STEM, DOWN, CONV2, '{ "type": "add", "inputs": ["block_conv2", "stem"] }', ...tail]);
    const after = project(text, 3);
    assert.equal(
      after,
      modelText([
        STEM,
        DOWN,
        CONV2,
        '{ "type": "conv2d", "name": "stem_proj", "inputs": ["stem"], "filters": 32, "kernelSize": 1, "strides": 2 }',
        '{ "type": "add", "inputs": ["block_conv2", "stem_proj"] }',
        '{ "type": "relu" }',
        '{ "type": "conv2d", "name": "conv2d_5", "filters": 8, "kernelSize": 1 }',
        '{ "type": "batchNorm", "name": "batchNorm_6" }',
        '{ "type": "globalAvgPool2d" }',
        '{ "type": "dense", "name": "dense_8", "units": 10, "activation": "softmax" }',
      ]),
    );
    assert.deepEqual(parseModelText(after).diagnostics, []);
    // Every layer with weights has the name it had (its weight tensors keep their names).
    const named = (t: string) => parseModelText(t).analysis!.entries.filter((e) => (e as LayerInfo).params.trainable > 0).map((e) => e.name);
    assert.deepEqual(named(after), ['stem', 'conv2d_1', 'block_conv2', 'stem_proj', 'conv2d_5', 'batchNorm_6', 'dense_8']);
    const afterInfos = parseModelText(after).analysis!.layers;
    assert.deepEqual(afterInfos.map((l) => l.outputShape), [[32, 32, 16], [16, 16, 32], [16, 16, 32], [16, 16, 32], [16, 16, 32], [16, 16, 32], [16, 16, 8], [16, 16, 8], [8], [10]]);
  });

  it('keeps a multi-line file in its layout', () => {
    const text = [
      '{',
      '  "format": "cnn-studio/model@1",',
      '  "input": { "shape": [8, 8, 4] },',
      '  "layers": [',
      '    {',
      '      "type": "maxPool2d",',
      '      "name": "pool"',
      '    },',
      '    {',
      '      "type": "add",',
      '      "inputs": ["pool", "input"]',
      '    },',
      '    {',
      '      "type": "batchNorm",',
      '      "momentum": 0.9',
      '    }',
      '  ]',
      '}',
    ].join('\n');
    const after = project(text, 1);
    assert.equal(
      after,
      text
        .replace('    {\n      "type": "add",', '    { "type": "conv2d", "name": "input_proj", "inputs": ["input"], "filters": 4, "kernelSize": 1, "strides": 2 },\n    {\n      "type": "add",')
        .replace('["pool", "input"]', '["pool", "input_proj"]')
        .replace('"type": "batchNorm",', '"type": "batchNorm",\n      "name": "batchNorm_2",'),
    );
    assert.deepEqual(errors(after), []);
  });

  it('declines when the spatial ratio is not whole, goes both ways, or projecting would break another input', () => {
    // 32 → 10 (kernel 3, stride 3, valid): 3.2 is no stride.
    const odd = modelText([STEM, '{ "name": "b", "type": "conv2d", "filters": 32, "kernelSize": 3, "strides": 3 }', '{ "type": "add", "inputs": ["b", "stem"] }']);
    assert.equal(parseModelText(odd).diagnostics[0]?.code, 'shape-mismatch');
    assert.equal(projectShortcut(odd, 2, 1), undefined);
    // 16×32 against 32×16: neither is a whole multiple of the other.
    const crossed = modelText([
      STEM,
      '{ "name": "h", "type": "conv2d", "filters": 16, "kernelSize": 1, "strides": [2, 1] }',
      '{ "name": "w", "type": "conv2d", "filters": 16, "kernelSize": 1, "strides": [1, 2], "inputs": ["stem"] }',
      '{ "type": "add", "inputs": ["h", "w"] }',
    ]);
    assert.equal(parseModelText(crossed).diagnostics[0]?.code, 'shape-mismatch');
    assert.equal(projectShortcut(crossed, 3, 1), undefined);
    // Three inputs, the first one larger: projecting it would make the third mismatch instead.
    const three = modelText([STEM, DOWN, CONV2, '{ "type": "add", "inputs": ["stem", "block_conv2", "stem"] }']);
    assert.deepEqual(parseModelText(three).diagnostics.map((d) => d.path), [['layers', 3, 'inputs', 1]]);
    assert.equal(projectShortcut(three, 3, 1), undefined);
    // Not an add, or no such element.
    const concat = modelText([STEM, DOWN, CONV2, '{ "type": "concatenate", "inputs": ["block_conv2", "stem"] }']);
    assert.equal(projectShortcut(concat, 3, 1), undefined);
    assert.equal(projectShortcut(concat, 0, 1), undefined);
  });

  it('three inputs, the second blamed and larger: projects just that one', () => {
    const text = modelText([STEM, DOWN, CONV2, '{ "name": "m", "type": "add", "inputs": ["block_conv2", "stem", "block_conv2"] }']);
    const after = project(text, 3);
    assert.match(after, /"inputs": \["block_conv2", "m_proj", "block_conv2"\]/);
    assert.deepEqual(errors(after), []);
  });

  it('offers nothing on text that is not strict JSON', () => {
    const text = modelText([STEM, DOWN, CONV2, '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "stem"] }']).replace('"graph",', '"graph",,');
    assert.equal(projectShortcut(text, 3, 1), undefined);
  });
});
