// A graph model in the training view (issue 11): examples/resnet20.cnn.json trains one short epoch from the
// designer's Train button; the view lists its 72 layers in file order with the inputs a merge reads, opens the
// first four, draws a closed layer's maps when opened ("Open all" or a click on its node in the designer's graph
// of the layers above the list), shows the stem's 16 kernels and a 10×10 confusion matrix.
import * as assert from 'node:assert/strict';
import { eventually, openFileInDesigner, trainingFrame, type ScenarioContext } from './helpers';

/** Written before the workbench opens (see test/e2e/run.ts). */
export const workspaceSettings = { 'cnnStudio.training.epochs': 1, 'cnnStudio.training.limit': 128 };

export const timeoutMs = 180_000;

export default async function trainingGraph({ page, screenshot, log }: ScenarioContext): Promise<void> {
  const designer = await openFileInDesigner(page, 'resnet20.cnn.json');
  await designer.locator('#train').click();
  const frame = await trainingFrame(page);
  await frame.locator('#phase', { hasText: 'Completed' }).waitFor({ timeout: 120_000 });
  await frame.locator('.feature-maps canvas.map').first().waitFor({ timeout: 15_000 });

  const sections = frame.locator('.feature-maps .layer-maps');
  assert.equal(await sections.count(), 72, 'one section per ResNet-20 layer');
  const names = await sections.evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
  assert.deepEqual([names[0], names[3], names[8], names[71]], ['stem_conv', 'stage1_block1_conv1', 'stage1_block1_add', 'predictions']);
  assert.equal(await frame.locator('.feature-maps .layer-maps[open]').count(), 4, 'a deep model starts with its first four layers open');
  const add = frame.locator('.layer-maps[data-layer="stage1_block1_add"]');
  assert.equal((await add.locator('.inputs').innerText()).trim(), '← stage1_block1_bn2, stem_relu');
  // Above the list, the designer's graph of the layers: the three stages' residual blocks collapsed; a click on
  // the pooling node (a closed layer) opens its maps.
  assert.deepEqual(await frame.locator('#diagram g.node.block text.type').allTextContents(), ['stage1: 3 × residual block', 'stage2: 2 × residual block', 'stage3: 2 × residual block']);
  await frame.locator('#diagram').scrollIntoViewIfNeeded();
  await screenshot('resnet20-layers-graph');
  const pool = frame.locator('.layer-maps[data-layer-index="70"]');
  assert.equal(await pool.getAttribute('open'), null);
  await frame.locator('#diagram g.node[data-row="70"]').dispatchEvent('click');
  await pool.locator('canvas.map').first().waitFor();
  await frame.locator('#diagram g.node.selected[data-row="70"]').waitFor({ state: 'attached' });
  log('the graph above the maps: a click on node 70 opened avg_pool\'s maps');
  // Closed: nothing drawn yet.
  const last = frame.locator('.layer-maps[data-layer="stage3_block3_out"] canvas.map');
  assert.equal(await last.count(), 0);
  // Every weight layer's kernels, the stem's first, under the file's names.
  const kernels = frame.locator('.layer-kernels');
  assert.equal(await kernels.locator('canvas.kernel-grid').getAttribute('data-param'), 'stem_conv.kernel');
  assert.match(await kernels.locator('.kernel-body').innerText(), /stem_conv\.kernel · 3×3×1×16/);
  assert.equal(await kernels.locator('select option').count(), 22, '21 convolutions (19 and 2 projections) and the dense layer');
  assert.equal(await frame.locator('table.confusion td.cell').count(), 100);
  await screenshot('resnet20-trained');

  await frame.locator('#maps-open-all').click();
  await eventually(async () => {
    const open = await frame.locator('.feature-maps .layer-maps[open]').count();
    if (open !== 72) throw new Error(`${open} of 72 layers open`);
  });
  // 7×7×64: all 64 channels drawn once opened.
  assert.equal(await last.count(), 64);
  log(`layers: ${names.length}, the add reads ${await add.locator('.inputs').innerText()}`);
  await add.scrollIntoViewIfNeeded();
  await screenshot('resnet20-all-open');
}
