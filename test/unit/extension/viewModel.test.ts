// The designer's view model comes from the one analysis; error rows carry the diagnostics' own messages.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelText } from '../../../src/model/parse';
import { buildView, summarize } from '../../../src/extension/editor/viewModel';

const example = (name: string): string => readFileSync(join(__dirname, '../../../examples', name), 'utf8');

describe('designer view model', () => {
  it('lists every layer with shapes, params and totals from the analysis', () => {
    const view = buildView(example('simple-mnist-convnet.cnn.json'), 'x');
    assert.equal(view.name, 'simple_mnist_convnet');
    assert.deepEqual(view.inputShape, [28, 28, 1]);
    assert.equal(view.rows.length, 7);
    assert.deepEqual(view.rows[0]!.outputShape, [26, 26, 32]);
    assert.equal(view.rows[0]!.params, 320);
    assert.equal(view.totals?.params, 34826);
    assert.equal(view.batchSize, 128);
    assert.equal(view.rows[0]!.summary, '32 filters 3×3, relu');
    assert.ok(view.editable);
  });

  it('builds the same view from a parse made before as from the text alone', () => {
    for (const name of ['simple-mnist-convnet.cnn.json', 'broken.cnn.json', 'resnet20.cnn.json']) {
      const text = example(name);
      assert.deepEqual(buildView(text, 'x', 8e9, parseModelText(text)), buildView(text, 'x', 8e9), name);
    }
  });

  it('marks error rows with exactly the diagnostic messages and keeps inferable rows', () => {
    const text = example('broken.cnn.json');
    const view = buildView(text, 'x');
    const diags = parseModelText(text).diagnostics;
    assert.equal(view.rows.length, 5);
    for (const row of view.rows) {
      assert.deepEqual(row.errors, diags.filter((d) => d.layerIndex === row.index && d.severity === 'error').map((d) => d.message));
    }
    assert.ok(view.rows[1]!.errors.length > 0);
    assert.deepEqual(view.rows[0]!.outputShape, [26, 26, 8]);
  });

  it('survives broken JSON without rows and refuses edits', () => {
    const view = buildView('{ "layers": [ { "type": "dense" ', 'fallback');
    assert.equal(view.name, 'fallback');
    assert.equal(view.editable, false);
    assert.ok(view.problems.length > 0);
  });

  it('shows the training memory estimate, and the warning training would refuse with', () => {
    const GiB = 1024 ** 3;
    const fits = buildView(example('lenet5.cnn.json'), 'x', 16 * GiB);
    assert.equal(fits.memory?.batchSize, 32);
    assert.equal(fits.memory?.optimizer, 'adam');
    assert.ok(fits.memory && fits.memory.totalBytes > 0 && fits.memory.consumers.length > 0);
    assert.equal(fits.memory?.warning, undefined);
    const big = JSON.stringify({ format: 'cnn-studio/model@1', input: { shape: [28, 28, 1] }, layers: [{ type: 'flatten' }, { type: 'dense', units: 1048576 }] });
    const view = buildView(big, 'x', 24 * GiB);
    assert.match(view.memory?.warning ?? '', /^training needs \d+\.\d GiB: dense_1's kernel, its gradient, 2 Adam slots and checkpoint copies are 27\.6 GiB; this machine has 24\.0 GiB, CNN Studio uses at most half — reduce dense_1's units$/);
    // No estimate while a shape is unknown.
    assert.equal(buildView(example('broken.cnn.json'), 'x', 16 * GiB).memory, undefined);
  });

  it('refuses edits of text it could not parse: deep nesting, UTF-16', () => {
    for (const text of ['['.repeat(6000), Buffer.from(example('lenet5.cnn.json'), 'utf16le').toString('utf8')]) {
      const view = buildView(text, 'fallback');
      assert.equal(view.editable, false);
      assert.equal(view.problems.length, 1);
    }
  });

  it('gives each row its inputs, consumers and warnings, with the diagnostics about single inputs', () => {
    const text = JSON.stringify({
      format: 'cnn-studio/model@1',
      input: { shape: [8, 8, 4] },
      layers: [
        { type: 'conv2d', name: 'a', filters: 4, kernelSize: 3, padding: 'same' },
        { type: 'conv2d', filters: 8, kernelSize: 1 },
        { type: 'add', inputs: ['conv2d_1', 'a', 'input'] },
        { type: 'conv2d', filters: 2, kernelSize: 1, inputs: ['a'] },
        { type: 'add', inputs: ['a', 'input'] },
      ],
    });
    const view = buildView(text, 'x');
    const [r0, r1, r2, r3, r4] = view.rows;
    assert.deepEqual(r0!.inputs, [{ name: 'input', index: -1, shape: [8, 8, 4] }]);
    assert.equal(r0!.explicitInputs, 0);
    assert.deepEqual(r0!.consumers, [1, 2, 3, 4]);
    assert.deepEqual(r1!.inputs, [{ name: 'a', index: 0, shape: [8, 8, 4] }]);
    assert.equal(r2!.explicitInputs, 3);
    assert.equal(r2!.inputs[0]!.index, undefined);
    assert.match(r2!.inputs[0]!.error ?? '', /conv2d_1/);
    assert.deepEqual(r2!.inputs.slice(1).map((i) => [i.name, i.index, i.error]), [['a', 0, undefined], ['input', -1, undefined]]);
    assert.ok(r2!.errors.includes(r2!.inputs[0]!.error!));
    assert.deepEqual(r3!.consumers, []);
    assert.deepEqual(r4!.outputShape, [8, 8, 4]);
    // A dead branch is a warning, shown apart from the errors (the analysis reports it once the graph is sound).
    const dead = buildView(text.replace('"conv2d_1","a","input"', '"a","input"'), 'x');
    assert.deepEqual(dead.rows[3]!.errors, []);
    assert.deepEqual(dead.rows[3]!.warnings, ['"conv2d_3" does not contribute to the model\'s output (the last layer): no layer takes its output']);
    assert.match(dead.rows[2]!.warnings.join(), /^"add_2" does not contribute/);
    assert.deepEqual(dead.rows[0]!.warnings, []);
    assert.deepEqual(dead.rows[4]!.warnings, []);
  });

  it('calls a layer whose type is unreadable "layer", as the shape function names it, with or without an analysis', () => {
    const layers = [{ type: 'relu' }, { type: 5 }, 42, { type: 'relu' }];
    for (const shape of [[8, 8, 1], 'unreadable']) {
      const view = buildView(JSON.stringify({ format: 'cnn-studio/model@1', input: { shape }, layers }), 'x');
      assert.deepEqual(
        view.rows.map((r) => [r.type, r.name, r.inputs[0]?.name]),
        [
          ['relu', 'relu_0', 'input'],
          ['layer', 'layer_1', 'relu_0'],
          ['layer', 'layer_2', 'layer_1'],
          ['relu', 'relu_3', 'layer_2'],
        ],
        String(shape),
      );
    }
  });

  it('summarises key settings', () => {
    assert.equal(summarize({ type: 'conv2d', filters: 8, kernelSize: [3, 5], strides: 2, padding: 'same' }), '8 filters 3×5, stride 2×2, same');
    assert.equal(summarize({ type: 'dense', units: 10, activation: 'softmax', useBias: false }), '10 units, softmax, no bias');
    assert.equal(summarize({ type: 'dropout', rate: 0.5 }), 'rate 0.5');
    assert.equal(summarize({ type: 'conv2d', filters: 8, kernelSize: 3, padding: [[0, 2], [1, 0]] }), '8 filters 3×3, pad 0, 2, 1, 0');
    assert.equal(summarize({ type: 'maxPool2d', poolSize: 3, strides: 2, padding: 1, ceilMode: true }), '3×3, stride 2×2, pad 1, ceil');
    assert.equal(summarize({ type: 'avgPool2d', poolSize: 3, padding: [1, 2], countIncludePad: true }), '3×3, pad 1, 2, padding counted');
  });
});
