// "CNN: New Model…": pick a template, name the file, open it in the designer. With a workspace folder the
// file is written there; without one it is an untitled document the user saves where they like.
import * as vscode from 'vscode';
import { DESIGNER_VIEW_TYPE } from './provider';
import { MODEL_TEMPLATES, templateText } from './templates';

/**
 * With `templateLabel` (the walkthrough, tests) no question is asked: that template, a free file name.
 * Returns the new model's URI.
 */
export async function newModel(extensionUri: vscode.Uri, templateLabel?: string): Promise<vscode.Uri | undefined> {
  const picked = templateLabel
    ? MODEL_TEMPLATES.find((t) => t.label === templateLabel)
    : await vscode.window.showQuickPick(MODEL_TEMPLATES, { title: 'CNN: New Model', placeHolder: 'Start from…' });
  if (!picked) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (templateLabel && !folder) {
    void vscode.window.showInformationMessage('Open a folder first: the new model is written into it.');
    return undefined;
  }
  const fileName = templateLabel && folder ? await uniqueName(folder, picked.baseName) : await vscode.window.showInputBox({
    title: 'CNN: New Model',
    prompt: folder ? `File name, relative to ${folder.fsPath}` : 'File name (saved when you save the untitled file)',
    value: folder ? await uniqueName(folder, picked.baseName) : `${picked.baseName}.cnn.json`,
    validateInput: (v) => (/\.cnn\.json$/i.test(v.trim()) ? undefined : 'The name must end in .cnn.json'),
  });
  if (!fileName) return undefined;
  const name = fileName.trim().replace(/^.*[\\/]/, '').replace(/\.cnn\.json$/i, '');
  const text = templateText(picked, name);

  let uri: vscode.Uri;
  if (folder) {
    uri = vscode.Uri.joinPath(folder, fileName.trim());
    if (await exists(uri)) {
      const overwrite = await vscode.window.showWarningMessage(`${fileName} exists. Replace it?`, { modal: true }, 'Replace');
      if (overwrite !== 'Replace') return undefined;
    }
    if (picked.bundledMnist) await copyBundledMnist(extensionUri, vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  } else {
    // No folder to write into: an untitled document the user saves where they like.
    uri = vscode.Uri.from({ scheme: 'untitled', path: fileName.trim() });
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
    await vscode.workspace.applyEdit(edit);
    if (picked.bundledMnist) {
      void vscode.window.showInformationMessage('Open a folder to train it: the MNIST data is copied next to a model created in a folder.');
    }
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, DESIGNER_VIEW_TYPE);
  return uri;
}

const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** Copies the MNIST subset shipped in media/mnist to `<folder>/mnist/`, where the MNIST templates look; files already there are kept. */
async function copyBundledMnist(extensionUri: vscode.Uri, folder: vscode.Uri): Promise<void> {
  const target = vscode.Uri.joinPath(folder, 'mnist');
  await vscode.workspace.fs.createDirectory(target);
  for (const file of MNIST_FILES) {
    const to = vscode.Uri.joinPath(target, file);
    if (!(await exists(to))) await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'media', 'mnist', file), to);
  }
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
