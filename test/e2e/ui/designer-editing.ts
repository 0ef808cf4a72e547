// Editing in the designer (issue 5), with the same model open as text beside it: a palette insert
// changes the text and shows the new row's shape; Ctrl+Z in the designer takes it back; an edit in
// the text editor updates the designer; an invalid field value shows an error while the document stays
// valid JSON. Screenshots in the dark and the light theme.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  designerFrame,
  eventually,
  expectRows,
  fillDesignerField,
  layerRow,
  openFileAsText,
  reopenWith,
  runCommand,
  setColorTheme,
  visibleEditorText,
  type ScenarioContext,
} from './helpers';

/** Written before the workbench opens (see test/e2e/run.ts). */
export const workspaceSettings = { 'cnnStudio.inlayHints.enabled': false, 'editor.inlayHints.enabled': 'off', 'workbench.colorTheme': 'Default Dark Modern' };

export const timeoutMs = 120_000;

interface Model {
  layers: Array<Record<string, unknown>>;
}

const LENET_ROWS = [
  { shape: '28×28×6', params: '156' },
  { shape: '14×14×6', params: '0' },
  { shape: '10×10×16', params: '2,416' },
  { shape: '5×5×16', params: '0' },
  { shape: '400', params: '0' },
  { shape: '120', params: '48,120' },
  { shape: '84', params: '10,164' },
  { shape: '10', params: '850' },
];

/** The editor group holding the text editor (the designer's group has none). */
function textGroup(page: Page) {
  return page.locator('.editor-group-container').filter({ has: page.locator('.editor-container .monaco-editor .view-lines') });
}

/** The document as the text editor shows it, parsed (inlay hints are off, and all of it fits on screen). */
async function documentModel(page: Page): Promise<Model> {
  const text = await visibleEditorText(page, textGroup(page));
  try {
    return JSON.parse(text) as Model;
  } catch (err) {
    throw new Error(`the text editor does not show valid JSON (${String(err)}):\n${text}`);
  }
}

/** Waits until the text editor shows a document that satisfies `check`. */
async function expectDocument(page: Page, what: string, check: (m: Model) => boolean): Promise<Model> {
  return eventually(async () => {
    const model = await documentModel(page);
    if (!check(model)) throw new Error(`the text editor does not show ${what}: ${JSON.stringify(model.layers)}`);
    return model;
  }, 15_000);
}

export default async function designerEditing({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  // Plain JSON on screen (no inlay hints after each layer), so the text editor's lines parse as the document.

  // The text on the left, the designer on the right.
  await openFileAsText(page, 'lenet5.cnn.json');
  await runCommand(page, 'View: Split Editor Right');
  await eventually(async () => assert.equal(await page.locator('.editor-group-container').count(), 2));
  await reopenWith(page, 'CNN Designer');
  const frame = await designerFrame(page);
  await expectRows(frame, LENET_ROWS, '61,706');
  await expectDocument(page, 'LeNet-5', (m) => m.layers.length === 8);
  await screenshot('dark-side-by-side');

  // Palette: a conv2d after the first pooling layer (the selection is row 1).
  await layerRow(frame, 1).click();
  await layerRow(frame, 1).and(frame.locator('.selected')).waitFor();
  await frame.locator('#palette [data-insert-type="conv2d"]').click();
  await expectRows(
    frame,
    [
      LENET_ROWS[0]!,
      LENET_ROWS[1]!,
      { shape: '14×14×32', params: '1,760', type: 'conv2d' }, // the template: 32 filters 3×3, same, relu
      { shape: '10×10×16', params: '12,816' }, // 5·5·32·16 + 16: its input has 32 channels now
      ...LENET_ROWS.slice(3),
    ],
    '73,866',
  );
  await layerRow(frame, 2).and(frame.locator('.selected')).waitFor();
  const inserted = await expectDocument(page, 'the inserted conv2d', (m) => m.layers.length === 9);
  // The conv2d it pushed on keeps its weights' name ("conv2d_2", now written down), so the new one takes the next free name.
  assert.deepEqual(inserted.layers[2], { type: 'conv2d', name: 'conv2d_3', filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' });
  assert.equal(inserted.layers[3]?.name, 'conv2d_2');
  assert.match(await visibleEditorText(page, textGroup(page)), /^ {4}\{ "type": "conv2d", "name": "conv2d_3", "filters": 32, "kernelSize": 3, "padding": "same", "activation": "relu" \},$/m);
  await screenshot('dark-inserted');

  // Ctrl+Z with the keyboard focus in the designer: the insert is undone.
  await layerRow(frame, 0).click();
  await page.keyboard.press('Control+Z');
  await expectRows(frame, LENET_ROWS, '61,706');
  await expectDocument(page, 'LeNet-5 again', (m) => m.layers.length === 8 && m.layers[2]?.filters === 16);
  await screenshot('dark-undone');

  // An edit in the text editor: the first dense layer gets 100 units, and the designer follows.
  const units = textGroup(page).locator('.view-line span span').filter({ hasText: /^120$/ }).first();
  await units.dblclick();
  await page.keyboard.type('100');
  await expectDocument(page, '"units": 100', (m) => m.layers[5]?.units === 100);
  await expectRows(
    frame,
    [...LENET_ROWS.slice(0, 5), { shape: '100', params: '40,100' }, { shape: '84', params: '8,484' }, LENET_ROWS[7]!],
    '52,006',
  );
  await screenshot('dark-text-edited');

  // Invalid values in a field: text that is no number never reaches the document…
  await layerRow(frame, 0).click();
  const filters = frame.locator('[data-field="layers.0.filters"]');
  await fillDesignerField(frame, 'layers.0.filters', 'abc');
  await eventually(async () => assert.equal((await filters.locator('.field-error').innerText()).trim(), 'enter a whole number'));
  await expectDocument(page, 'the unchanged filters', (m) => m.layers[0]?.filters === 6);
  await screenshot('dark-field-error');
  await filters.locator('vscode-textfield input').press('Escape');
  // …a number out of range does, and the validator marks the row; the document stays valid JSON.
  await fillDesignerField(frame, 'layers.0.filters', '-5');
  await expectDocument(page, '"filters": -5', (m) => m.layers[0]?.filters === -5);
  await layerRow(frame, 0).and(frame.locator('.has-error')).waitFor({ timeout: 15_000 });
  const message = (await layerRow(frame, 0).locator('.error-message').allInnerTexts()).join(' | ');
  log(`row 0 with filters -5: ${message}`);
  assert.match(message, /filters/);
  assert.equal((await filters.locator('.field-error').innerText()).trim(), '', 'a whole number is no field error');
  await screenshot('dark-row-error');

  // The same state in the light theme.
  await setColorTheme(page, workspace, 'Default Light Modern');
  await frame.locator('tr.layer-row.has-error').first().waitFor();
  await screenshot('light-row-error');
  await layerRow(frame, 1).click();
  await screenshot('light-row-selected');

  // Saved (VS Code for the web also auto-saves after a delay), the file on disk is the document:
  // valid JSON with both edits.
  await runCommand(page, 'File: Save All');
  await eventually(async () => assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 0), 15_000);
  const saved = JSON.parse(readFileSync(join(workspace, 'lenet5.cnn.json'), 'utf8')) as Model;
  assert.equal(saved.layers.length, 8);
  assert.equal(saved.layers[0]?.filters, -5);
  assert.equal(saved.layers[5]?.units, 100);
}
