// Opens a model with Quick Open: it shows (in the designer, the default editor for *.cnn.json,
// or as text), and reopened as text it shows the JSON.
import * as assert from 'node:assert/strict';
import { activeTab, openFile, openFileAsText, visibleEditorText, waitForEditorContent, type ScenarioContext } from './helpers';

export default async function openModel({ page, screenshot }: ScenarioContext): Promise<void> {
  await openFile(page, 'lenet5.cnn.json');
  assert.match(await activeTab(page).innerText(), /lenet5\.cnn\.json/);
  const shown = await waitForEditorContent(page);
  await screenshot(`lenet5-default-editor-${shown}`);

  await openFileAsText(page, 'lenet5.cnn.json');
  const text = await visibleEditorText(page);
  assert.match(text, /"format":\s*"cnn-studio\/model@1"/, `editor shows:\n${text}`);
  await screenshot('lenet5-as-text');
}
