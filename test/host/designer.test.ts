// The designer is the default editor of *.cnn.json and the open-with commands switch between it and the text.
// A designer gesture racing a text edit, on a real TextDocument: its version, applyEdit and change events.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { syncedDocument } from '../../src/extension/editor/provider';
import { StaleIntentError, SyncRegistry } from '../../src/extension/editor/sync';
import { buildView } from '../../src/extension/editor/viewModel';
import type { DesignerView, HostMessage } from '../../src/protocol/designer';
import { applyPatch } from '../../src/protocol/designerPatch';
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

  it('refuses a gesture made before a text edit, and applies one made on the current version', async () => {
    // Untitled, so the workspace's models stay as they are for the other tests.
    const layers = ['{ "type": "conv2d", "filters": 4, "kernelSize": 3 }', '{ "type": "flatten" }', '{ "type": "dense", "units": 10 }'];
    const document = await vscode.workspace.openTextDocument({ language: 'json', content: `{\n  "input": { "shape": [8, 8, 1] },\n  "layers": [\n    ${layers.join(',\n    ')}\n  ]\n}\n` });
    // What the provider wires for each document: the sync fed by change events, and the panel's sink.
    const sync = new SyncRegistry((_key, text) => buildView(text, 'race')).getOrCreate(document.uri.toString());
    const got: HostMessage[] = [];
    const panel = { isReady: () => true, post: (m: HostMessage) => void got.push(m) };
    sync.attach(panel);
    const doc = syncedDocument(document);
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === document) sync.changed(e.document.getText(), e.document.version, e.contentChanges.length);
    });
    try {
      // The designer shows this version; the user deletes layer 1 (flatten)…
      const shown = document.version;
      // …while a relu is typed in at the top of the layers, so layer 1 is now the conv2d.
      const typed = new vscode.WorkspaceEdit();
      typed.insert(document.uri, document.positionAt(document.getText().indexOf(layers[0]!)), '{ "type": "relu" },\n    ');
      assert.ok(await vscode.workspace.applyEdit(typed));
      const edited = document.getText();
      assert.ok(document.version > shown);

      await assert.rejects(sync.edit(doc, { type: 'deleteLayer', index: 1, documentVersion: shown }, panel), StaleIntentError);
      assert.equal(document.getText(), edited, 'the stale gesture changed nothing');
      // Sent back (as a patch of the view sent with the change event): the current view, conv2d at 1.
      const resent = got.at(-1);
      assert.ok(resent?.type === 'patch' && resent.documentVersion === document.version && shownView(got)?.rows[1]?.type === 'conv2d', 'the current view was sent back');

      // Made on the view just sent: layer 1 is the conv2d, and it goes.
      got.length = 0;
      assert.deepEqual(await sync.edit(doc, { type: 'deleteLayer', index: 1, documentVersion: document.version }, panel), { applied: true });
      assert.doesNotMatch(document.getText(), /conv2d/);
      assert.match(document.getText(), /relu[\s\S]*flatten[\s\S]*dense/);
      // Broadcast once at the new version, though both the change event and applyEdit report it.
      assert.deepEqual(got.map((m) => (m.type === 'update' || m.type === 'patch') && m.documentVersion), [document.version]);
    } finally {
      sub.dispose();
    }
  });
});

/** The view a panel shows after these messages, as the webview takes them: a whole view, or a patch of the last. */
function shownView(messages: readonly HostMessage[]): DesignerView | undefined {
  let view: DesignerView | undefined;
  for (const m of messages) {
    if (m.type === 'init' || m.type === 'update') view = m.view;
    else if (m.type === 'patch' && view) view = applyPatch(view, m.patch);
  }
  return view;
}
