// In-host: runs inside VS Code's extension host (code-server), with the real `vscode` API.
// The workspace is a temporary copy of examples/.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cnn-studio.cnn-studio';

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('CNN Studio extension', () => {
  it('is installed under its id', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    assert.equal(ext.packageJSON.displayName, 'CNN Studio');
  });

  it('opens the examples folder as the workspace', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    const models = await vscode.workspace.findFiles('**/*.cnn.json');
    assert.ok(models.length > 0, 'no *.cnn.json in the workspace');
  });

  it('activates when a *.cnn.json is opened', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const [model] = await vscode.workspace.findFiles('**/*.cnn.json', undefined, 1);
    const doc = await vscode.workspace.openTextDocument(model);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'json');
    await waitFor(() => ext.isActive, `${EXTENSION_ID} to activate`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
