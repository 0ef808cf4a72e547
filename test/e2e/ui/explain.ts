// Issue 13 in the training view: LeNet-5 trains one short epoch; a click on a cell of the first conv layer's
// map opens its explanation (receptive field, patch ⊙ kernel, Σ + bias, ReLU) whose result equals the value the
// map holds; the arrow keys and Page Down move the cell (the numbers follow), Escape closes; a class probability
// explains the softmax; Grad-CAM on a misclassified sample of the confusion matrix predicts what the matrix says,
// on the last conv layer; saliency in the sample inspector. Screenshots in the dark, the light and the high-contrast theme.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { eventually, openFileInDesigner, setColorTheme, trainingFrame, type CanvasLike, type ScenarioContext } from './helpers';

/** Written before the workbench opens (see test/e2e/run.ts). */
export const workspaceSettings = { 'cnnStudio.training.epochs': 1, 'cnnStudio.training.limit': 256, 'workbench.colorTheme': 'Default Dark Modern' };

export const timeoutMs = 150_000;

const text = async (l: Locator): Promise<string> => (await l.innerText()).trim();

/** The panel's three numbers as shown, and their exact values. */
async function resultNumbers(panel: Locator): Promise<{ sum: string; engine: string; map: string; exactSum: number; exactEngine: number; exactMap: number }> {
  const read = async (id: string): Promise<[string, number]> => {
    const el = panel.locator(`#${id}`);
    return [await text(el), Number(await el.getAttribute('data-exact'))];
  };
  const [[sum, exactSum], [engine, exactEngine], [map, exactMap]] = await Promise.all([read('explain-sum'), read('explain-value'), read('explain-map-value')]);
  return { sum, engine, map, exactSum, exactEngine, exactMap };
}

/** Waits for the explanation of `cell` ("row,col,channel") and checks that its result is the map's value. */
async function expectExplained(panel: Locator, layer: string, cell: string): Promise<Awaited<ReturnType<typeof resultNumbers>>> {
  return eventually(async () => {
    if ((await panel.getAttribute('data-layer')) !== layer) throw new Error(`panel shows layer ${await panel.getAttribute('data-layer')}, not ${layer}`);
    if ((await panel.getAttribute('data-cell')) !== cell) throw new Error(`panel shows cell ${await panel.getAttribute('data-cell')}, not ${cell}`);
    if ((await panel.getAttribute('aria-busy')) !== null) throw new Error('still computing');
    const n = await resultNumbers(panel);
    // The terms add up to the engine's value, which is the value the feature map shows. The sum is re-added in float64
    // and the engine's in float32, so their 6-digit texts can differ in the last digit: compare the exact values.
    assert.equal(n.engine, n.map);
    assert.equal(n.exactEngine, n.exactMap, `${layer} (${cell}): the engine's ${n.exactEngine} is not the map's ${n.exactMap}`);
    assert.ok(Math.abs(n.exactSum - n.exactMap) <= 1e-5 * Math.max(1, Math.abs(n.exactMap)), `${layer} (${cell}): the shown sum ${n.exactSum} is not the map's ${n.exactMap}`);
    await panel.locator('.check.ok').waitFor({ timeout: 1000 });
    return n;
  }, 15_000);
}

export default async function explain({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  // A model never trained: "Completed" can then only be this scenario's run (not the example's saved one).
  for (const f of ['lenet5.safetensors', 'lenet5.optimizer.safetensors', 'lenet5.train.json']) rmSync(join(workspace, f), { force: true });
  const designer = await openFileInDesigner(page, 'lenet5.cnn.json');
  await designer.locator('#train').click();
  let frame = await trainingFrame(page);
  await frame.locator('#phase', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
  // The training view alone, full width: close the designer (its group closes with it) and the side bar.
  await page.locator('.tabs-container .tab', { hasText: 'lenet5.cnn.json' }).locator('.codicon-close').click();
  await page.keyboard.press('Control+B');
  // The "trained" toast would cover the view's lower right corner in the screenshots.
  const toast = page.locator('.notifications-toasts .notification-toast');
  if ((await toast.count()) > 0) {
    await toast.first().hover();
    await toast.first().locator('.codicon-notifications-clear').click();
  }
  frame = await trainingFrame(page);
  const maps = frame.locator('.feature-maps');
  await maps.locator('.map-cell').first().waitFor({ timeout: 15_000 });

  // 1. Click the brightest cell of conv2d_0's channel 0 (on the digit's stroke; 28×28 drawn at 56 px: 2 px a cell),
  // left of the map's right edge so that the arrow key can move right.
  const channel0 = maps.locator('.map-cell[data-layer-index="0"][data-channel="0"]');
  await channel0.scrollIntoViewIfNeeded();
  const [row, col] = await channel0.locator('canvas').evaluate((c) => {
    const cv = c as unknown as CanvasLike;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let best = 0;
    for (let p = 0; p < cv.width * cv.height; p++) if (p % cv.width < cv.width - 2 && Math.floor(p / cv.width) < cv.height - 2 && d[p * 4]! > d[best * 4]!) best = p;
    return [Math.floor(best / cv.width), best % cv.width];
  });
  // Relative to the canvas's padding box, in CSS pixels.
  await channel0.locator('canvas').click({ position: { x: (col + 0.5) * 2, y: (row + 0.5) * 2 } });
  const panel = frame.locator('.explain-panel');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  const first = await expectExplained(panel, 'conv2d_0', `${row},${col},0`);
  log(`conv2d_0 (${row},${col},0): sum ${first.sum}, engine ${first.engine}, map ${first.map}`);
  assert.notEqual(first.exactMap, 0, 'a cell on the stroke');
  // One input channel: patch ⊙ kernel = products, 5×5 each; the receptive field is the 5×5 patch of the image.
  assert.equal(await panel.locator('.term-card').count(), 1);
  assert.equal(await panel.locator('.term-card .num-grid').count(), 3);
  assert.equal(await panel.locator('.term-card .num-grid').nth(2).locator('td').count(), 25);
  // 'same' padding: the 5×5 window centred on the cell (clipped at the image's edge).
  const rf = (r: number, c: number): string => `rows ${Math.max(0, r - 2)}–${Math.min(27, r + 2)}, columns ${Math.max(0, c - 2)}–${Math.min(27, c + 2)}`;
  assert.ok((await text(panel.locator('.receptive figcaption'))).includes(rf(row, col)));
  assert.equal(await panel.locator('canvas.activation-plot').count(), 1, 'the ReLU drawn');
  // The cell is outlined on its map, and the outline's tooltip has the map's exact value.
  const marker = channel0.locator('.cell-marker');
  assert.equal(await marker.isVisible(), true);
  assert.match((await marker.getAttribute('title')) ?? '', new RegExp(`= ${first.exactMap.toString().replace(/[.+-]/g, '\\$&')}$`));
  // Every shown number carries its exact value on hover.
  const product = panel.locator('.term-card .num-grid').nth(2).locator('td').first();
  assert.equal(await product.getAttribute('title'), await product.getAttribute('data-exact'));
  await panel.scrollIntoViewIfNeeded();
  await screenshot('dark-conv-cell');

  // 2. The keyboard: the focused panel moves its cell; its numbers are those of the new cell.
  assert.equal(await panel.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true, 'the panel has focus');
  const patchOf = async (): Promise<string> => (await panel.locator('.term-card .num-grid').first().locator('td').allInnerTexts()).join(' ');
  const patch0 = await patchOf();
  await page.keyboard.press('ArrowRight');
  await expectExplained(panel, 'conv2d_0', `${row},${col + 1},0`);
  assert.notEqual(await patchOf(), patch0, 'the patch moved one column');
  await page.keyboard.press('ArrowDown');
  await expectExplained(panel, 'conv2d_0', `${row + 1},${col + 1},0`);
  assert.ok((await text(panel.locator('.receptive figcaption'))).includes(rf(row + 1, col + 1)));
  const kernel0 = (await panel.locator('.term-card .num-grid').nth(1).locator('td').allInnerTexts()).join(' ');
  await page.keyboard.press('PageDown');
  await expectExplained(panel, 'conv2d_0', `${row + 1},${col + 1},1`);
  assert.notEqual((await panel.locator('.term-card .num-grid').nth(1).locator('td').allInnerTexts()).join(' '), kernel0, 'channel 1 has its own kernel');
  assert.equal(await maps.locator('.map-cell[data-layer-index="0"][data-channel="1"] .cell-marker').isVisible(), true, 'the outline followed');
  await page.keyboard.press('Escape');
  await panel.waitFor({ state: 'hidden', timeout: 5000 });
  assert.equal(await maps.locator('.map-cell[data-layer-index="0"][data-channel="1"]').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true, 'focus back on the map');
  // Enter on the focused map reopens it at the cell it had.
  await page.keyboard.press('Enter');
  await expectExplained(panel, 'conv2d_0', `${row + 1},${col + 1},1`);

  // 3. A class probability: the output layer's dense + softmax (the ten largest contributions, logits → probabilities).
  const predicted = await text(frame.locator('.probabilities h4 strong'));
  const best = frame.locator('.prob-row', { has: frame.locator('.bar.best') });
  await best.click();
  const cls = await best.getAttribute('data-class');
  await expectExplained(panel, 'dense_7', `0,0,${cls}`);
  assert.equal(await panel.locator('.dense-table tbody tr').count(), 10);
  assert.equal(await panel.locator('.softmax-table tbody tr').count(), 10);
  assert.equal(await text(panel.locator('.softmax-table tr.current td').first()), predicted);
  await panel.scrollIntoViewIfNeeded();
  await screenshot('dark-softmax');

  // 4. Where the model looks in the inspected sample: Grad-CAM on the last conv by default, then saliency.
  const inspector = frame.locator('#sample-attribution');
  await inspector.locator('.attribution-figure[data-method="gradCam"][data-layer="conv2d_2"]').waitFor({ timeout: 15_000 });
  await inspector.locator('#sample-attribution-method').selectOption('saliency');
  await inspector.locator('.attribution-figure[data-method="saliency"]').waitFor({ timeout: 15_000 });

  // 5. Grad-CAM on a misclassified sample listed by the confusion matrix.
  const wrong = frame.locator('table.confusion td.cell.wrong').first();
  const actual = await wrong.getAttribute('data-actual');
  const wrongPredicted = await wrong.getAttribute('data-predicted');
  await wrong.click();
  await frame.locator('.misclassified .sample-pick').first().click();
  const cam = frame.locator('#misclassified-attribution .attribution-figure[data-method="gradCam"]');
  await cam.waitFor({ timeout: 15_000 });
  assert.equal(await cam.getAttribute('data-layer'), 'conv2d_2', 'the last conv layer by default');
  // The engine, asked again for that sample, predicts what the confusion matrix says it predicted.
  assert.equal(await cam.getAttribute('data-predicted'), wrongPredicted);
  assert.equal(await cam.getAttribute('data-class'), wrongPredicted);
  const heat = await cam.locator('canvas.overlay:not(.plain)').evaluate((c) => {
    const cv = c as unknown as CanvasLike;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let coloured = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - d[i + 2]!) > 40) coloured++;
    return coloured;
  });
  log(`Grad-CAM on a misclassified sample (actual ${actual}, predicted ${wrongPredicted}): ${heat} coloured pixels`);
  assert.ok(heat > 0, 'the heat map is drawn over the image');
  // The actual class, chosen: the map is recomputed for it.
  await frame.locator('#misclassified-attribution-class').selectOption(actual!);
  await frame.locator(`#misclassified-attribution .attribution-figure[data-class="${actual}"]`).waitFor({ timeout: 15_000 });
  await frame.locator('#misclassified-attribution').scrollIntoViewIfNeeded();
  await screenshot('dark-gradcam-misclassified');

  // 6. The light theme: canvases re-read their colours (the legend starts at the editor background).
  const legendStart = (): Promise<number[]> =>
    frame.locator('#misclassified-attribution canvas.legend-bar').evaluate((c) => Array.from((c as unknown as CanvasLike).getContext('2d')!.getImageData(0, 0, 1, 1).data));
  const darkLegend = await legendStart();
  await setColorTheme(page, workspace, 'Default Light Modern');
  await frame.locator('body.vscode-light').waitFor({ state: 'attached', timeout: 15_000 });
  await eventually(async () => {
    const light = await legendStart();
    if (light[0]! <= darkLegend[0]!) throw new Error(`legend ${light} not lighter than ${darkLegend}`);
  });
  await screenshot('light-gradcam-misclassified');
  await panel.scrollIntoViewIfNeeded();
  await screenshot('light-softmax');
  // A click in the middle of channel 0's map: cell (14, 14).
  await maps.locator('.map-cell[data-layer-index="0"][data-channel="0"] canvas').click({ position: { x: 29, y: 29 } });
  await expectExplained(panel, 'conv2d_0', '14,14,0');
  await panel.scrollIntoViewIfNeeded();
  await screenshot('light-conv-cell');

  // 7. High contrast: the same panel, still adding up.
  await setColorTheme(page, workspace, 'Default High Contrast');
  await frame.locator('body.vscode-high-contrast').waitFor({ state: 'attached', timeout: 15_000 });
  await maps.locator('.map-cell[data-layer-index="0"][data-channel="0"] canvas').click({ position: { x: 31, y: 29 } });
  await expectExplained(panel, 'conv2d_0', '14,15,0');
  await panel.scrollIntoViewIfNeeded();
  await screenshot('high-contrast-conv-cell');
}
