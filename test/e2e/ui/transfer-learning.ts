// Issue 20 in VS Code: from a folder of photos to a classifier. MobileNetV2 exported from torchvision (here with
// /usr/bin/python3, untrained weights: no download at test time) and 60 photos of three classes, made in the
// workspace; "CNN: New Model from Pretrained…" through the palette, each question answered as a person would
// (the backbone, the default cut, ImageNet's convention, the photo folder, 96×96, the default model file); the new
// model in the designer with its 52 frozen layers; Train from the message; two epochs that say the frozen layers'
// output was computed once per sample (training view, output channel).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../lib/codeServer';
import { activeTab, designerFrame, designerTotal, eventually, openFile, runCommand, showOutputChannel, trainingFrame, waitForNotification, type ScenarioContext } from './helpers';

export const timeoutMs = 150_000;
/** Read when the run starts (test/e2e/run.ts writes them before the workbench opens). */
export const workspaceSettings = { 'cnnStudio.training.epochs': 2 };

const EXPORT = "import sys, torch, torchvision; m = torchvision.models.mobilenet_v2(weights=None).eval(); torch.onnx.export(m, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=13)";
// Computed, or (a second run of the same backbone on the same photos) read back from the data cache.
const FROZEN_ONCE = /the layers up to globalAvgPool2d_97 are frozen: (computing their output once per sample \(60 samples, [\d.]+ KiB\)|their outputs for 60 samples come from the data cache \([\d.]+ KiB\)); the epochs train only the layers after it/;

export default async function transferLearning({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const t0 = Date.now();
  const folder = join(workspace, 'pretrained');
  mkdirSync(folder);
  const onnx = join(folder, 'mobilenet_v2.onnx');
  const torch = spawnSync('/usr/bin/python3', ['-c', EXPORT, onnx], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(torch.status, 0, `exporting MobileNetV2 needs /usr/bin/python3 with torch and torchvision:\n${torch.stderr || torch.error?.message}`);
  const photos = join(workspace, 'photos');
  const made = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts/make-photo-folder.py'), photos, '60', '320', '240'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(made.status, 0, `make-photo-folder.py failed:\n${made.stderr}`);
  log(`MobileNetV2 exported and 60 photos made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Opening a model first lets the extension host finish starting (commands reach the palette).
  await openFile(page, 'lenet5.cnn.json');
  await designerFrame(page);
  await runCommand(page, 'CNN: New Model from Pretrained…');

  // The backbone: VS Code's own open dialog (in code-server a quick input holding a path).
  await answerPath(page, onnx, 'file', 'mobilenet_v2.onnx', 'Use as Backbone');
  // Where to cut: the default first and marked, then the stage boundaries.
  const quick = page.locator('.quick-input-widget');
  const first = quick.locator('.monaco-list-row').first();
  await first.filter({ hasText: 'globalAvgPool2d_97' }).waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await first.innerText(), /^globalAvgPool2d_97\s*globalAvgPool2d → 1280 \(default: last feature layer before the classifier\)/);
  await screenshot('cut-picker');
  await page.keyboard.press('Enter');
  // The input convention: ImageNet's first for an .onnx file.
  await quick.locator('.monaco-list-row').first().filter({ hasText: 'ImageNet mean/std' }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
  // The photo folder, then the size (prefilled with the backbone's), then the model file (default beside the folder).
  await answerPath(page, photos, 'folder', 'coffee', 'Train on This Folder');
  const size = quick.locator('input');
  await eventually(async () => assert.equal(await size.inputValue(), '224×224'), 15_000);
  await size.fill('96');
  await page.keyboard.press('Enter');
  const target = join(workspace, 'photos.cnn.json');
  await eventually(async () => assert.equal(await quick.locator('input').inputValue(), target), 15_000);
  await page.keyboard.press('Enter');

  // The new model in the designer: MobileNetV2's 52 layers with weights frozen, only the head trains.
  await activeTab(page).filter({ hasText: 'photos.cnn.json' }).waitFor({ state: 'visible', timeout: 30_000 });
  const designer = await designerFrame(page);
  await eventually(async () => assert.equal(await designerTotal(designer, 'trainable'), '3,843'), 15_000);
  assert.equal(await designer.locator('table#layers span.frozen').count(), 52);
  for (const f of ['photos.cnn.json', 'photos.backbone.safetensors']) assert.ok(existsSync(join(workspace, f)), `${f} was written`);
  const model = JSON.parse(readFileSync(target, 'utf8')) as { input: { shape: number[] }; layers: { type: string }[]; training: { initialWeights: string } };
  assert.deepEqual(model.input.shape, [96, 96, 3]);
  assert.equal(model.layers[0]!.type, 'normalization');
  assert.equal(model.training.initialWeights, 'photos.backbone.safetensors');
  const created = await waitForNotification(page, 'Created photos.cnn.json from mobilenet_v2.onnx', 15_000);
  assert.equal(created, 'Created photos.cnn.json from mobilenet_v2.onnx (up to globalAvgPool2d_97): 52 frozen layers, 3,843 trainable parameters, 3 classes.');
  await screenshot('designer-created');

  // Train, from the message's button.
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Created photos.cnn.json' });
  await toast.locator('.monaco-button', { hasText: 'Train' }).click();
  const view = await trainingFrame(page);
  await view.locator('#phase', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
  assert.match(await view.locator('#frozen-features').innerText(), FROZEN_ONCE);
  assert.equal(await view.locator('.chart[data-metric="loss"]').getAttribute('data-points'), '2');
  await screenshot('trained');
  // The Output view wraps long lines: join each entry's pieces (an entry starts with its timestamp).
  const output = (await showOutputChannel(page, 'CNN Studio')).replace(/\s*\n(?!\d{4}-\d\d-\d\d )/g, ' ');
  assert.match(output, FROZEN_ONCE, output);
  assert.match(output, /photos: computing frozen features: 60 \/ 60 samples: done/, output);
  assert.match(output, /photos: epoch 2\/2/, output);
  log(`whole scenario ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * Answers VS Code's simple file dialog (in code-server a quick input holding a path, which follows what is typed
 * into it) as a person does: a file by typing its path (once its folder is listed), a folder of the listing by
 * clicking it (the dialog opens there) and accepting with the dialog's button.
 */
async function answerPath(page: Page, path: string, kind: 'file' | 'folder', shown: string, button: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  // The dialog fills in its folder first and lists it; act once it has.
  await eventually(async () => assert.match(await input.inputValue(), /\/$/), 15_000);
  await widget.locator('.monaco-list-row', { hasText: '..' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  if (kind === 'file') {
    await input.fill(`${dirname(path)}/`);
    await widget.locator('.monaco-list-row', { hasText: shown }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(path);
    await eventually(async () => assert.equal(await input.inputValue(), path), 5_000);
  } else {
    await widget.locator('.monaco-list-row', { hasText: basename(path) }).first().click();
    await widget.locator('.monaco-list-row', { hasText: shown }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await eventually(async () => assert.equal(await input.inputValue(), `${path}/`), 5_000);
  }
  await widget.locator('.monaco-button', { hasText: button }).click();
}
