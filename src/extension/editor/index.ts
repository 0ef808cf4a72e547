// The designer's registrations: the custom editor and its commands. activate.ts calls registerDesigner.
import * as vscode from 'vscode';
import { newModel } from './newModel';
import { DESIGNER_VIEW_TYPE, DesignerProvider } from './provider';
import { LENET_MNIST } from './templates';

export { DESIGNER_VIEW_TYPE } from './provider';

export function registerDesigner(context: vscode.ExtensionContext, log?: vscode.LogOutputChannel): void {
  const provider = new DesignerProvider(context.extensionUri, log);
  context.subscriptions.push(
    // No retainContextWhenHidden: the webview is rebuilt from the document (and setState) when shown again.
    vscode.window.registerCustomEditorProvider(DESIGNER_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand('cnnStudio.openDesigner', (uri?: vscode.Uri) => openWith(uri, DESIGNER_VIEW_TYPE)),
    vscode.commands.registerCommand('cnnStudio.openAsText', (uri?: vscode.Uri) => openWith(uri, 'default')),
    vscode.commands.registerCommand('cnnStudio.newModel', () => newModel(context.extensionUri)),
    // The walkthrough's one-click start: LeNet-5 plus the bundled MNIST subset, no questions.
    vscode.commands.registerCommand('cnnStudio.newMnistModel', () => newModel(context.extensionUri, LENET_MNIST)),
  );
}

/** Reopens the resource (from the editor title button, or the active tab) with the given editor. */
async function openWith(uri: vscode.Uri | undefined, viewType: string): Promise<void> {
  const target = uri instanceof vscode.Uri ? uri : activeTabUri();
  if (!target) {
    void vscode.window.showInformationMessage('Open a .cnn.json model first.');
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', target, viewType);
}

/** The resource of the active tab, text or custom editor. */
export function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}
