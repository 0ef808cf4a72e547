// CNN: New LeNet-5 on MNIST (template + the MNIST subset shipped in the .vsix) → CNN: Train Model (one short epoch on a small subset via workspace settings) →
// the status bar shows progress, the chart has points, feature-map canvases have pixels, the confusion
// matrix renders and lists misclassified samples; then Stop during a second, longer run.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { designerFrame, eventually, openFile, runCommand, showOutputChannel, trainingFrame, waitForNotification, writeWorkspaceSettings, type CanvasLike, type ScenarioContext } from './helpers';

/** Written before the workbench opens (see test/e2e/run.ts). */
export const workspaceSettings = { 'cnnStudio.training.epochs': 1, 'cnnStudio.training.limit': 256 };

const statusBar = (page: Page) => page.locator('.part.statusbar .statusbar-item').filter({ hasText: 'lenet5' }).first();

export default async function training({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  // Opening a model first lets the extension host finish starting (commands reach the palette).
  await openFile(page, 'lenet5.cnn.json');
  await runCommand(page, 'CNN: New LeNet-5 on MNIST');
  // lenet5.cnn.json exists, so the template's file gets the next free name.
  await page.locator('.tabs-container .tab.active', { hasText: /lenet5-\d+\.cnn\.json/ }).waitFor({ timeout: 15_000 });
  // The new model's own Train button: the designer sends its document's URI, so no race with the
  // title bar's idea of the active editor (focus sits in the webview, where F1 does not always reach the workbench).
  const designer = await designerFrame(page);
  await eventually(async () => {
    const name = await designer.locator('#model-name').evaluate((el) => (el as unknown as { value: string }).value);
    if (!/^lenet5-\d+$/.test(name)) throw new Error(`the visible designer shows "${name}"`);
  }, 15_000);
  await designer.locator('#train').click();
  const status = await eventually(async () => {
    const text = await statusBar(page).innerText();
    if (!/lenet5/.test(text)) throw new Error(`status bar: ${text}`);
    return text;
  }, 20_000);
  log(`status bar: ${status}`);

  const frame = await trainingFrame(page);
  await frame.locator('#phase', { hasText: 'Completed' }).waitFor({ timeout: 45_000 });
  const points = Number(await frame.locator('.chart[data-metric="loss"]').getAttribute('data-points'));
  assert.ok(points >= 2, `loss chart has ${points} points`);
  // Smoothing is off by default and labelled when on.
  const lossTitle = frame.locator('.chart[data-metric="loss"] .u-title');
  assert.equal(await lossTitle.innerText(), 'Loss');
  await frame.locator('#smoothing').check();
  await lossTitle.filter({ hasText: 'smoothed' }).waitFor({ timeout: 5_000 });
  await frame.locator('#smoothing').uncheck();
  await frame.locator('.feature-maps canvas.map').first().waitFor({ timeout: 15_000 });
  // Non-empty canvases: some pixel differs from the first one in each drawn map.
  const maps = await frame.locator('.feature-maps').evaluate((root) => {
    const canvases = [...root.querySelectorAll('canvas.map')] as unknown as CanvasLike[];
    const nonEmpty = canvases.filter((c) => {
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!d) return false;
      for (let i = 4; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
      return false;
    }).length;
    return { canvases: canvases.length, nonEmpty, layers: root.querySelectorAll('.layer-maps').length, bars: root.querySelectorAll('.prob-row').length };
  });
  log(`feature maps: ${JSON.stringify(maps)}`);
  assert.equal(maps.layers, 8, 'one section per LeNet layer');
  const kernels = frame.locator('.layer-kernels');
  assert.deepEqual(await kernels.locator('select option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)), ['conv2d_0.kernel', 'conv2d_2.kernel', 'dense_5.kernel', 'dense_6.kernel', 'dense_7.kernel']);
  assert.equal(await kernels.locator('canvas.kernel-grid').getAttribute('data-param'), 'conv2d_0.kernel');
  assert.equal(maps.bars, 10, 'ten class probabilities');
  assert.ok(maps.nonEmpty >= 6, `${maps.nonEmpty} of ${maps.canvases} feature-map canvases have content`);
  const cells = frame.locator('table.confusion td.cell');
  assert.equal(await cells.count(), 100);
  await screenshot('trained');

  const wrong = frame.locator('table.confusion td.cell.wrong').first();
  if ((await wrong.count()) > 0) {
    await wrong.click();
    await frame.locator('.misclassified li.sample canvas.thumb').first().waitFor({ timeout: 5000 });
    await screenshot('misclassified');
  }

  const output = await showOutputChannel(page, 'CNN Studio');
  assert.match(output, /lenet5-\d+: epoch 1\/1/, output);

  // Stop during a longer second run (settings are read when a run starts).
  writeWorkspaceSettings(workspace, { 'cnnStudio.training.epochs': 20, 'cnnStudio.training.limit': 2000 });
  await page.waitForTimeout(500);
  // This time from the training view's own Train button.
  const again = await trainingFrame(page);
  await again.locator('#train').click();
  await again.locator('#phase', { hasText: /Training ·/ }).waitFor({ timeout: 30_000 });
  await screenshot('running');
  // Editing the model while it trains warns that the running weights belong to the older version.
  const modelFile = join(workspace, readdirSync(workspace).find((f) => /^lenet5-\d+\.cnn\.json$/.test(f))!);
  writeFileSync(modelFile, readFileSync(modelFile, 'utf8').replace('"batchSize": 32', '"batchSize": 64'));
  await waitForNotification(page, /changed while it trains/);
  const t0 = Date.now();
  // The view's Stop button (the in-host test covers the CNN: Stop Training command).
  await again.locator('#stop').click();
  await again.locator('#phase', { hasText: 'Stopped' }).waitFor({ timeout: 10_000 });
  log(`view says stopped ${Date.now() - t0} ms after Stop was clicked`);
  await screenshot('stopped');
}
