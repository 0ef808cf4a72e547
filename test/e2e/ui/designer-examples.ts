// The designer on the shipped examples (issue 3): each example opens in the designer with the output
// shape of every row and the totals; broken.cnn.json marks its error rows with the diagnostics'
// messages. Reopened as text (CNN: Open as Text), a hover on a conv layer shows input → output shape
// and the Problems panel lists the same diagnostics.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '../../../src/model/format';
import { estimateTrainingMemory } from '../../../src/engine/plan/memory';
import { parseModelText } from '../../../src/model/parse';
import {
  designerRows,
  designerTotal,
  editorGroupShowing,
  eventually,
  expectRows,
  hoverToken,
  layerRow,
  openFileInDesigner,
  readProblems,
  runCommand,
  type ScenarioContext,
} from './helpers';

export const timeoutMs = 120_000;

const BROKEN_ERRORS: Record<number, string> = {
  1: 'unknown type "maxpooling2d"; did you mean "maxPool2d"?',
  2: 'unknown field "kernel_size" in layers[2]; did you mean "kernelSize"?',
  4: 'dense needs a flat input, but gets 7×7×32: add a flatten or global pooling before it',
};

/** Opens a model in the designer and waits for its view (its own name in the header, not the previous model's). */
async function openInDesigner(ctx: ScenarioContext, file: string, modelName: string) {
  const frame = await openFileInDesigner(ctx.page, file);
  await eventually(async () => {
    const value = await frame.locator('#model-name input').inputValue();
    if (value !== modelName) throw new Error(`the designer shows model "${value}", expected "${modelName}"`);
  }, 15_000);
  return frame;
}

/** Reopens the active designer as text with the command, and waits for the text editor. */
async function openAsText(ctx: ScenarioContext, file: string): Promise<void> {
  await runCommand(ctx.page, 'CNN: Open as Text');
  await editorGroupShowing(ctx.page, file).locator('.editor-container .monaco-editor .view-line').first().waitFor({ state: 'visible', timeout: 15_000 });
}

export default async function designerExamples(ctx: ScenarioContext): Promise<void> {
  const { page, screenshot, log } = ctx;

  // LeNet-5: every row's shape and params, and the totals.
  let frame = await openInDesigner(ctx, 'lenet5.cnn.json', 'lenet5');
  await expectRows(
    frame,
    [
      { type: 'conv2d', shape: '28×28×6', params: '156' },
      { type: 'maxPool2d', shape: '14×14×6', params: '0' },
      { type: 'conv2d', shape: '10×10×16', params: '2,416' },
      { type: 'maxPool2d', shape: '5×5×16', params: '0' },
      { type: 'flatten', shape: '400', params: '0' },
      { type: 'dense', shape: '120', params: '48,120' },
      { type: 'dense', shape: '84', params: '10,164' },
      { type: 'dense', shape: '10', params: '850' },
    ],
    '61,706',
  );
  assert.equal(await designerTotal(frame, 'trainable'), '61,706');
  assert.equal(await designerTotal(frame, 'non-trainable'), '0');
  assert.equal((await frame.locator('tr.input-row td.output-shape').innerText()).trim(), '28×28×1');
  assert.equal(await frame.locator('tr.layer-row.has-error').count(), 0, 'lenet5 has no error rows');
  // The training memory estimate is the very figure `cnn summary` prints (one function), without a warning.
  const lenet = parseModelText(readFileSync(join(ctx.workspace, 'lenet5.cnn.json'), 'utf8'));
  assert.ok(lenet.model && lenet.analysis);
  assert.equal(await designerTotal(frame, 'training-memory'), formatBytes(estimateTrainingMemory(lenet.analysis, lenet.model.training).totalBytes));
  assert.equal(await frame.locator('#totals [data-total="memory-warning"]').count(), 0);
  await screenshot('lenet5-designer');

  // A model no machine can train: the designer warns with the message training would refuse with.
  writeFileSync(
    join(ctx.workspace, 'too-big.cnn.json'),
    JSON.stringify({ format: 'cnn-studio/model@1', name: 'too_big', input: { shape: [512, 512, 3] }, layers: [{ type: 'flatten' }, { type: 'dense', units: 100000 }] }, null, 2),
  );
  frame = await openInDesigner(ctx, 'too-big.cnn.json', 'too_big');
  const warning = await eventually(async () => (await frame.locator('#totals [data-total="memory-warning"]').innerText()).trim());
  assert.match(warning, /^training needs [\d.]+ TiB: dense_1's kernel.* are [\d.]+ TiB; this machine has [\d.]+ GiB, CNN Studio uses at most half — reduce dense_1's 786,432 input features/);
  await screenshot('too-big-designer-warning');

  // Simple MNIST convnet: Keras' 34,826 parameters.
  frame = await openInDesigner(ctx, 'simple-mnist-convnet.cnn.json', 'simple_mnist_convnet');
  await expectRows(
    frame,
    [
      { shape: '26×26×32', params: '320' },
      { shape: '13×13×32' },
      { shape: '11×11×64', params: '18,496' },
      { shape: '5×5×64' },
      { shape: '1600' },
      { shape: '1600' },
      { shape: '10', params: '16,010' },
    ],
    '34,826',
  );
  await screenshot('simple-mnist-convnet-designer');

  // VGG-style CIFAR: batch norm's moving statistics are the 448 non-trainable parameters.
  frame = await openInDesigner(ctx, 'vgg-cifar.cnn.json', 'vgg_cifar');
  await eventually(async () => assert.equal(await designerTotal(frame, 'params'), '551,466'));
  assert.equal(await designerTotal(frame, 'non-trainable'), '448');
  assert.equal(await designerTotal(frame, 'trainable'), '551,018');
  const vgg = await designerRows(frame);
  assert.ok(vgg.length > 10, `vgg-cifar has ${vgg.length} rows`);
  assert.ok(vgg.every((r) => !r.error && r.shape !== '?'), `every vgg-cifar row has a shape: ${JSON.stringify(vgg)}`);
  assert.equal(vgg[vgg.length - 1]!.shape, '10');
  log(`vgg-cifar: ${vgg.length} rows, ${vgg.map((r) => r.shape).join(' → ')}`);
  await screenshot('vgg-cifar-designer');

  // broken.cnn.json: rows 1, 2 and 4 carry the diagnostics' messages; 0 and 3 are fine.
  frame = await openInDesigner(ctx, 'broken.cnn.json', 'broken');
  await eventually(async () => {
    const rows = await designerRows(frame);
    assert.deepEqual(
      rows.map((r) => r.error),
      [false, true, true, false, true],
      `error rows: ${JSON.stringify(rows)}`,
    );
  });
  for (const [index, message] of Object.entries(BROKEN_ERRORS)) {
    const messages = (await layerRow(frame, Number(index)).locator('.error-message').allInnerTexts()).map((m) => m.trim());
    assert.ok(messages.includes(message), `row ${index} shows ${JSON.stringify(messages)}, expected ${JSON.stringify(message)}`);
  }
  // The analysis recovers past each error, so every row still has a shape.
  const broken = await designerRows(frame);
  assert.deepEqual(broken.map((r) => r.shape), ['26×26×8', '13×13×8', '11×11×16', '7×7×32', '10']);
  await screenshot('broken-designer');

  // As text: the diagnostics are in the Problems panel.
  await openAsText(ctx, 'broken.cnn.json');
  const problems = await eventually(async () => {
    const rows = await readProblems(page);
    for (const message of Object.values(BROKEN_ERRORS)) {
      if (!rows.some((r) => r.includes(message))) throw new Error(`Problems panel lacks ${JSON.stringify(message)}: ${JSON.stringify(rows)}`);
    }
    return rows;
  }, 20_000);
  log(`Problems panel: ${JSON.stringify(problems)}`);
  assert.ok(problems.some((r) => r.includes('broken.cnn.json')), 'the Problems panel names the file');
  await screenshot('broken-problems');

  // LeNet-5 as text: the hover on the second conv layer shows its input → output shape.
  await openInDesigner(ctx, 'lenet5.cnn.json', 'lenet5');
  await openAsText(ctx, 'lenet5.cnn.json');
  const hover = await eventually(async () => {
    const text = (await hoverToken(page, '16')).replace(/\s+/g, ' ');
    if (!/14×14×6`? → `?10×10×16/.test(text)) throw new Error(`hover: ${text}`);
    return text;
  }, 20_000);
  log(`hover: ${hover}`);
  await screenshot('lenet5-hover');
}
