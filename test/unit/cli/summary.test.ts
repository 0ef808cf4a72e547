import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { renderSummary } from '../../../src/cli/summaryText';
import { formatBytes } from '../../../src/model/format';
import { estimateTrainingMemory } from '../../../src/engine/plan/memory';
import { parseModelText } from '../../../src/model/parse';
import { RESNET50_PATH } from '../model/fixtures/resnet50';
import { modelText, ROOT } from '../model/helpers';

async function cnn(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cnn summary', () => {
  it('prints a Keras-style table and the totals of the simple MNIST convnet', async () => {
    const r = await cnn('summary', join(ROOT, 'examples/simple-mnist-convnet.cnn.json'));
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.match(r.out, /conv2d_0 \(conv2d\)\s+26×26×32\s+320\s+195K/);
    assert.match(r.out, /dense_6 \(dense\)\s+10\s+16,010/);
    assert.match(r.out, /Total params: 34,826 \(136\.0 KiB\)/);
    assert.match(r.out, /Trainable params: 34,826/);
    assert.match(r.out, /Non-trainable params: 0/);
    assert.match(r.out, /Multiply-adds per sample: 2,440,960/);
    assert.match(r.out, /Activation memory: .* per batch of 128/);
  });

  it('splits frozen parameters off as non-trainable, as Keras counts them (hand-computed)', () => {
    const layers = (frozen: boolean): unknown[] => [
      // 3·3·3·4 + 4 = 112, and batch norm's γ, β, moving mean and variance, 4 each: all non-trainable when frozen.
      { type: 'conv2d', filters: 4, kernelSize: 3, ...(frozen ? { trainable: false } : {}) },
      { type: 'batchNorm', ...(frozen ? { trainable: false } : {}) },
      { type: 'conv2d', filters: 2, kernelSize: 3 }, // 3·3·4·2 + 2 = 74
      { type: 'relu', trainable: false }, // no parameters: nothing to freeze
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' }, // 4·4·2·3 + 3 = 99
    ];
    const frozen = renderSummary('f.cnn.json', parseModelText(modelText(layers(true), [8, 8, 3])));
    assert.match(frozen, /Total params: 301 /);
    assert.match(frozen, /Trainable params: 173\n/);
    assert.match(frozen, /Non-trainable params: 128\n/);
    assert.match(frozen, /conv2d_0 \(conv2d, frozen\)\s+6×6×4\s+112/);
    assert.match(frozen, /batchNorm_1 \(batchNorm, frozen\)\s+6×6×4\s+16/);
    assert.match(frozen, /relu_3 \(relu\)\s/);
    const open = renderSummary('o.cnn.json', parseModelText(modelText(layers(false), [8, 8, 3])));
    assert.match(open, /Total params: 301 /);
    assert.match(open, /Trainable params: 293\n/);
    assert.match(open, /Non-trainable params: 8\n/);
    assert.doesNotMatch(open, /frozen/);
    // The training-memory estimate keeps no gradient nor Adam's two slots for the 120 newly frozen values (12 bytes
    // each; batch norm's 8 moving statistics never had them): at least that much less.
    const memory = (text: string): number => estimateTrainingMemory(parseModelText(text).analysis!, undefined).byKind.parameters;
    assert.ok(memory(modelText(layers(false), [8, 8, 3])) - memory(modelText(layers(true), [8, 8, 3])) >= 120 * 3 * 4);
  });

  it('marks a layer whose parameters train at another rate "lr ×m", only where the multiplier takes effect', () => {
    const text = modelText([
      { type: 'conv2d', name: 'backbone', filters: 4, kernelSize: 3, learningRateMultiplier: 0.1 },
      { type: 'batchNorm', name: 'bn', trainable: false, learningRateMultiplier: 0.1 }, // frozen: no effect
      { type: 'relu', name: 'act', learningRateMultiplier: 5 }, // no parameters: no effect
      { type: 'conv2d', name: 'mid', filters: 2, kernelSize: 3, learningRateMultiplier: 1 },
      { type: 'flatten' },
      { type: 'dense', name: 'head', units: 3, activation: 'softmax', learningRateMultiplier: 0 },
    ], [8, 8, 3]);
    const out = renderSummary('r.cnn.json', parseModelText(text));
    assert.match(out, /backbone \(conv2d, lr ×0\.1\)\s+6×6×4\s+112/);
    assert.match(out, /bn \(batchNorm, frozen\)\s/);
    assert.match(out, /act \(relu\)\s/);
    assert.match(out, /mid \(conv2d\)\s/);
    assert.match(out, /head \(dense, lr ×0\)\s/);
    // Its parameters still count as trainable (they get gradients and optimizer slots): 112 + 74 + 99, head's too.
    assert.match(out, /Trainable params: 285\n/);
    // Each warning is printed under its row.
    assert.match(out, /head \(dense, lr ×0\)[^\n]*\n {2}✗ learningRateMultiplier 0 leaves the parameters unchanged/);
  });

  it('prints no "Connected to" column for a chain, as Keras does for a Sequential model', async () => {
    const r = await cnn('summary', join(ROOT, 'examples/lenet5.cnn.json'));
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.out, /Connected to/);
    const lines = r.out.split('\n');
    assert.equal(lines[1], '━'.repeat(lines[2]!.length));
  });

  it('prints ResNet-50 like Keras: "Connected to" for every layer, a merge\'s inputs one per line, the Keras totals', async () => {
    const r = await cnn('summary', RESNET50_PATH);
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    const lines = r.out.split('\n');
    assert.deepEqual(lines.slice(0, 7), [
      'Model: "resnet50"',
      '━'.repeat(87),
      'Layer (type)                   Output Shape    Param #  Mult-Adds  Connected to',
      '━'.repeat(87),
      'input                          224×224×3             0          0',
      'conv1_pad (zeroPadding2D)      230×230×3             0          0  input',
      'conv1_conv (conv2d)            112×112×64        9,472       118M  conv1_pad',
    ]);
    const add = lines.indexOf('conv2_block1_add (add)         56×56×256             0          0  conv2_block1_0_bn,');
    assert.ok(add > 0, r.out);
    assert.equal(lines[add + 1], `${' '.repeat(67)}conv2_block1_3_bn`);
    assert.ok(lines.includes('conv3_block1_0_conv (conv2d)   28×28×512       131,584       103M  conv2_block3_out'), r.out);
    assert.ok(lines.includes('predictions (dense)            1000          2,049,000      2.05M  avg_pool'), r.out);
    assert.equal(lines.filter((l) => l.startsWith(' '.repeat(67))).length, 16);
    assert.match(r.out, /\n Total params: 25,636,712 \(97\.8 MiB\)\n Trainable params: 25,583,592\n Non-trainable params: 53,120\n/);
    // No line ends in spaces, and the rules span the widest row.
    assert.ok(lines.every((l) => !/ $/.test(l)));
    assert.ok(lines.every((l) => l.length <= 87), 'a row wider than the rule');
  });

  it('marks an input that does not resolve, prints the error below, and keeps an invalid layer\'s inputs', () => {
    const text = modelText([
      { type: 'conv2d', name: 'stem', filters: 4, kernelSize: 3, padding: 'same' },
      { type: 'add', name: 'sum', inputs: ['stem', 'stme'] },
      { type: 'conv2d', name: 'bad', inputs: ['stem'], filters: 0, kernelSize: 1 },
      { type: 'relu' },
    ]);
    const out = renderSummary('g.cnn.json', parseModelText(text)).split('\n');
    assert.deepEqual(out.slice(2, 12), [
      'Layer (type)   Output Shape  Param #  Mult-Adds  Connected to',
      '━'.repeat(62),
      'input          28×28×1             0          0',
      'stem (conv2d)  28×28×4            40      28.2K  input',
      'sum (add)      ?                   0          0  stem,',
      '                                                 stme (?)',
      '  ✗ no layer is named "stme"; did you mean "stem"?',
      'layers[2]      ?                   ?          ?  stem',
      '  ✗ layers[2].filters is 0; it must be ≥ 1 and ≤ 1048576',
      'relu_3 (relu)  ?                   0          0  bad',
    ]);
  });

  it('prints VGG-16 totals', async () => {
    const r = await cnn('summary', join(ROOT, 'test/fixtures/vgg16.cnn.json'));
    assert.equal(r.code, 0);
    assert.match(r.out, /Total params: 138,357,544/);
  });

  it('prints path:line:col errors for a broken model and exits 1', async () => {
    const file = join(ROOT, 'examples/broken.cnn.json');
    const r = await cnn('summary', file);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err.split('\n'), [
      `${file}:8:15: error: unknown type "maxpooling2d"; did you mean "maxPool2d"?`,
      `${file}:9:40: error: unknown field "kernel_size" in layers[2]; did you mean "kernelSize"?`,
      `${file}:11:15: error: dense needs a flat input, but gets 7×7×32: add a flatten or global pooling before it`,
    ]);
    // Rows that can be inferred are still printed.
    assert.match(r.out, /conv2d_3 \(conv2d\)\s+7×7×32\s+12,832/);
  });

  it('handles malformed JSON, missing files and bad usage without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
    const bad = join(dir, 'bad.cnn.json');
    writeFileSync(bad, '{\n  "format": "cnn-studio/model@1",\n  "input": {"shape": [28, 28, 1]\n');
    const r = await cnn('summary', bad);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: JSON syntax error`));
    const missing = await cnn('summary', join(dir, 'nope.cnn.json'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.cnn\.json: no such file/);
    assert.equal((await cnn('frobnicate')).code, 2);
    assert.equal((await cnn('summary')).code, 2);
  });
});

describe('cnn summary: memory and size', () => {
  const GiB = 1024 ** 3;

  it('prints the training memory estimate in the totals, and no warning when it fits', () => {
    const file = join(ROOT, 'examples/lenet5.cnn.json');
    const parsed = parseModelText(readFileSync(file, 'utf8'));
    const text = renderSummary(file, parsed, 16 * GiB);
    const estimate = estimateTrainingMemory(parsed.analysis!, parsed.model!.training);
    assert.ok(text.includes(`\n Training memory (batch 32, adam): ${formatBytes(estimate.totalBytes)}\n`), text);
    assert.doesNotMatch(text, /warning:/);
  });

  it('warns when training needs more than half the machine: dense of 1,048,576 units after a 28×28 flatten', () => {
    const text = modelText([{ type: 'flatten' }, { type: 'dense', units: 1048576, activation: 'softmax' }]);
    const out = renderSummary('big.cnn.json', parseModelText(text), 24 * GiB).split('\n');
    const memory = out.findIndex((l) => l.startsWith(' Training memory (batch 32, adam): '));
    assert.ok(memory > 0, out.join('\n'));
    assert.match(
      out[memory + 1]!,
      /^warning: training needs \d+\.\d GiB: dense_1's kernel, its gradient, 2 Adam slots and checkpoint copies are 27\.6 GiB; this machine has 24\.0 GiB, CNN Studio uses at most half — reduce dense_1's units$/,
    );
  });
});
