// Issue 5's "done when": LeNet-5 built from the Empty template with the designer alone (palette inserts
// and field edits), each step showing its row's shape and params (61,706 in the end, the example's
// layers exactly); then Ctrl+Z in the designer, step by step, back to the empty template, each undo
// restoring exactly the table of the step before.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import {
  chooseDesignerOption,
  closeAllEditors,
  designerFrame,
  designerRows,
  eventually,
  fillDesignerField,
  layerRow,
  openFileInDesigner,
  runCommand,
  type ScenarioContext,
} from './helpers';

export const timeoutMs = 240_000;

interface Model {
  name: string;
  input: { shape: number[] };
  layers: Array<Record<string, unknown>>;
}

/** What the table and the totals show, to compare the state after an undo with the state before the edit. */
async function tableState(frame: FrameLocator): Promise<string> {
  const rows = await designerRows(frame);
  const totals = (await frame.locator('#totals').innerText()).replace(/\s+/g, ' ').trim();
  return JSON.stringify({ rows, totals });
}

/** Waits until row `index` shows `shape` and `params` (and, when given, a summary containing `summary`). */
async function expectRow(frame: FrameLocator, count: number, index: number, want: { type: string; shape: string; params: string; summary?: string }): Promise<void> {
  await eventually(async () => {
    const rows = await designerRows(frame);
    const row = rows[index];
    const ok =
      rows.length === count &&
      row !== undefined &&
      row.type === want.type &&
      row.shape === want.shape &&
      row.params === want.params &&
      (want.summary === undefined || row.summary.includes(want.summary)) &&
      !row.error;
    if (!ok) throw new Error(`row ${index} of ${rows.length}: ${JSON.stringify(row)}, expected ${JSON.stringify(want)} of ${count}`);
  }, 15_000);
}

/** CNN: New Model… → Empty model → the suggested name; returns the new file's name once the designer shows it. */
async function newEmptyModel(page: Page): Promise<string> {
  // A model opened first lets the extension host finish starting, so its commands are in the palette.
  await openFileInDesigner(page, 'lenet5.cnn.json');
  // Then no webview: one that is still loading takes the focus when it is ready, and a quick input
  // that loses the focus closes (once, on a cold start, the file name prompt vanished that way).
  await closeAllEditors(page);
  await runCommand(page, 'CNN: New Model…');
  const quick = page.locator('.quick-input-widget');
  await quick.locator('.monaco-list-row', { hasText: 'Empty model' }).first().click();
  // The file name prompt (an input box with the suggested name).
  const input = quick.locator('input');
  await eventually(async () => {
    const value = await input.inputValue();
    if (!/\.cnn\.json$/.test(value)) throw new Error(`file name prompt shows "${value}"`);
  }, 15_000);
  const fileName = await input.inputValue();
  await input.press('Enter');
  await quick.waitFor({ state: 'hidden', timeout: 15_000 });
  await page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: fileName }).waitFor({ timeout: 15_000 });
  return fileName;
}

export default async function designerBuildLenet({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const fileName = await newEmptyModel(page);
  const file = join(workspace, fileName);
  const template = readFileSync(file, 'utf8');
  log(`new model ${fileName}:\n${template}`);
  const frame = await designerFrame(page);
  await eventually(async () => assert.equal(await frame.locator('#model-name input').inputValue(), fileName.replace(/\.cnn\.json$/, '')));
  await frame.locator('tr.empty-row').waitFor();
  assert.equal(await frame.locator('tr.layer-row').count(), 0);
  assert.equal((await frame.locator('tr.input-row td.output-shape').innerText()).trim(), '28×28×1');
  for (const [dim, value] of [['height', '28'], ['width', '28'], ['channels', '1']] as const) {
    assert.equal(await frame.locator(`#input-shape [data-dim="${dim}"] input`).inputValue(), value);
  }
  await screenshot('start-empty');

  // Every edit, with the table as it was before it (what its undo must bring back).
  const before: string[] = [];
  let count = 0;
  const edit = async (what: string, action: () => Promise<void>, index: number, want: { type: string; shape: string; params: string; summary?: string }) => {
    before.push(await tableState(frame));
    await action();
    await expectRow(frame, count, index, want);
    log(`${what}: row ${index} ${want.shape}, ${want.params} params`);
  };
  const insert = async (type: string, want: { shape: string; params: string; summary?: string }, how: 'click' | 'keyboard' = 'click') => {
    const index = count++;
    const paletteButton = frame.locator(`#palette [data-insert-type="${type}"]`);
    const press = async () => {
      if (how === 'click') return paletteButton.click();
      await paletteButton.focus();
      await page.keyboard.press('Enter');
    };
    await edit(`insert ${type} (${how})`, press, index, { type, ...want });
    // The new row is selected, so the next insert goes after it and the inspector edits it.
    await layerRow(frame, index).and(frame.locator('.selected')).waitFor();
    await frame.locator('#inspector h2', { hasText: `Layer ${index}` }).waitFor();
    // The palette is rebuilt, and the pressed button keeps the keyboard focus.
    await frame.locator(`#palette [data-insert-type="${type}"]:focus`).waitFor({ state: 'attached', timeout: 5000 });
    return index;
  };
  const field = async (index: number, key: string, value: string, want: { type: string; shape: string; params: string; summary?: string }) => {
    await edit(`layers[${index}].${key} = ${value}`, () => fillDesignerField(frame, `layers.${index}.${key}`, value), index, want);
    // The inspector is rebuilt with the new value, and the field keeps the keyboard focus.
    await frame.locator(`[data-field="layers.${index}.${key}"] vscode-textfield:focus`).waitFor({ state: 'attached', timeout: 5000 });
  };
  const option = (index: number, key: string, value: string, want: { type: string; shape: string; params: string; summary?: string }) =>
    edit(`layers[${index}].${key} ← ${value}`, () => chooseDesignerOption(frame, `layers.${index}.${key}`, value), index, want);

  // conv2d 6 filters 5×5, same, relu (the template is 32 filters 3×3, same, relu).
  let i = await insert('conv2d', { shape: '28×28×32', params: '320', summary: '32 filters 3×3, same, relu' });
  await field(i, 'filters', '6', { type: 'conv2d', shape: '28×28×6', params: '60' });
  await field(i, 'kernelSize', '5', { type: 'conv2d', shape: '28×28×6', params: '156', summary: '6 filters 5×5, same, relu' });
  // maxPool2d 2 (the template's pool size).
  await insert('maxPool2d', { shape: '14×14×6', params: '0', summary: '2×2' });
  // conv2d 16 filters 5×5, valid (the default: the field is removed), relu.
  i = await insert('conv2d', { shape: '14×14×32', params: '1,760' });
  await field(i, 'filters', '16', { type: 'conv2d', shape: '14×14×16', params: '880' });
  await field(i, 'kernelSize', '5', { type: 'conv2d', shape: '14×14×16', params: '2,416' });
  // Padding is a text field ("same", "valid", n, "h, w", "top, bottom, left, right"): emptied, it takes the default.
  await field(i, 'padding', '', { type: 'conv2d', shape: '10×10×16', params: '2,416', summary: '16 filters 5×5, relu' });
  await screenshot('middle-second-conv');
  // maxPool2d 2, flatten.
  await insert('maxPool2d', { shape: '5×5×16', params: '0' });
  await insert('flatten', { shape: '400', params: '0' });
  // dense 120 relu, dense 84 relu (the template is 128 units, relu).
  // The dense layers from the keyboard: Enter on the focused palette button.
  i = await insert('dense', { shape: '128', params: '51,328' }, 'keyboard');
  await field(i, 'units', '120', { type: 'dense', shape: '120', params: '48,120', summary: '120 units, relu' });
  i = await insert('dense', { shape: '128', params: '15,488' }, 'keyboard');
  await field(i, 'units', '84', { type: 'dense', shape: '84', params: '10,164' });
  // dense 10 softmax.
  i = await insert('dense', { shape: '128', params: '10,880' }, 'keyboard');
  await field(i, 'units', '10', { type: 'dense', shape: '10', params: '850' });
  await option(i, 'activation', 'softmax', { type: 'dense', shape: '10', params: '850', summary: '10 units, softmax' });

  await eventually(async () => assert.equal((await frame.locator('#totals [data-total="params"]').innerText()).trim(), '61,706'));
  const rows = await designerRows(frame);
  assert.deepEqual(
    rows.map((r) => r.shape),
    ['28×28×6', '14×14×6', '10×10×16', '5×5×16', '400', '120', '84', '10'],
  );
  await screenshot('end-lenet5');
  log(`built LeNet-5 in ${before.length} edits`);

  // The document is the example's network, layer for layer.
  await runCommand(page, 'File: Save All');
  const example = JSON.parse(readFileSync(join(workspace, 'lenet5.cnn.json'), 'utf8')) as Model;
  const built = await eventually(async () => {
    const model = JSON.parse(readFileSync(file, 'utf8')) as Model;
    assert.deepEqual(model.layers, example.layers);
    return model;
  }, 15_000);
  assert.deepEqual(built.input, example.input);

  // Undo, one edit at a time, with the keyboard focus in the designer: each restores the table before it.
  await layerRow(frame, rows.length - 1).click();
  const counts: number[] = [rows.length];
  for (let step = before.length - 1; step >= 0; step--) {
    await page.keyboard.press('Control+Z');
    const expected = before[step]!;
    await eventually(async () => {
      const now = await tableState(frame);
      if (now !== expected) throw new Error(`after undoing edit ${step + 1}:\n${now}\nexpected\n${expected}`);
    }, 15_000);
    const n = await frame.locator('tr.layer-row').count();
    assert.ok(n <= counts[counts.length - 1]!, `row count went up from ${counts[counts.length - 1]} to ${n}`);
    counts.push(n);
    if (step === 8) await screenshot('middle-undo');
  }
  log(`row counts while undoing: ${counts.join(' ')}`);
  assert.deepEqual([...new Set(counts)], [8, 7, 6, 5, 4, 3, 2, 1, 0]);
  await frame.locator('tr.empty-row').waitFor();
  await screenshot('end-undone');

  // Back to the template, byte for byte.
  await runCommand(page, 'File: Save All');
  await eventually(async () => assert.equal(readFileSync(file, 'utf8'), template), 15_000);
}
