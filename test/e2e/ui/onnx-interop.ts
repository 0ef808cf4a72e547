// Issue 12 in VS Code: an .onnx file (LeNet-5 exported with the CLI) opens in its read-only view, node by node with
// LeNet-5's 61,706 parameters; "Convert to .cnn.json" writes the model and its weights beside it and opens the new
// model in the (editable) designer with the same total; a file with operators CNN Studio does not convert is shown
// with them marked and Convert disabled; then "CNN: Export Model…" → ONNX on a model writes the .onnx beside it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importOnnx } from '../../../src/interop/onnx/import';
import { encodeModel, intAttr, valueInfo } from '../../../src/interop/onnx/proto';
import { parseModelText } from '../../../src/model/parse';
import { analyze } from '../../../src/model/shapes';
import { ROOT } from '../lib/codeServer';
import { CHILD_TIMEOUT_MS } from '../../unit/availability';
import {
  activeTab,
  designerFrame,
  designerRows,
  designerTotal,
  eventually,
  onnxViewFrame,
  openFile,
  runCommand,
  waitForNotification,
  type ScenarioContext,
} from './helpers';

export const timeoutMs = 150_000;

const LENET_LAYERS = ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense', 'dense'];
const LENET_NODES = ['Transpose', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax'];

export default async function onnxInterop({ page, workspace, screenshot, log }: ScenarioContext): Promise<void> {
  // The .onnx file, made the way a user would: `cnn export` of the example, into a folder of its own (so the
  // conversion's lenet5.cnn.json does not meet the example's).
  const folder = join(workspace, 'onnx');
  mkdirSync(folder);
  const onnxFile = join(folder, 'lenet5.onnx');
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'export', join(workspace, 'lenet5.cnn.json'), '--format', 'onnx', '-o', onnxFile], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  assert.equal(cli.status, 0, `cnn export failed:\n${cli.stdout}\n${cli.stderr}`);
  log(cli.stdout.trim());

  // The read-only view: every node, converted into LeNet-5's layers.
  await openFile(page, 'onnx/lenet5.onnx');
  assert.match(await activeTab(page).innerText(), /lenet5\.onnx/);
  const viewer = await onnxViewFrame(page);
  assert.equal((await viewer.locator('#summary .file').innerText()).trim(), 'lenet5.onnx');
  assert.equal((await viewer.locator('#summary-line').innerText()).trim(), '15 nodes, 61.7K parameters, every node converts');
  assert.deepEqual(await viewer.locator('#nodes tr.node td.op').allInnerTexts(), LENET_NODES);
  assert.deepEqual((await viewer.locator('#nodes tr.node .out-shape').allInnerTexts()).filter((_, i) => LENET_NODES[i] !== 'Relu' && LENET_NODES[i] !== 'Softmax' && LENET_NODES[i] !== 'Transpose'), [
    '[N, 6, 28, 28]', '[N, 6, 14, 14]', '[N, 16, 10, 10]', '[N, 16, 5, 5]', '[N, 400]', '[N, 120]', '[N, 84]', '[N, 10]',
  ]);
  assert.equal((await viewer.locator('#totals td.num').innerText()).trim(), '61,706');
  assert.equal(await viewer.locator('#convert').getAttribute('disabled'), null);
  await viewer.locator('#node-9').click();
  await eventually(async () => assert.equal((await viewer.locator('#details h2').innerText()).trim(), '#9 Gemm (node "dense_5")'));
  assert.equal((await viewer.locator('#details-verdict').innerText()).trim(), '→ dense + relu');
  await screenshot('onnx-read-only');

  // Convert: the model and its weights beside the .onnx file, then the editable designer on the new model.
  await viewer.locator('#convert').click();
  await activeTab(page).filter({ hasText: 'lenet5.cnn.json' }).waitFor({ state: 'visible', timeout: 20_000 });
  const converted = await designerFrame(page);
  await eventually(async () => assert.equal(await converted.locator('#model-name input').inputValue(), 'lenet5'), 15_000);
  await eventually(async () => assert.equal(await designerTotal(converted, 'params'), '61,706'), 15_000);
  assert.deepEqual((await designerRows(converted)).map((r) => r.type), LENET_LAYERS);
  for (const f of ['lenet5.cnn.json', 'lenet5.safetensors']) assert.ok(existsSync(join(folder, f)), `onnx/${f} was written`);
  // LeNet-5's 61,706 float32 weights and a small header.
  const weightBytes = statSync(join(folder, 'lenet5.safetensors')).size;
  assert.ok(weightBytes > 61_706 * 4 && weightBytes < 61_706 * 4 + 4096, `lenet5.safetensors is ${weightBytes} bytes`);
  await waitForNotification(page, 'Converted lenet5.onnx: wrote lenet5.cnn.json and lenet5.safetensors.');
  await screenshot('converted-designer');

  // A file with operators we do not convert: every node shown, those two marked with the reason, no Convert.
  writeFileSync(join(folder, 'odd.onnx'), oddOnnx());
  await openFile(page, 'onnx/odd.onnx');
  const odd = await onnxViewFrame(page);
  assert.equal((await odd.locator('#summary-line').innerText()).trim(), '3 nodes, 0 parameters, 2 unsupported: LRN, Einsum');
  assert.deepEqual((await odd.locator('#nodes tr.node td.verdict-cell').allInnerTexts()).map((t) => t.trim()), [
    '⚠ unsupported: operator LRN is not supported',
    '→ relu',
    '⚠ unsupported: operator Einsum is not supported',
  ]);
  assert.notEqual(await odd.locator('#convert').getAttribute('disabled'), null);
  assert.equal((await odd.locator('#blocked-reason').innerText()).trim(), 'Cannot convert: 2 nodes are not supported (LRN, Einsum).');
  await screenshot('onnx-unsupported');

  // CNN: Export Model… → ONNX on the example, into the default location beside it (the save dialog's default).
  await openFile(page, 'vgg-cifar.cnn.json');
  await designerFrame(page);
  await runCommand(page, 'CNN: Export Model…');
  const quick = page.locator('.quick-input-widget');
  for (const label of ['ONNX', 'PyTorch', 'Keras']) await quick.locator('.monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await screenshot('export-formats');
  await quick.locator('.monaco-list-row', { hasText: 'ONNX' }).first().click();
  // code-server's save dialog is VS Code's own (a quick input holding the path): the default is beside the model.
  const path = quick.locator('input');
  const target = join(workspace, 'vgg-cifar.onnx');
  await eventually(async () => assert.equal(await path.inputValue(), target), 15_000);
  await screenshot('export-save-dialog');
  await path.press('Enter');
  const message = await waitForNotification(page, 'Exported vgg-cifar.cnn.json as ONNX', 60_000);
  log(message);
  assert.match(message, /^Exported vgg-cifar\.cnn\.json as ONNX: vgg-cifar\.onnx\. Note: no trained weights \(vgg-cifar\.safetensors\): exporting the initial weights of seed \d+\./);
  await eventually(async () => assert.ok(existsSync(target), 'vgg-cifar.onnx was written'), 15_000);
  // The file is the model: it imports back to the example's totals.
  const back = importOnnx(readFileSync(target), { name: 'vgg-cifar' });
  const source = parseModelText(readFileSync(join(workspace, 'vgg-cifar.cnn.json'), 'utf8')).model;
  assert.ok(source);
  assert.deepEqual(back.model.layers, source.layers);
  assert.deepEqual(analyze(back.model.input.shape, back.model.layers).totals, analyze(source.input.shape, source.layers).totals);
  await screenshot('exported');
}

/** x [N, 1, 4, 4] → LRN "norm" → Relu → Einsum "mix" → y: two operators CNN Studio does not convert. */
function oddOnnx(): Uint8Array {
  const node = (opType: string, name: string, input: string[], output: string[], attribute = [] as ReturnType<typeof intAttr>[]) => ({ opType, name, input, output, attribute });
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'e2e',
    graph: {
      name: 'odd',
      node: [node('LRN', 'norm', ['x'], ['a'], [intAttr('size', 3)]), node('Relu', 'relu', ['a'], ['b']), node('Einsum', 'mix', ['b'], ['y'])],
      input: [valueInfo('x', ['N', 1, 4, 4])],
      output: [valueInfo('y', ['N', 1, 4, 4])],
    },
  });
}
