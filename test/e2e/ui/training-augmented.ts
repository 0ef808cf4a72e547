// A model with training.augmentation trained from the designer: the training view shows "What the network sees",
// tiles of the run's first training samples after augmentation, each with content (not blank), and differing
// from the unaugmented sample (a flip and a rotation change the digit's pixels).
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { designerFrame, openFileInDesigner, trainingFrame, type CanvasLike, type ScenarioContext } from './helpers';

export const workspaceSettings = { 'cnnStudio.training.epochs': 1, 'cnnStudio.training.limit': 128 };

export default async function trainingAugmented({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const model = JSON.parse(readFileSync(join(workspace, 'lenet5.cnn.json'), 'utf8')) as { name: string; training: Record<string, unknown> };
  model.name = 'lenet5_aug';
  model.training.augmentation = { rotation: 25, horizontalFlip: true, cutout: { holes: 1, size: 0.3 } };
  writeFileSync(join(workspace, 'lenet5-aug.cnn.json'), JSON.stringify(model, null, 2));
  await openFileInDesigner(page, 'lenet5-aug.cnn.json');
  await (await designerFrame(page)).locator('#train').click();
  const frame = await trainingFrame(page);
  const tiles = frame.locator('.augmented canvas');
  await tiles.first().waitFor({ timeout: 45_000 });
  await frame.locator('#phase', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
  assert.equal(await frame.locator('.augmented h3').innerText(), 'What the network sees');
  const drawn = await frame.locator('.augmented').evaluate((root) => {
    const canvases = [...root.querySelectorAll('canvas')] as unknown as CanvasLike[];
    return canvases.map((c) => {
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!d) return 0;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 64) lit++;
      return lit;
    });
  });
  log(`augmented tiles: ${drawn.length}, lit pixels ${drawn.join(', ')}`);
  assert.equal(drawn.length, 8, 'the first 8 training samples');
  assert.ok(drawn.every((n) => n > 0), 'every tile has a digit on it');
  await frame.locator('.augmented').scrollIntoViewIfNeeded();
  await screenshot('augmented-samples');
}
