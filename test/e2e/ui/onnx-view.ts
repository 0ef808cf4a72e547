// Issue 18 in VS Code: the read-only .onnx view shows any model, as Netron does. torchvision's resnet18 exported by
// PyTorch (made here with /usr/bin/python3, else a hand-built graph stands in): every node in the file's order with
// shapes and parameters (checked against what the onnx package reads), grouped by module; the SELU nodes CNN Studio
// does not convert drawn, marked and explained; "Convert to .cnn.json" disabled saying why — and enabled on the plain
// resnet18 exactly when the importer converts it. A truncated and a garbage file: one line each. A 10,000-node file
// opens in seconds (only the rows in sight are drawn) and the keyboard reaches its last node.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { inspectOnnx } from '../../../src/interop/onnx/inspect';
import { encodeModel, floatTensor, intAttr, valueInfo, type onnx } from '../../../src/interop/onnx/proto';
import { ROOT } from '../lib/codeServer';
import { eventually, onnxViewFrame, openFile, type ScenarioContext } from './helpers';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';

export const timeoutMs = 240_000;

/** What the onnx package reads in a file PyTorch made (_resnet18_onnx.py). */
interface FileFacts {
  readonly ops: string[];
  readonly names: string[];
  readonly params: number;
}

export default async function onnxView({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  const folder = join(workspace, 'onnx');
  mkdirSync(folder);
  const torch = spawnSync('/usr/bin/python3', [join(ROOT, 'test/e2e/ui/_resnet18_onnx.py'), folder], { encoding: 'utf8', timeout: 120_000 });
  if (torch.status === 0) {
    await resnet18(page, folder, screenshot, log);
  } else {
    log(`no PyTorch export (${(torch.stderr || torch.error?.message || '').trim().split('\n').pop() ?? ''}): a hand-built graph stands in for resnet18`);
    await handBuilt(page, folder, screenshot);
  }
  await hostile(page, folder, screenshot);
  await tenThousandNodes(page, folder, screenshot, log);
}

async function resnet18(page: ScenarioContext['page'], folder: string, screenshot: ScenarioContext['screenshot'], log: ScenarioContext['log']): Promise<void> {
  const selu = JSON.parse(readFileSync(join(folder, 'resnet18-selu.json'), 'utf8')) as FileFacts;
  await openFile(page, 'onnx/resnet18-selu.onnx');
  const view = await onnxViewFrame(page);
  // PyTorch's 16 Identity nodes of shared biases come first, folded under one header: unfold them.
  const constants = view.locator('tr.group-header[data-label="constants"]');
  assert.match(await constants.innerText(), /constants\s+16 nodes/);
  assert.equal(await view.locator('#node-0').count(), 0);
  await constants.click();
  await eventually(async () => assert.equal(await view.locator('#node-0').count(), 1));
  // The whole graph, in the file's order: every operator and name as the onnx package reads them.
  assert.deepEqual(await view.locator('#nodes tr.node td.op').allInnerTexts(), selu.ops);
  assert.deepEqual(await view.locator('#nodes tr.node td.name').allInnerTexts(), selu.names);
  assert.equal(selu.params, 11_680_872, 'resnet18 with batch norm folded into the convolutions');
  assert.equal((await view.locator('#totals td.num').innerText()).trim(), '11,680,872');
  // The three SELU nodes are marked, with the importer's reason; whatever else the importer refuses is marked too.
  const seluNames = selu.names.filter((_, i) => selu.ops[i] === 'Selu');
  assert.deepEqual(seluNames, ['/relu/Selu', '/layer4/layer4.1/relu/Selu', '/layer4/layer4.1/relu_1/Selu']);
  for (const name of seluNames) {
    const row = view.locator('#nodes tr.node', { has: view.locator('td.name', { hasText: new RegExp(`^${name}$`) }) });
    assert.equal(await row.getAttribute('data-status'), 'unsupported', name);
    assert.equal((await row.locator('td.verdict-cell').innerText()).trim(), '⚠ unsupported: operator Selu is not supported');
  }
  const expected = inspectOnnx(readFileSync(join(folder, 'resnet18-selu.onnx')), { name: 'resnet18-selu' });
  assert.ok(expected.ok);
  const unsupported = expected.inspection.nodes.filter((n) => n.status === 'unsupported').map((n) => n.name);
  assert.ok(seluNames.every((n) => unsupported.includes(n)));
  assert.deepEqual(await view.locator('#nodes tr.node[data-status="unsupported"] td.name').allInnerTexts(), unsupported);
  const summary = (await view.locator('#summary-line').innerText()).trim();
  log(summary);
  assert.match(summary, new RegExp(`^65 nodes, 11\\.7M parameters, ${unsupported.length} unsupported: (.+, )?Selu ×3(, .+)?$`));
  // Shapes as ONNX has them: the stem's conv and the SELU after it (which keeps its input's shape).
  const stem = view.locator('#nodes tr.node', { has: view.locator('td.name', { hasText: /^\/conv1\/Conv$/ }) });
  assert.equal((await stem.locator('.out-shape').innerText()).trim(), '[batch, 64, 112, 112]');
  assert.equal((await stem.locator('.in-shape').innerText()).trim(), '[batch, 3, 224, 224]');
  assert.equal((await stem.locator('td.params').innerText()).trim(), '9,472');
  assert.equal((await view.locator('#node-17 .out-shape').innerText()).trim(), '[batch, 64, 112, 112]');
  // The graph writes them as the designer does, H×W×C: the input and the stem's conv.
  assert.equal(await view.locator('#diagram g.node[data-row="-1"] text.shape').textContent(), '224×224×3');
  assert.equal(await view.locator('#diagram g.node[data-type="Conv"] text.shape').first().textContent(), '112×112×64');
  // Grouped by module, each group with its parameters; layer4 holds two of the SELUs.
  for (const [group, params] of [['layer1', '147,712'], ['layer2', '524,928'], ['layer3', '2,098,432'], ['layer4', '8,391,168']] as const) {
    const header = view.locator(`tr.group-header[data-label="${group}"]`);
    assert.equal((await header.locator('td.params').innerText()).trim(), params, group);
  }
  assert.match((await view.locator('tr.group-header[data-label="layer4"]').getAttribute('class')) ?? '', /has-unsupported/);
  // Convert: disabled, saying why.
  assert.notEqual(await view.locator('#convert').getAttribute('disabled'), null);
  assert.match((await view.locator('#blocked-reason').innerText()).trim(), new RegExp(`^Cannot convert: ${unsupported.length} nodes are not supported \\(.*Selu ×3.*\\)\\.$`));
  await screenshot('resnet18-selu');
  // The designer's graph view above the table: the unsupported nodes red, their reason in the tooltip; a click on
  // one selects it in the table and opens its details.
  await graphMarksUnsupported(view, 'Selu');

  // "Show the first": the first unsupported node selected, its details open.
  await view.locator('#first-unsupported').click();
  await eventually(async () => assert.match(await view.locator('#details h2').innerText(), new RegExp(`^#\\d+ ${unsupported[0]!.includes('Selu') ? 'Selu' : '\\w+'} \\(node "${escape(unsupported[0]!)}"\\)$`)));
  assert.match(await view.locator('#details-verdict').innerText(), /^unsupported: /);
  // Folding a module hides its rows and keeps its header.
  const layer1 = view.locator('tr.group-header[data-label="layer1"]');
  await layer1.click();
  await eventually(async () => assert.equal(await view.locator('#node-19').count(), 0));
  assert.equal(await layer1.getAttribute('aria-expanded'), 'false');
  assert.equal(await view.locator('#node-29').count(), 1);
  await view.locator('#filter').click();
  await eventually(async () => assert.deepEqual(await view.locator('#nodes tr.node td.name').allInnerTexts(), unsupported));
  await screenshot('resnet18-selu-unsupported-only');

  // The plain resnet18: Convert is offered exactly when the importer converts every node.
  const plain = JSON.parse(readFileSync(join(folder, 'resnet18.json'), 'utf8')) as FileFacts;
  await openFile(page, 'onnx/resnet18.onnx');
  const plainView = await onnxViewFrame(page);
  await plainView.locator('tr.group-header[data-label="constants"]').click();
  await eventually(async () => assert.equal(await plainView.locator('#nodes tr.node').count(), plain.ops.length));
  assert.deepEqual(await plainView.locator('#nodes tr.node td.op').allInnerTexts(), plain.ops);
  const converts = inspectOnnx(readFileSync(join(folder, 'resnet18.onnx')), { name: 'resnet18' });
  assert.ok(converts.ok);
  const disabled = await plainView.locator('#convert').getAttribute('disabled');
  log(`resnet18: ${(await plainView.locator('#summary-line').innerText()).trim()}; Convert ${disabled === null ? 'enabled' : 'disabled'}`);
  assert.equal(disabled === null, converts.imported !== undefined);
  assert.equal(await plainView.locator('#nodes tr.node[data-status="unsupported"]').count(), converts.inspection.unsupported);
  await screenshot('resnet18');
}

/** Without PyTorch: a conv, an unsupported Einsum between two ReLUs, the Convert button disabled. */
async function handBuilt(page: ScenarioContext['page'], folder: string, screenshot: ScenarioContext['screenshot']): Promise<void> {
  const node = (opType: string, name: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, name, input, output, attribute });
  writeFileSync(join(folder, 'small.onnx'), encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'e2e',
    graph: {
      name: 'small',
      node: [node('Conv', '/conv1/Conv', ['x', 'w'], ['c'], [intAttr('pads', [1, 1, 1, 1])]), node('Relu', '/relu/Relu', ['c'], ['r']), node('Einsum', '/mix/Einsum', ['r'], ['e']), node('Relu', '/out/Relu', ['e'], ['y'])],
      initializer: [floatTensor('w', [4, 3, 3, 3], new Float32Array(108))],
      input: [valueInfo('x', ['N', 3, 8, 8])],
      output: [valueInfo('y', ['N', 4, 8, 8])],
    },
  }));
  await openFile(page, 'onnx/small.onnx');
  const view = await onnxViewFrame(page);
  assert.deepEqual(await view.locator('#nodes tr.node td.op').allInnerTexts(), ['Conv', 'Relu', 'Einsum', 'Relu']);
  assert.equal((await view.locator('#summary-line').innerText()).trim(), '4 nodes, 108 parameters, 1 unsupported: Einsum');
  assert.equal((await view.locator('#node-2 td.verdict-cell').innerText()).trim(), '⚠ unsupported: operator Einsum is not supported');
  assert.equal((await view.locator('#node-0 .out-shape').innerText()).trim(), '[N, 4, 8, 8]');
  assert.notEqual(await view.locator('#convert').getAttribute('disabled'), null);
  assert.equal((await view.locator('#blocked-reason').innerText()).trim(), 'Cannot convert: 1 node is not supported (Einsum).');
  assert.equal(await view.locator('#diagram g.node').count(), 5, 'the input and four nodes');
  assert.equal(await view.locator('#diagram g.node[data-row="0"] text.shape').textContent(), '8×8×4', 'H×W×C, as the designer writes shapes');
  await graphMarksUnsupported(view, 'Einsum');
  await screenshot('hand-built');
}

/** Files that are not ONNX models: one line in the view, never an error page. */
async function hostile(page: ScenarioContext['page'], folder: string, screenshot: ScenarioContext['screenshot']): Promise<void> {
  const lenet = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'export', join(folder, '..', 'lenet5.cnn.json'), '--format', 'onnx', '-o', join(folder, 'lenet5.onnx')], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  assert.equal(lenet.status, 0, lenet.stderr);
  writeFileSync(join(folder, 'truncated.onnx'), readFileSync(join(folder, 'lenet5.onnx')).subarray(0, 5000));
  writeFileSync(join(folder, 'garbage.onnx'), 'this is not a model\n');
  for (const file of ['truncated.onnx', 'garbage.onnx']) {
    await openFile(page, `onnx/${file}`);
    const view = await onnxViewFrame(page);
    assert.equal((await view.locator('#unreadable h1').innerText()).trim(), `${file} cannot be read`);
    assert.match((await view.locator('#unreadable .problem').innerText()).trim(), /^not an ONNX model: [^\n]+$/);
    assert.equal(await view.locator('#nodes').count(), 0);
  }
  await screenshot('unreadable');
}

/** A chain of 10,000 nodes behind an operator CNN Studio does not convert: every row in, quickly. */
async function tenThousandNodes(page: ScenarioContext['page'], folder: string, screenshot: ScenarioContext['screenshot'], log: ScenarioContext['log']): Promise<void> {
  const n = 10_000;
  const nodes = Array.from({ length: n }, (_, i) => ({
    opType: i === 0 ? 'Einsum' : 'Relu',
    name: `/stage${Math.floor(i / 2500)}/block${Math.floor(i / 25)}/act${i}`,
    input: [i === 0 ? 'x' : `t${i - 1}`],
    output: [i === n - 1 ? 'y' : `t${i}`],
  }));
  writeFileSync(join(folder, 'chain.onnx'), encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'chain', node: nodes, input: [valueInfo('x', ['N', 3, 8, 8])], output: [valueInfo('y', ['N', 3, 8, 8])] } }));
  const started = Date.now();
  await openFile(page, 'onnx/chain.onnx');
  const view: FrameLocator = await onnxViewFrame(page, 60_000);
  const ms = Date.now() - started;
  log(`10,000 nodes: shown ${ms} ms after Ctrl+P`);
  assert.equal(await view.locator('#nodes').getAttribute('data-nodes'), String(n));
  assert.equal((await view.locator('#summary-line').innerText()).trim(), '10,000 nodes, 0 parameters, 1 unsupported: Einsum');
  assert.ok(ms < 20_000, `the 10,000-node file took ${ms} ms to show`);
  // Only the rows in sight are in the document; the keyboard reaches the last node, which scrolls into sight.
  const rows = await view.locator('#nodes tr.node').count();
  assert.ok(rows > 10 && rows < 300, `${rows} rows drawn`);
  // The graph: the Einsum, then the 9,999 ReLUs as one collapsed block.
  assert.deepEqual(await view.locator('#diagram g.node.block text.type').allTextContents(), ['stage 1: 9999 × Relu']);
  await view.locator('#node-1').click();
  await eventually(async () => assert.match(await view.locator('#details h2').innerText(), /^#1 Relu /));
  await page.keyboard.press('End');
  await eventually(async () => assert.match(await view.locator('#details h2').innerText(), /^#9999 Relu /));
  assert.ok(await view.locator('#node-9999').isVisible());
  assert.match((await view.locator('#node-9999 td.verdict-cell').innerText()).trim(), /^not checked: after #0 Einsum$/);
  await page.keyboard.press('ArrowUp');
  await eventually(async () => assert.match(await view.locator('#details h2').innerText(), /^#9998 Relu /));
  await screenshot('ten-thousand-nodes');
}

/** The graph view marks the unsupported `op` nodes; a click on the first selects its table row and details. */
async function graphMarksUnsupported(view: FrameLocator, op: string): Promise<void> {
  const bad = view.locator('#diagram g.node.error');
  assert.ok((await bad.count()) >= 1, 'unsupported nodes marked in the graph');
  for (const title of await bad.locator('title').allTextContents()) assert.match(title, /not supported/);
  const first = view.locator('#diagram g.node.error:not(.block)', { has: view.locator('text.type', { hasText: op }) }).first();
  await first.dispatchEvent('click');
  await eventually(async () => assert.match(await view.locator('#details h2').innerText(), new RegExp(`^#\\d+ ${op} `)));
  await view.locator('#nodes tr.node.selected[data-status="unsupported"]').waitFor();
  const selected = view.locator('#diagram g.node.error.selected').first();
  await selected.waitFor({ state: 'attached' });
  // Selected and still red: the box keeps the error colour, the selection is the ring around it.
  const paint = (await selected.evaluate(`((g) => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--vscode-errorForeground)';
    document.body.append(probe);
    const red = getComputedStyle(probe).color;
    probe.remove();
    return { box: getComputedStyle(g.querySelector('.box')).stroke, halo: getComputedStyle(g.querySelector('.halo')).stroke, red };
  })(document.querySelector('#diagram g.node.error.selected'))`)) as { box: string; halo: string; red: string };
  assert.equal(paint.box, paint.red, 'a selected unsupported node is drawn red');
  assert.notEqual(paint.halo, 'none', 'and ringed as selected');
  assert.notEqual(paint.halo, paint.red);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
