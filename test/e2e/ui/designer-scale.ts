// Issue 21: the designer at any scale. LeNet-5, ResNet-20 and torchvision's DenseNet-121 (exported to ONNX
// with /usr/bin/python3 and imported with `cnn import` here, in the scenario's folder; without PyTorch the
// same structure, generated, stands in) open as a top-to-bottom graph; the open-to-drawn time of each is
// printed. ResNet-20's residual blocks are collapsed (a model past 40 layers): one is expanded and collapsed
// again; a click in the text selects the layer under it in the designer; fit puts the whole graph in the pane;
// the table ends in the window and long input names stay in their column. LeNet-5 in Volumes, exported as SVG
// and PNG. DenseNet-121 (27 nodes drawn) gets a minimap once a block is expanded; its pan frame times are
// measured (wheel events, one per animation frame); with a text editor beside, an edit of conv0's filters in the
// text is timed to the designer repainted (no layout computed). LeNet-5, ResNet-20, DenseNet-121 and ResNet-50:
// a node click selects the table row and the layer's exact text range in the text editor beside. Screenshots in
// light, dark and high contrast.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { densenet121 } from '../../unit/webview/designer/densenet121';
import { editToRepaint, textEditorBeside, textFollows } from './_designerText';
import { fitsInPane, openAndTime, panFrameTimes, stats } from './_designerTiming';
import { eventually, focusWorkbench, layerRow, openFileInDesigner, runCommand, setColorTheme, type ScenarioContext } from './helpers';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';

export const workspaceSettings = { 'workbench.colorTheme': 'Default Light Modern' };
export const timeoutMs = 240_000;

const ROOT = join(__dirname, '../../..');

/**
 * torchvision's `name` (random weights: nothing downloaded) exported to ONNX with /usr/bin/python3 and
 * imported with `cnn import` into the workspace; the .cnn.json's name, or the reason when PyTorch is missing.
 */
function importTorchvision(workspace: string, name: string): { file: string } | { problem: string } {
  const onnx = join(workspace, `${name}.onnx`);
  const torch = spawnSync(
    '/usr/bin/python3',
    ['-c', `import torch, torchvision\nm = torchvision.models.${name}(weights=None).eval()\ntorch.onnx.export(m, torch.zeros(1, 3, 224, 224), ${JSON.stringify(onnx)}, opset_version=13)`],
    { encoding: 'utf8', timeout: 90_000 },
  );
  if (torch.status !== 0 || !existsSync(onnx)) return { problem: (torch.stderr || torch.error?.message || '').split('\n').filter(Boolean).pop() ?? 'python3 failed' };
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'import', onnx], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  assert.equal(cli.status, 0, cli.stderr);
  return { file: `${name}.cnn.json` };
}

/** DenseNet-121 in the workspace: imported from a real torchvision export when PyTorch is there. */
function makeDensenet(workspace: string, log: (m: string) => void): string {
  const imported = importTorchvision(workspace, 'densenet121');
  if ('file' in imported) {
    log(`DenseNet-121 imported from torchvision's ONNX export`);
    return imported.file;
  }
  writeFileSync(join(workspace, 'densenet121.cnn.json'), JSON.stringify(densenet121(), null, 2));
  log(`no PyTorch (${imported.problem}): DenseNet-121's structure generated instead`);
  return 'densenet121.cnn.json';
}

/** Switches the diagram to Volumes and waits for LeNet-5's nine tensors and four windows. */
async function showVolumes(frame: FrameLocator): Promise<void> {
  await frame.locator('#diagram-mode').click();
  await eventually(async () => assert.equal(await frame.locator('#diagram g.volume').count(), 9));
  assert.equal(await frame.locator('#diagram g.volume-window').count(), 4);
  await eventually(async () => assert.ok(await fitsInPane(frame), 'the volumes fit the pane'));
}

/** Centre of a node in the pane, from its transform and the viewport's. */
async function nodeY(frame: FrameLocator, row: number): Promise<number> {
  const t = await frame.locator(`#diagram g.node[data-row="${row}"]`).getAttribute('transform');
  return Number(/translate\([^,]+,([^)]+)\)/.exec(t ?? '')?.[1]);
}

/**
 * The layer table (the totals under it) ends inside the window: a wheel over it scrolls the table to its end,
 * never the page past it.
 */
async function tableInWindow(page: Page, frame: FrameLocator): Promise<string> {
  const region = frame.locator('.table-region');
  const measure = async (): Promise<{ mainBottom: number; inner: number; scrollY: number; top: number; max: number; room: string; pane: string; maxHeight: string }> =>
    (await region.evaluate(
      `((el) => ({ mainBottom: el.parentElement.getBoundingClientRect().bottom, inner: innerHeight, scrollY: scrollY, top: el.scrollTop, max: el.scrollHeight - el.clientHeight, room: el.dataset.room, pane: document.getElementById('diagram').style.height, maxHeight: el.style.maxHeight }))(document.querySelector('.table-region'))`,
    )) as { mainBottom: number; inner: number; scrollY: number; top: number; max: number; room: string; pane: string; maxHeight: string };
  const before = await measure();
  assert.ok(before.mainBottom <= before.inner, `the table ends at ${before.mainBottom} px, inside the window's ${before.inner} px (room ${before.room}, diagram ${before.pane}, table at most ${before.maxHeight})`);
  assert.ok(before.max > 0, 'the table scrolls in its own box');
  const box = (await region.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < Math.ceil(before.max / 300) + 4; i++) await page.mouse.wheel(0, 300);
  await eventually(async () => {
    const m = await measure();
    assert.ok(m.top >= m.max - 1, `the table scrolled to its end (${m.top} of ${m.max})`);
    assert.equal(m.scrollY, 0, 'the page stays');
  });
  await region.evaluate(`document.querySelector('.table-region').scrollTop = 0`);
  return `table in the window (its column ends at ${before.mainBottom} of ${before.inner} px); a wheel over it scrolled it to its end (${before.max} px), the page stayed`;
}

/** No input name runs over the Settings column: a long one ends in an ellipsis, every name in the tooltip. */
async function inputsInColumn(frame: FrameLocator): Promise<string> {
  const found = (await frame.locator('table#layers').evaluate(`((t) => {
    const over = [];
    let cut = 0;
    for (const tr of t.querySelectorAll('tr.layer-row')) {
      const refs = tr.querySelector('td.inputs .input-refs');
      const settings = tr.querySelector('td.settings');
      if (!refs || !settings) continue;
      if (refs.getBoundingClientRect().right > settings.getBoundingClientRect().left + 0.5) over.push(tr.dataset.layerIndex);
      if (refs.scrollWidth > refs.clientWidth + 1) {
        cut++;
        const names = [...refs.querySelectorAll('.input-ref:not(.more)')].map((r) => (r.title || '').split(' ')[0]);
        if (!names.every((n) => refs.title.includes(n))) over.push(tr.dataset.layerIndex + ' (tooltip)');
      }
    }
    return { over, cut };
  })(document.querySelector('table#layers'))`)) as { over: string[]; cut: number };
  assert.deepEqual(found.over, [], 'inputs that run over the settings, or whose tooltip lacks a name');
  assert.ok(found.cut > 0, 'some inputs are long enough to be cut');
  return `inputs: ${found.cut} rows cut with an ellipsis inside their column, the full names in the tooltip`;
}

/**
 * A big model's table is windowed: a few dozen rows in the document. A click on the last node brings its row
 * into sight, selected; Home, ↓ and End move the selection through rows not drawn before.
 */
async function windowedTable(frame: FrameLocator, log: (m: string) => void): Promise<void> {
  const rows = frame.locator('table#layers tr.layer-row');
  const drawn = await rows.count();
  const last = Number(await frame.locator('#diagram g.node').last().getAttribute('data-row'));
  assert.ok(drawn > 10 && drawn < 90 && last > 300, `${drawn} of ${last + 1} rows drawn`);
  // Below the pane (the pane shows the top at life size): a click event, as the pointer would send.
  await frame.locator(`#diagram g.node[data-row="${last}"]`).dispatchEvent('click');
  const lastRow = layerRow(frame, last).and(frame.locator('.selected'));
  await lastRow.waitFor();
  assert.ok(await lastRow.isVisible(), 'the last row is in sight');
  await lastRow.click();
  await lastRow.press('Home');
  await layerRow(frame, 0).and(frame.locator('.selected:focus')).waitFor();
  await layerRow(frame, 0).press('ArrowDown');
  await layerRow(frame, 1).and(frame.locator('.selected:focus')).waitFor();
  await frame.locator('#diagram g.node.selected[data-row="1"]').waitFor({ state: 'attached' });
  await layerRow(frame, 1).press('End');
  await lastRow.and(frame.locator(':focus')).waitFor();
  assert.equal(await frame.locator('table#layers tr.layer-row').count() < 90, true, 'still windowed');
  // Playwright scrolled the page to reach the rows (the totals lie below the table): back to the top for the shots.
  await frame.locator('body').evaluate('window.scrollTo(0, 0)');
  log(`table windowed: ${drawn} of ${last + 1} rows drawn; node ${last} clicked, then Home, ↓, End from the keyboard: the selection followed`);
}

export default async function designerScale({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const dense = makeDensenet(workspace, log);
  const timings: string[] = [];

  // LeNet-5: nine nodes, top to bottom, nothing collapsed.
  const lenet = await openAndTime(page, 'lenet5.cnn.json', 9);
  timings.push(`LeNet-5 open-to-drawn ${lenet.ms} ms (${lenet.inWebview})`);
  let frame = lenet.frame;
  assert.ok((await nodeY(frame, 7)) > (await nodeY(frame, 0)) && (await nodeY(frame, 0)) > (await nodeY(frame, -1)), 'top to bottom');
  assert.equal(await frame.locator('#diagram g.node.block').count(), 0);
  await frame.locator('#zoom-fit').click();
  await eventually(async () => assert.ok(await fitsInPane(frame), 'LeNet-5 fits the pane'));
  await screenshot('light-lenet5');

  // Volumes: LeNet-5 as tensors, its four windows on the volumes they slide over; a box selects its layer.
  await showVolumes(frame);
  await frame.locator('#diagram g.volume[data-row="2"]').click();
  await layerRow(frame, 2).and(frame.locator('.selected')).waitFor();
  await screenshot('light-lenet5-volumes');
  // Exported beside the model through the save dialog (code-server's: a path in the quick input; Enter saves).
  for (const format of ['svg', 'png'] as const) {
    await frame.locator(`#export-${format}`).click();
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const file = join(workspace, `lenet5.diagram.${format}`);
    await eventually(async () => assert.ok(existsSync(file) && statSync(file).size > 1000, `${file} written`), 15_000);
  }
  const svg = readFileSync(join(workspace, 'lenet5.diagram.svg'), 'utf8');
  assert.match(svg, /^<\?xml[^]*<svg[^]*>10×10×16</);
  assert.doesNotMatch(svg, /var\(--vscode/, 'theme colours are written in');
  assert.deepEqual([...readFileSync(join(workspace, 'lenet5.diagram.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  // Back to the graph, a text editor beside: a node click selects the layer's text.
  await frame.locator('#diagram-mode').click();
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 9));
  frame = await textEditorBeside(page);
  log(`LeNet-5: ${await textFollows(page, frame, workspace, 'lenet5.cnn.json', 5)}`);
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');
  log(`exported lenet5.diagram.svg (${svg.length} bytes) and lenet5.diagram.png (${statSync(join(workspace, 'lenet5.diagram.png')).size} bytes)`);

  // ResNet-20: its three stages' repeated residual blocks collapsed, with a text editor of it beside.
  const resnet = await openAndTime(page, 'resnet20.cnn.json', 27);
  timings.push(`ResNet-20 open-to-drawn ${resnet.ms} ms (${resnet.inWebview})`);
  frame = resnet.frame;
  const blocks = frame.locator('#diagram g.node.block');
  assert.deepEqual(await blocks.locator('text.type').allTextContents(), ['stage1: 3 × residual block', 'stage2: 2 × residual block', 'stage3: 2 × residual block']);
  await screenshot('light-resnet20');
  log(`ResNet-20: ${await tableInWindow(page, frame)}`);
  log(`ResNet-20: ${await inputsInColumn(frame)}`);
  // A text editor of the same file beside it: the split's second designer reopened as text.
  frame = await textEditorBeside(page);

  // Expand stage 1 by a click, collapse it again by its frame.
  await frame.locator('#diagram g.node.block[data-first="3"]').dispatchEvent('click');
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 27 - 1 + 21));
  await frame.locator('#diagram g.block-frame').waitFor({ state: 'attached' });
  assert.equal(await frame.locator('#diagram path.edge.skip').count() >= 3, true, 'the three shortcuts of stage 1 are drawn');
  await layerRow(frame, 3).and(frame.locator('.selected')).waitFor();
  await screenshot('light-resnet20-stage1-expanded');
  await frame.locator('#diagram g.block-frame text.frame-label').dispatchEvent('click');
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 27));
  await setColorTheme(page, workspace, 'Default Dark Modern');
  await screenshot('dark-resnet20');

  // Fit to view.
  await frame.locator('#zoom-in').click();
  await frame.locator('#zoom-in').click();
  await eventually(async () => assert.equal(await fitsInPane(frame), false));
  await frame.locator('#zoom-fit').click();
  await eventually(async () => assert.ok(await fitsInPane(frame)));
  // A click on a node selects its table row, and the text editor beside reveals the layer.
  log(`ResNet-20: ${await textFollows(page, frame, workspace, 'resnet20.cnn.json', 47)}`);
  // And back: a click in the text on another layer selects it in the table and the diagram.
  await page.locator('.editor-group-container').nth(1).locator('.view-line', { hasText: '"stage3_block1_bn1"' }).click();
  await layerRow(frame, 48).and(frame.locator('.selected')).waitFor();
  await frame.locator('#diagram g.node.selected[data-row="48"]').waitFor({ state: 'attached' });
  log('a click on stage3_block1_bn1 in the text editor selected row 48 and its node');
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');

  // DenseNet-121: four dense blocks collapsed, a minimap; pan frame times.
  const dn = await openAndTime(page, dense, 27);
  timings.push(`DenseNet-121 open-to-drawn ${dn.ms} ms (${dn.inWebview})`);
  frame = dn.frame;
  assert.deepEqual(await frame.locator('#diagram g.node.block text.type').allTextContents(), [
    'denseblock1: 6 × dense layer',
    'denseblock2: 12 × dense layer',
    'denseblock3: 24 × dense layer',
    'denseblock4: 16 × dense layer',
  ]);
  // 27 nodes drawn: no minimap (it shows past 100 nodes drawn, not layers); denseblock3 expanded has one.
  assert.equal(await frame.locator('#diagram svg.minimap').isVisible(), false, 'no minimap for 27 nodes');
  await screenshot('dark-densenet121');
  timings.push(`DenseNet-121 idle frames (baseline): ${stats(await panFrameTimes(frame, 60, 'idle'))}`);
  timings.push(`DenseNet-121 pan (collapsed): ${stats(await panFrameTimes(frame, 120))}`);
  timings.push(`DenseNet-121 zoom (collapsed): ${stats(await panFrameTimes(frame, 120, 'zoom'))}`);
  await windowedTable(frame, log);
  // denseblock3 expanded: 144 more layers, their 300 concatenation inputs.
  await frame.locator('#diagram g.node.block[data-first="121"]').dispatchEvent('click');
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 27 - 1 + 144), 15_000);
  await frame.locator('#diagram svg.minimap').waitFor({ state: 'visible' });
  timings.push(`DenseNet-121 denseblock3 expanded: layout ${await frame.locator('#diagram').getAttribute('data-layout-ms')} ms, render ${await frame.locator('#diagram').getAttribute('data-render-ms')} ms`);
  await setColorTheme(page, workspace, 'Default High Contrast');
  await screenshot('hc-densenet121-denseblock3');
  timings.push(`DenseNet-121 pan (denseblock3 expanded): ${stats(await panFrameTimes(frame, 120))}`);
  timings.push(`DenseNet-121 zoom (denseblock3 expanded): ${stats(await panFrameTimes(frame, 120, 'zoom'))}`);
  await frame.locator('#zoom-fit').click();
  await eventually(async () => assert.ok(await fitsInPane(frame)));
  // Collapsed again; a text editor beside: an edit of conv0's filters in the text, timed to the designer
  // repainted; a node click selects the layer's text.
  await frame.locator('#diagram g.block-frame[data-collapse] text.frame-label').dispatchEvent('click');
  await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 27));
  frame = await textEditorBeside(page);
  const edits = await editToRepaint(page, frame, workspace, dense, 0, 'filters', 8);
  timings.push(`DenseNet-121 text edit of conv0's filters to the designer repainted: ${edits.ms.join(', ')} ms (median ${[...edits.ms].sort((a, b) => a - b)[edits.ms.length >> 1]} ms)`);
  for (const d of edits.detail) log(`DenseNet-121 edit ${d}`);
  log(`DenseNet-121: ${await textFollows(page, frame, workspace, dense, 267)}`);
  await focusWorkbench(page);
  await runCommand(page, 'View: Close All Editors');
  frame = await openFileInDesigner(page, 'lenet5.cnn.json');
  await showVolumes(frame);
  await screenshot('hc-lenet5-volumes');
  await setColorTheme(page, workspace, 'Default Dark Modern');
  await screenshot('dark-lenet5-volumes');

  // ResNet-50 from torchvision (121 layers once its batch norms are folded): four stages of bottlenecks
  // collapsed, in dark, high contrast and light; a click on a node selects its row; a stage expanded; fit.
  const resnet50 = importTorchvision(workspace, 'resnet50');
  if ('problem' in resnet50) log(`no PyTorch (${resnet50.problem}): ResNet-50 left out`);
  else {
    await focusWorkbench(page);
    await runCommand(page, 'View: Close All Editors');
    const r50 = await openAndTime(page, resnet50.file, 42);
    timings.push(`ResNet-50 open-to-drawn ${r50.ms} ms (${r50.inWebview})`);
    frame = r50.frame;
    assert.deepEqual(await frame.locator('#diagram g.node.block text.type').allTextContents(), [
      'layer1: 2 × bottleneck',
      'layer2: 3 × bottleneck',
      'layer3: 5 × bottleneck',
      'layer4: 2 × bottleneck',
    ]);
    await frame.locator('#diagram g.node[data-row="3"]').click();
    await layerRow(frame, 3).and(frame.locator('.selected')).waitFor();
    await screenshot('dark-resnet50');
    await setColorTheme(page, workspace, 'Default High Contrast');
    await screenshot('hc-resnet50');
    await setColorTheme(page, workspace, 'Default Light Modern');
    await frame.locator('#diagram g.node.block[data-first="62"]').dispatchEvent('click');
    await eventually(async () => assert.equal(await frame.locator('#diagram g.node').count(), 42 - 1 + 35));
    await layerRow(frame, 62).and(frame.locator('.selected')).waitFor();
    await screenshot('light-resnet50-layer3-expanded');
    await frame.locator('#zoom-fit').click();
    await eventually(async () => assert.ok(await fitsInPane(frame)));
    await screenshot('light-resnet50-fit');
    frame = await textEditorBeside(page);
    log(`ResNet-50: ${await textFollows(page, frame, workspace, resnet50.file, 3)}`);
  }
  for (const t of timings) log(t);
}
