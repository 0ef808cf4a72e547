// "CNN: New Model…": pick a template, name the file, open it in the designer. Templates are the example
// models shipped in the extension (examples/ is part of the .vsix), plus an empty model.
import * as vscode from 'vscode';
import { setValue } from './jsonText';
import { DESIGNER_VIEW_TYPE } from './provider';

interface Template extends vscode.QuickPickItem {
  /** File in examples/, or undefined for the empty model. */
  readonly file?: string;
  readonly baseName: string;
}

const TEMPLATES: readonly Template[] = [
  { label: 'LeNet-5', description: 'MNIST digits, 2 conv + 3 dense', file: 'lenet5.cnn.json', baseName: 'lenet5' },
  { label: 'Simple MNIST convnet', description: "Keras' example, 34,826 parameters", file: 'simple-mnist-convnet.cnn.json', baseName: 'mnist-convnet' },
  { label: 'VGG-style CIFAR', description: '32×32×3, conv blocks with batch norm and dropout', file: 'vgg-cifar.cnn.json', baseName: 'vgg-cifar' },
  { label: 'Empty model', description: '28×28×1 input, no layers yet', baseName: 'model' },
];

export const EMPTY_MODEL = `{
  "format": "cnn-studio/model@1",
  "name": "model",
  "input": { "shape": [28, 28, 1] },
  "layers": []
}
`;

export async function newModel(extensionUri: vscode.Uri): Promise<void> {
  const picked = await vscode.window.showQuickPick(TEMPLATES, { title: 'CNN: New Model', placeHolder: 'Start from…' });
  if (!picked) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const fileName = await vscode.window.showInputBox({
    title: 'CNN: New Model',
    prompt: folder ? `File name, relative to ${folder.fsPath}` : 'File name (saved when you save the untitled file)',
    value: folder ? await uniqueName(folder, picked.baseName) : `${picked.baseName}.cnn.json`,
    validateInput: (v) => (/\.cnn\.json$/i.test(v.trim()) ? undefined : 'The name must end in .cnn.json'),
  });
  if (!fileName) return;
  const name = fileName.trim().replace(/^.*[\\/]/, '').replace(/\.cnn\.json$/i, '');
  const template = picked.file
    ? new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'examples', picked.file)))
    : EMPTY_MODEL;
  const text = setValue(template, ['name'], name);

  let uri: vscode.Uri;
  if (folder) {
    uri = vscode.Uri.joinPath(folder, fileName.trim());
    if (await exists(uri)) {
      const overwrite = await vscode.window.showWarningMessage(`${fileName} exists. Replace it?`, { modal: true }, 'Replace');
      if (overwrite !== 'Replace') return;
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  } else {
    // No folder to write into: an untitled document the user saves where they like.
    uri = vscode.Uri.from({ scheme: 'untitled', path: fileName.trim() });
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
    await vscode.workspace.applyEdit(edit);
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, DESIGNER_VIEW_TYPE);
}

async function uniqueName(folder: vscode.Uri, base: string): Promise<string> {
  for (let i = 1; i < 1000; i++) {
    const name = i === 1 ? `${base}.cnn.json` : `${base}-${i}.cnn.json`;
    if (!(await exists(vscode.Uri.joinPath(folder, name)))) return name;
  }
  return `${base}-${Date.now()}.cnn.json`;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
