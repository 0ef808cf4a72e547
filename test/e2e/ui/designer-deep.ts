// Issue 21.4: a 2,004-layer model stays usable. Three stages of 95 residual blocks, written as .cnn.json in the
// scenario's folder, open collapsed (one node per stage); the open-to-drawn time, frame times while panning
// and zooming, collapsed and with the 658 layers of stage 2 expanded, the time a node click takes to select
// its row in the windowed table, and fit to view are measured and printed.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepResnet } from '../../unit/webview/designer/deepResnet';
import { fitsInPane, openAndTime, panFrameTimes, stats } from './_designerTiming';
import { eventually, layerRow, type ScenarioContext } from './helpers';

export const workspaceSettings = { 'workbench.colorTheme': 'Default Dark Modern' };
export const timeoutMs = 90_000;

export default async function designerDeep({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const model = deepResnet();
  writeFileSync(join(workspace, 'deep2000.cnn.json'), JSON.stringify(model, null, 2));
  const timings: string[] = [];

  // Collapsed: the stem, three stage nodes, the head: 27 nodes.
  const open = await openAndTime(page, 'deep2000.cnn.json', 27);
  timings.push(`${model.layers.length}-layer model open-to-drawn ${open.ms} ms (${open.inWebview})`);
  const frame = open.frame;
  assert.deepEqual(await frame.locator('#diagram g.node.block text.type').allTextContents(), [
    'stage1: 95 × residual block',
    'stage2: 94 × residual block',
    'stage3: 94 × residual block',
  ]);
  // 27 nodes drawn: no minimap (it shows past 100 nodes drawn, not layers).
  assert.equal(await frame.locator('#diagram svg.minimap').isVisible(), false, 'no minimap for 27 nodes');
  await screenshot('dark-deep2000');
  timings.push(`idle frames (baseline): ${stats(await panFrameTimes(frame, 60, 'idle'))}`);
  timings.push(`pan (collapsed): ${stats(await panFrameTimes(frame, 120))}`);
  timings.push(`zoom (collapsed): ${stats(await panFrameTimes(frame, 120, 'zoom'))}`);

  // Stage 2 expanded: 658 more nodes.
  let started = Date.now();
  await frame.locator('#diagram g.node.block[data-first="677"]').dispatchEvent('click');
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 27 - 1 + 658), 20_000, 20);
  const d = frame.locator('#diagram');
  await frame.locator('#diagram svg.minimap').waitFor({ state: 'visible' });
  timings.push(`stage 2 expanded in ${Date.now() - started} ms (layout ${await d.getAttribute('data-layout-ms')} ms, render ${await d.getAttribute('data-render-ms')} ms)`);
  timings.push(`pan (stage 2 expanded): ${stats(await panFrameTimes(frame, 120))}`);
  timings.push(`zoom (stage 2 expanded): ${stats(await panFrameTimes(frame, 120, 'zoom'))}`);

  // A node deep inside: its row in the windowed table follows, and the text of its name is right.
  started = Date.now();
  await frame.locator('#diagram g.node[data-row="1000"]').dispatchEvent('click');
  const row = layerRow(frame, 1000).and(frame.locator('.selected'));
  await row.waitFor();
  timings.push(`node 1000 clicked → its table row selected in ${Date.now() - started} ms`);
  // In sight: inside the table's box and the window (the page may hold more than the window shows).
  await eventually(async () => {
    const box = await row.evaluate(`((tr) => { const r = tr.getBoundingClientRect(); const b = tr.closest('.table-region').getBoundingClientRect(); return r.top >= b.top && r.bottom <= Math.min(b.bottom, innerHeight) + 0.5; })(document.querySelector('tr.layer-row[data-layer-index="1000"]'))`);
    assert.equal(box, true, 'row 1000 is in sight');
  });
  assert.match(await row.innerText(), new RegExp(String((model.layers[1000] as { type: string }).type)));
  assert.ok((await frame.locator('table#layers tr.layer-row').count()) < 90, 'the table is windowed');
  await frame.locator('#diagram g.node.selected[data-row="1000"]').waitFor({ state: 'attached' });
  await screenshot('dark-deep2000-stage2-expanded');

  await frame.locator('#zoom-fit').click();
  await eventually(async () => assert.ok(await fitsInPane(frame), 'the whole 2,004-layer graph fits the pane'));
  await screenshot('dark-deep2000-fit');
  for (const t of timings) log(t);
}
