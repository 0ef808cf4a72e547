// Hover and inlay-hint text of graph layers (and that chains read as before), from the one shape analysis.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlayText, inputHoverMarkdown, layerHoverMarkdown } from '../../../src/extension/language/describe';
import { inputElementAt } from '../../../src/extension/language/inputRefs';
import type { LayerInfo } from '../../../src/model/analysis';
import { parseModelText } from '../../../src/model/parse';
import { CONV2, STEM, modelText, offsetAfter } from './graphFixtures';

// A basic block without downsampling: stem → conv → conv → add(stem) → relu, and a dead side branch.
const BLOCK = modelText([
  STEM,
  '{ "name": "conv_a", "type": "conv2d", "filters": 16, "kernelSize": 3, "padding": "same", "activation": "relu" }',
  CONV2.replace('"filters": 32', '"filters": 16'),
  '{ "name": "block_add", "type": "add", "inputs": ["block_conv2", "stem"] }',
  '{ "name": "cat", "type": "concatenate", "inputs": ["block_add", "stem"] }',
  '{ "name": "side", "type": "maxPool2d", "inputs": ["stem"] }',
  '{ "type": "relu", "inputs": ["cat"] }',
]);
const parsed = parseModelText(BLOCK);
const info = (i: number) => parsed.analysis!.layers[i]!;
const problemsOf = (i: number) => parsed.diagnostics.filter((d) => d.layerIndex === i);

describe('hover and inlay text for graph layers', () => {
  it('a merge layer lists every input with its shape, then its output', () => {
    const md = layerHoverMarkdown(info(3), problemsOf(3), parsed.analysis);
    assert.equal(
      md,
      [
        '**block_add** `add`',
        '',
        'Inputs: **block_conv2** `32×32×16`, **stem** `32×32×16` → `32×32×16`',
        '',
        'Parameters: **0**  ',
        'Multiply-adds: **0** (0)',
      ].join('\n'),
    );
  });

  it('a layer read by several others says who reads it; a dead branch shows its warning', () => {
    const stem = layerHoverMarkdown(info(0), problemsOf(0), parsed.analysis);
    assert.match(stem, /^\*\*stem\*\* `conv2d`\n\n`32×32×3` → `32×32×16`\n\nParameters: \*\*448\*\*/);
    assert.match(stem, /Output read by: \*\*conv_a\*\*, \*\*block_add\*\*, \*\*cat\*\*, \*\*side\*\*$/);
    const side = layerHoverMarkdown(info(5), problemsOf(5), parsed.analysis);
    assert.match(side, /^\*\*side\*\* `maxPool2d`\n\nInput: \*\*stem\*\* `32×32×16` → `16×16×16`/);
    assert.match(side, /\n\n\$\(warning\) "side" does not contribute to the model's output \(the last layer\): no layer takes its output$/);
  });

  it('a chain layer reads exactly as before', () => {
    const lenet = parseModelText(readFileSync(join(__dirname, '../../../examples/lenet5.cnn.json'), 'utf8'));
    const conv = lenet.analysis!.layers[2]!;
    assert.equal(
      layerHoverMarkdown(conv, [], lenet.analysis),
      '**conv2d_2** `conv2d`\n\n`14×14×6` → `10×10×16`\n\nParameters: **2,416**  \nMultiply-adds: **240,000** (240K)',
    );
    assert.deepEqual(lenet.analysis!.layers.map(inlayText), ['→ 28×28×6', '→ 14×14×6', '→ 10×10×16', '→ 5×5×16', '→ 400', '→ 120', '→ 84', '→ 10']);
  });

  it("says a layer's learning-rate multiplier where it takes effect, and the warning where it does not", () => {
    const p = parseModelText(modelText([
      '{ "type": "conv2d", "filters": 4, "kernelSize": 3, "learningRateMultiplier": 0.1 }',
      '{ "type": "conv2d", "filters": 4, "kernelSize": 3, "trainable": false, "learningRateMultiplier": 0.1 }',
    ], [8, 8, 1]));
    const hover = (i: number) => layerHoverMarkdown(p.analysis!.layers[i]!, p.diagnostics.filter((d) => d.layerIndex === i), p.analysis);
    assert.equal(hover(0), '**conv2d_0** `conv2d`\n\n`8×8×1` → `6×6×4`\n\nParameters: **40**  \nLearning rate: **×0.1** (learningRateMultiplier)  \nMultiply-adds: **1,296** (1.30K)');
    assert.doesNotMatch(hover(1), /Learning rate/);
    assert.match(hover(1), /\$\(warning\) learningRateMultiplier has no effect: the layer is frozen \("trainable": false\)$/);
  });

  it('inlay hints: one input as a chain, several joined (+ for add)', () => {
    assert.deepEqual(parsed.analysis!.layers.map(inlayText), [
      '→ 32×32×16',
      '→ 32×32×16',
      '→ 32×32×16',
      '32×32×16 + 32×32×16 → 32×32×16',
      '32×32×16, 32×32×16 → 32×32×32',
      '→ 16×16×16',
      '→ 32×32×32',
    ]);
    const broken = parseModelText(modelText([STEM, '{ "name": "d", "type": "conv2d", "filters": 8, "kernelSize": 1, "strides": 2 }', '{ "type": "add", "inputs": ["d", "stem"] }']));
    assert.equal(inlayText(broken.analysis!.layers[2] as LayerInfo), '16×16×8 + 32×32×16 → ?');
  });

  it('hover on an inputs element: the layer it names, where it is, its output shape', () => {
    const at = offsetAfter(BLOCK, '["block_conv2", "st');
    const ref = inputElementAt(parsed, at)!;
    assert.deepEqual([ref.layerIndex, ref.element, BLOCK.slice(ref.range.offset, ref.range.offset + ref.range.length)], [3, 1, '"stem"']);
    assert.equal(inputHoverMarkdown(ref.input!, parsed.analysis!, [], 6), '**stem** `conv2d` (layer 0, line 6) → `32×32×16`');
    const cat = inputElementAt(parsed, offsetAfter(BLOCK, '["block_a'))!;
    assert.equal(inputHoverMarkdown(cat.input!, parsed.analysis!, []), '**block_add** `add` (layer 3) → `32×32×16`');
    // Not on an element: nothing (the layer hover applies).
    assert.equal(inputElementAt(parsed, offsetAfter(BLOCK, '"name": "bl')), undefined);
  });

  it('hover on "input" and on a bad reference', () => {
    const text = modelText(['{ "type": "relu", "inputs": ["input"] }', '{ "type": "add", "inputs": ["relu_0", "stme"] }']);
    const p = parseModelText(text);
    const input = inputElementAt(p, offsetAfter(text, '["inp'))!;
    assert.equal(inputHoverMarkdown(input.input!, p.analysis!, []), '**input** (the model input) → `32×32×3`');
    const bad = inputElementAt(p, offsetAfter(text, '"stm'))!;
    const problems = p.diagnostics.filter((d) => d.range.offset === bad.range.offset);
    assert.equal(
      inputHoverMarkdown(bad.input!, p.analysis!, problems),
      '**stme**\n\n$(error) no layer is named "stme" (earlier layers: "input", "relu_0")',
    );
  });
});
