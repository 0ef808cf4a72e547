// Opens a model file with Quick Open and checks it shows in a text editor.
import * as assert from 'node:assert/strict';
import { activeTab, openFile, visibleEditorText, type ScenarioContext } from './helpers';

export default async function openModel({ page, screenshot }: ScenarioContext): Promise<void> {
  await openFile(page, 'lenet5.cnn.json');
  assert.match(await activeTab(page).innerText(), /lenet5\.cnn\.json/);
  const text = await visibleEditorText(page);
  assert.match(text, /"format":\s*"cnn-studio\/model@1"/, `editor shows:\n${text}`);
  await screenshot('lenet5-open');
}
