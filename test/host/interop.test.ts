// In-host: "CNN: Export Model…" with its arguments (no dialogs) writes an ONNX file beside the model, refuses a
// model with unsaved changes and says so; the .onnx opens in its read-only view (its own custom editor), and
// "CNN: Convert to .cnn.json" writes the model and weights beside it and opens the model in the designer.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { importOnnx } from '../../src/interop/onnx/import';
import { decodeSafetensors } from '../../src/engine/weights';
import { waitFor } from './helpers';

function activeInput(): unknown {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.input;
}

describe('ONNX export and the read-only .onnx view', function () {
  this.timeout(60_000);
  let folder: string;
  let model: vscode.Uri;

  before(async () => {
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    folder = join(root, 'host-onnx');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    [model] = await vscode.workspace.findFiles('lenet5.cnn.json', undefined, 1);
    assert.ok(model, 'lenet5.cnn.json in the workspace');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(folder, { recursive: true, force: true });
  });

  it('exports LeNet-5 as ONNX to the given file', async () => {
    const output = join(folder, 'lenet5.onnx');
    const files = (await vscode.commands.executeCommand('cnnStudio.exportModel', model, { format: 'onnx', output })) as string[] | undefined;
    assert.deepEqual(files, [output]);
    const imported = importOnnx(readFileSync(output), { name: 'lenet5' });
    assert.equal(imported.model.layers.length, 8);
    assert.equal(imported.tensors.reduce((n, t) => n + t.data.length, 0), 61_706);
  });

  it('exports LeNet-5 as PyTorch code into the given folder', async () => {
    const output = join(folder, 'lenet5-pytorch');
    const files = (await vscode.commands.executeCommand('cnnStudio.exportModel', model, { format: 'pytorch', output })) as string[] | undefined;
    assert.deepEqual(files?.slice(0, 2), [join(output, 'model.py'), join(output, 'train.py')]);
    for (const f of files ?? []) assert.ok(existsSync(f), f);
    assert.match(readFileSync(join(output, 'model.py'), 'utf8'), /nn\.Module/);
  });

  it('refuses to export a model with unsaved changes (the export reads the saved file)', async () => {
    const doc = await vscode.workspace.openTextDocument(model);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(model, new vscode.Position(0, 1), ' ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      assert.ok(doc.isDirty);
      const output = join(folder, 'dirty.onnx');
      const files = await vscode.commands.executeCommand('cnnStudio.exportModel', model, { format: 'onnx', output });
      assert.equal(files, undefined);
      assert.equal(existsSync(output), false);
    } finally {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    assert.equal(doc.isDirty, false);
  });

  it('opens the .onnx file in its read-only view and converts it to a model beside it', async () => {
    const onnx = vscode.Uri.file(join(folder, 'lenet5.onnx'));
    await vscode.commands.executeCommand('vscode.open', onnx);
    const tab = await waitFor(() => {
      const input = activeInput();
      return input instanceof vscode.TabInputCustom && input.uri.toString() === onnx.toString() ? input : undefined;
    }, 'the .onnx tab');
    assert.equal(tab.viewType, 'cnnStudio.onnxViewer');

    const converted = (await vscode.commands.executeCommand('cnnStudio.convertOnnx', onnx, { replace: true })) as vscode.Uri | undefined;
    assert.equal(converted?.fsPath, join(folder, 'lenet5.cnn.json'));
    // (src/model/parse is not bundled here: jsonc-parser's UMD build does not bundle; the unit tests parse it.)
    const written = JSON.parse(readFileSync(join(folder, 'lenet5.cnn.json'), 'utf8')) as { name: string; layers: { type: string }[] };
    assert.equal(written.name, 'lenet5');
    assert.deepEqual(written.layers.map((l) => l.type), ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten', 'dense', 'dense', 'dense']);
    const weights = decodeSafetensors(readFileSync(join(folder, 'lenet5.safetensors')));
    assert.equal(weights.tensors.reduce((n, t) => n + t.data.length, 0), 61_706);
    await waitFor(() => {
      const input = activeInput();
      return input instanceof vscode.TabInputCustom && input.viewType === 'cnnStudio.designer' && input.uri.fsPath === converted.fsPath;
    }, 'the converted model in the designer');
  });
});
