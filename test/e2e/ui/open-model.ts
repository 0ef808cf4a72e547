// Opening a *.cnn.json shows the CNN Designer (the custom editor is the default, package.json
// customEditors priority "default"), from Quick Open and from a double-click in the explorer;
// "CNN: Open as Text" then shows the same file in the text editor. Either kind is not enough:
// the designer must stay the default.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  activeTab,
  closeAllEditors,
  designerFrame,
  editorGroupShowing,
  eventually,
  openFile,
  runCommand,
  visibleEditorText,
  waitForEditorContent,
  type ScenarioContext,
} from './helpers';

/** The active editor is the designer (a webview with its layer table) showing model `name`. */
async function expectDesigner(ctx: ScenarioContext, name: string, how: string): Promise<void> {
  assert.equal(await waitForEditorContent(ctx.page), 'webview', `${how} should open the CNN Designer, not the text editor`);
  const frame = await designerFrame(ctx.page);
  await eventually(async () => {
    const shown = await frame.locator('#model-name input').inputValue();
    if (shown !== name) throw new Error(`the designer shows model "${shown}", expected "${name}"`);
  }, 15_000);
}

export default async function openModel(ctx: ScenarioContext): Promise<void> {
  const { page, screenshot } = ctx;
  await openFile(page, 'lenet5.cnn.json');
  assert.match(await activeTab(page).innerText(), /lenet5\.cnn\.json/);
  await expectDesigner(ctx, 'lenet5', 'Quick Open');
  await screenshot('lenet5-designer');

  await runCommand(page, 'CNN: Open as Text');
  const group = editorGroupShowing(page, 'lenet5.cnn.json');
  await group.locator('.editor-container .monaco-editor .view-line').first().waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await waitForEditorContent(page), 'text', 'CNN: Open as Text should show the text editor');
  const text = await visibleEditorText(page);
  assert.match(text, /"format":\s*"cnn-studio\/model@1"/, `editor shows:\n${text}`);
  await screenshot('lenet5-as-text');

  // A double-click in the explorer opens (and pins) the file the same way.
  await closeAllEditors(page);
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'vgg-cifar.cnn.json' }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.dblclick();
  await activeTab(page).filter({ hasText: 'vgg-cifar.cnn.json' }).waitFor({ state: 'visible', timeout: 15_000 });
  await expectDesigner(ctx, await modelNameOf(ctx, 'vgg-cifar.cnn.json'), 'A double-click in the explorer');
  await screenshot('vgg-cifar-designer-from-explorer');
}

/** The "name" field of an example in the test's workspace copy. */
async function modelNameOf(ctx: ScenarioContext, file: string): Promise<string> {
  const model = JSON.parse(await readFile(join(ctx.workspace, file), 'utf8')) as { name?: unknown };
  assert.equal(typeof model.name, 'string', `${file} has a name`);
  return model.name as string;
}
