// The extension activates on a model file and writes to its "CNN Studio" output channel.
import * as assert from 'node:assert/strict';
import { openFile, showOutputChannel, type ScenarioContext } from './helpers';

export default async function outputChannel({ page, screenshot }: ScenarioContext): Promise<void> {
  await openFile(page, 'simple-mnist-convnet.cnn.json');
  const text = await showOutputChannel(page, 'CNN Studio');
  assert.match(text, /CNN Studio activated/, `output channel shows:\n${text}`);
  await screenshot('output-channel');
}
