// The designer is the default editor of *.cnn.json and the open-with commands switch between it and the text.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './helpers';

function activeInput(): unknown {
  return vscode.window.tabGroups.activeTabGroup.activeTab?.input;
}

describe('designer custom editor', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('vscode.openWith opens the custom editor, and the commands switch to text and back', async () => {
    const [uri] = await vscode.workspace.findFiles('**/lenet5.cnn.json', undefined, 1);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'cnnStudio.designer');
    const custom = await waitFor(() => {
      const input = activeInput();
      return input instanceof vscode.TabInputCustom ? input : undefined;
    }, 'the designer tab');
    assert.equal(custom.viewType, 'cnnStudio.designer');
    assert.equal(custom.uri.toString(), uri.toString());

    await vscode.commands.executeCommand('cnnStudio.openAsText', uri);
    await waitFor(() => activeInput() instanceof vscode.TabInputText, 'the text editor tab');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());

    await vscode.commands.executeCommand('cnnStudio.openDesigner', uri);
    await waitFor(() => activeInput() instanceof vscode.TabInputCustom, 'the designer again');
  });

  it('CNN: New Model from the MNIST template writes a valid model with its data beside it', async () => {
    const uri = (await vscode.commands.executeCommand('cnnStudio.newMnistModel')) as vscode.Uri;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    assert.match(text, /"name": "lenet5(-\d+)?"/);
    const data = await vscode.workspace.fs.stat(vscode.Uri.joinPath(uri, '..', 'mnist', 't10k-images-idx3-ubyte.gz'));
    assert.ok(data.size > 100_000);
    await waitFor(() => (activeInput() as vscode.TabInputCustom | undefined)?.uri?.toString() === uri.toString(), 'the new model in the designer');
  });
});
