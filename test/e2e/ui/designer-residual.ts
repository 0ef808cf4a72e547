// Issue 11's designer test: a residual block built around two conv layers with the designer's graph
// gestures alone — "Add residual connection" on a range of rows, disconnect in the inspector, connect with
// the Inputs pick-list of the table, a palette insert, a field edit that breaks the add — each step checked
// in the table (shapes, params, total) and in the diagram (the shortcut's edge); the diagram in the dark
// and the light theme; then Ctrl+Z back to a byte-identical file.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import {
  designerFrame,
  designerTotal,
  eventually,
  expectRows,
  fillDesignerField,
  layerRow,
  openFile,
  runCommand,
  setColorTheme,
  type ScenarioContext,
} from './helpers';

/** Written before the workbench opens (see test/e2e/run.ts). */
export const workspaceSettings = { 'workbench.colorTheme': 'Default Dark Modern', 'files.autoSave': 'off' };

export const timeoutMs = 150_000;

const FILE = 'two-conv.cnn.json';
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

const CONV = { shape: '16×16×8', params: '584', type: 'conv2d' };
const ADD = { shape: '16×16×8', params: '0', type: 'add' };
const POOL = { shape: '8', params: '0', type: 'globalAvgPool2d' };
const DENSE = { shape: '10', params: '90', type: 'dense' };

/** The diagram's edges as "from>to" (−1: the model input), and which of them skip a layer. */
async function diagramEdges(frame: FrameLocator): Promise<{ all: string[]; skips: string[] }> {
  const edges = frame.locator('#diagram path.edge');
  const read = async (sel: string): Promise<string[]> =>
    frame
      .locator(sel)
      .evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(a: string): string | null }).getAttribute('data-from') + '>' + (e as unknown as { getAttribute(a: string): string | null }).getAttribute('data-to')).sort());
  await edges.first().waitFor({ state: 'attached' });
  return { all: await read('#diagram path.edge'), skips: await read('#diagram path.edge.skip') };
}

async function expectEdges(frame: FrameLocator, all: string[], skips: string[]): Promise<void> {
  await eventually(async () => assert.deepEqual(await diagramEdges(frame), { all: [...all].sort(), skips: [...skips].sort() }), 15_000);
}

/** The Inputs column of row `index`, as shown. */
async function inputsCell(frame: FrameLocator, index: number): Promise<string> {
  return (await layerRow(frame, index).locator('td.inputs .input-refs').innerText()).trim();
}

export default async function designerResidual({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  // No auto-save: the file on disk changes only with the explicit save at the end.
  const file = join(workspace, FILE);
  writeFileSync(file, TWO_CONV);
  await eventually(() => openFile(page, FILE), 30_000, 1000);
  const frame = await designerFrame(page);
  await expectRows(frame, [CONV, CONV, POOL, DENSE], '1,258');
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3'], []);
  assert.equal(await frame.locator('#diagram g.node').count(), 5, 'the input and four layers');
  assert.equal(await inputsCell(frame, 1), 'previous');
  await screenshot('dark-two-conv');

  // 1. Select the two conv rows (click, Shift+click) and add a residual connection around them.
  await layerRow(frame, 0).click();
  await layerRow(frame, 1).click({ modifiers: ['Shift'] });
  const residual = frame.locator('#add-residual');
  await eventually(async () => assert.equal((await residual.innerText()).trim(), 'Add residual connection around layers 0–1'));
  await frame.locator('tr.layer-row.in-range').nth(1).waitFor();
  await residual.click();
  await expectRows(frame, [CONV, CONV, ADD, POOL, DENSE], '1,258');
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3', '3>4', '-1>2'], ['-1>2']);
  assert.equal(await inputsCell(frame, 2), 'conv2d_1, input');
  assert.equal(await frame.locator('#diagram g.node.merge[data-type="add"]').count(), 1);
  await layerRow(frame, 2).and(frame.locator('.selected')).waitFor();
  log('residual connection added: add(conv2d_1, input)');
  const dark = await screenshot('dark-residual');
  await frame.locator('#diagram').screenshot({ path: dark.replace(/\.png$/, '-diagram.png') });

  // 2. Disconnect the shortcut in the inspector: the add is left with one input, an error.
  const inputsField = frame.locator('[data-field="layers.2.inputs"]');
  await inputsField.locator('li[data-input-element="1"] [data-action="disconnect"]').click();
  await eventually(async () => {
    const rows = await expectRows(frame, [CONV, CONV, { shape: '?', params: '0' }, { shape: '?', params: '0' }, { shape: '10' }], '1,168');
    assert.ok(rows[2]!.error, 'the add is an error row');
  }, 15_000);
  assert.match(await layerRow(frame, 2).locator('.error-message').innerText(), /^add needs two or more inputs/);
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3', '3>4'], []);
  assert.equal(await frame.locator('#diagram g.node.error[data-row="2"]').count(), 1);
  assert.equal(await inputsCell(frame, 2), 'previous');

  // 3. Connect it again with the table's pick-list (a multi-select for a merge layer).
  await layerRow(frame, 2).locator('[data-action="edit-inputs"]').click();
  const picker = layerRow(frame, 2).locator('td.inputs vscode-multi-select');
  await picker.click();
  await picker.locator('li.option').filter({ hasText: /^\s*input\s*$/ }).click();
  await expectRows(frame, [CONV, CONV, ADD, POOL, DENSE], '1,258');
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3', '3>4', '-1>2'], ['-1>2']);
  assert.equal(await inputsCell(frame, 2), 'conv2d_1, input');

  // 4. A relu after the add, from the palette (the add is selected).
  await layerRow(frame, 2).click();
  await frame.locator('#palette [data-insert-type="relu"]').click();
  await expectRows(frame, [CONV, CONV, ADD, { shape: '16×16×8', params: '0', type: 'relu' }, POOL, DENSE], '1,258');
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3', '3>4', '4>5', '-1>2'], ['-1>2']);
  const block = await screenshot('dark-residual-block');
  await frame.locator('#diagram').screenshot({ path: block.replace(/\.png$/, '-diagram.png') });
  // Saved: the file holds the block, names written where references and weights need them.
  await runCommand(page, 'File: Save All');
  const saved = await eventually(async () => {
    const text = readFileSync(file, 'utf8');
    assert.notEqual(text, TWO_CONV);
    return JSON.parse(text) as { layers: Record<string, unknown>[] };
  }, 15_000);
  assert.deepEqual(saved.layers.slice(1, 4), [
    { type: 'conv2d', name: 'conv2d_1', filters: 8, kernelSize: 3, padding: 'same' },
    { type: 'add', inputs: ['conv2d_1', 'input'] },
    { type: 'relu' },
  ]);
  assert.equal(saved.layers[5]?.name, 'dense_3', 'the dense layer, pushed from index 3 to 5, keeps its weights\' name');

  // 5. 16 filters in the second conv: the add's inputs no longer fit, and it says so.
  await layerRow(frame, 1).click();
  await fillDesignerField(frame, 'layers.1.filters', '16');
  await eventually(async () => {
    await expectRows(frame, [CONV, { shape: '16×16×16', params: '1,168' }, { shape: '?', params: '0' }, { shape: '?' }, { shape: '?' }, { shape: '10' }], '1,752');
    assert.equal(await layerRow(frame, 2).locator('.error-message').innerText(), 'add needs equal shapes: "input" gives 16×16×8 but "conv2d_1" gives 16×16×16');
  }, 15_000);
  await frame.locator('#diagram path.edge.error[data-from="-1"][data-to="2"]').waitFor({ state: 'attached' });

  // The light theme, with the broken and then the repaired block.
  await setColorTheme(page, workspace, 'Default Light Modern');
  await screenshot('light-shape-mismatch');
  await layerRow(frame, 1).click();
  await page.keyboard.press('Control+Z');
  await expectRows(frame, [CONV, CONV, ADD, { shape: '16×16×8', params: '0', type: 'relu' }, POOL, DENSE], '1,258');
  const light = await screenshot('light-residual-block');
  await frame.locator('#diagram').screenshot({ path: light.replace(/\.png$/, '-diagram.png') });

  // Undo the other four gestures, one step each, back to the file as it was.
  const expected = [
    { rows: [CONV, CONV, ADD, POOL, DENSE], total: '1,258' }, // undo the relu
    { rows: [CONV, CONV, { shape: '?', params: '0' }, { shape: '?', params: '0' }, { shape: '10' }], total: '1,168' }, // undo the connect
    { rows: [CONV, CONV, ADD, POOL, DENSE], total: '1,258' }, // undo the disconnect
    { rows: [CONV, CONV, POOL, DENSE], total: '1,258' }, // undo the residual
  ];
  for (const step of expected) {
    await layerRow(frame, 0).click();
    await page.keyboard.press('Control+Z');
    await expectRows(frame, step.rows, step.total);
  }
  await expectEdges(frame, ['-1>0', '0>1', '1>2', '2>3'], []);
  assert.equal(await designerTotal(frame, 'params'), '1,258');
  log(`before saving: ${await page.locator('.tabs-container .tab.dirty').count()} dirty tab(s), the file on disk ${readFileSync(file, 'utf8') === TWO_CONV ? 'is' : 'is not'} the original`);
  await runCommand(page, 'File: Save All');
  await eventually(async () => assert.equal(readFileSync(file, 'utf8'), TWO_CONV), 15_000);
  log('undone to a byte-identical file');
}
