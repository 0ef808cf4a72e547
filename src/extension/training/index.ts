// Training's registrations: commands, the training view, predictions and the MNIST starter model.
// activate.ts calls registerTraining(context, log) with the "CNN Studio" output channel.
import * as vscode from 'vscode';
import { DESIGNER_VIEW_TYPE } from '../editor';
import { TrainingController, type TrainArgs } from './controller';
import { TrainingPanels } from './panel';
import { predictImage, type PredictArgs } from './predict';
import { TrainingSupervisor } from './supervisor';
import { createLenetMnist } from './templates';

export { createLenetMnist, lenetMnistModelText } from './templates';

export function registerTraining(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath;
  const supervisor = new TrainingSupervisor(workerPath, { onDrop: (reason) => log.warn(`training worker: dropped message: ${reason}`) });
  const controller = new TrainingController(supervisor, log);
  const panels = new TrainingPanels(
    context.extensionUri,
    {
      record: (uri) => controller.record(uri),
      inspect: (uri, split, index) => controller.inspect(uri, { kind: 'dataset', split, index }),
      pickImage: async (uri) => {
        const [file] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'Inspect an image' })) ?? [];
        if (file) controller.inspect(uri, { kind: 'file', path: file.fsPath });
      },
      openSample: async (uri, index) => {
        // The path comes from our own evaluation, never from the webview.
        const file = controller.record(uri).evaluation?.misclassified[index]?.file;
        if (file) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), vscode.ViewColumn.Active);
      },
      train: async (uri) => void (await controller.train(uri)),
      stop: (uri) => controller.stop(uri),
    },
    log,
  );
  controller.panels = panels;

  const show = async (uri?: vscode.Uri): Promise<void> => {
    const target = modelUri(uri);
    if (!target) return;
    await controller.restore(target);
    panels.show(target);
  };

  context.subscriptions.push(
    controller,
    panels,
    { dispose: () => void supervisor.dispose() },
    vscode.commands.registerCommand('cnnStudio.train', async (uri?: vscode.Uri, args?: TrainArgs) => {
      const target = modelUri(uri);
      if (!target) return undefined;
      await controller.restore(target);
      return controller.train(target, args);
    }),
    vscode.commands.registerCommand('cnnStudio.stopTraining', (uri?: vscode.Uri) => controller.stop(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('cnnStudio.showTraining', show),
    vscode.commands.registerCommand('cnnStudio.predictImage', (uri?: vscode.Uri, args?: PredictArgs) => predictImage(supervisor, log, uri instanceof vscode.Uri ? uri : undefined, args)),
    vscode.commands.registerCommand('cnnStudio.newMnistModel', () => newMnistModel(context.extensionUri)),
  );
}

/** The model a command applies to: its argument (explorer, editor title, designer) or the active tab. */
function modelUri(uri?: vscode.Uri): vscode.Uri | undefined {
  if (uri instanceof vscode.Uri) return uri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const active = input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : vscode.window.activeTextEditor?.document.uri;
  if (active && /\.json$/i.test(active.path)) return active;
  void vscode.window.showInformationMessage('Open a .cnn.json model first.');
  return undefined;
}

/** "CNN: New LeNet-5 on MNIST": the starter model plus the bundled data, in the first workspace folder. */
async function newMnistModel(extensionUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    void vscode.window.showInformationMessage('Open a folder first: the model and its MNIST data are written into it.');
    return undefined;
  }
  let name = 'lenet5-mnist';
  for (let i = 2; await exists(vscode.Uri.joinPath(folder, `${name}.cnn.json`)); i++) name = `lenet5-mnist-${i}`;
  const uri = vscode.Uri.joinPath(folder, `${name}.cnn.json`);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(await createLenetMnist(extensionUri, folder, name)));
  await vscode.commands.executeCommand('vscode.openWith', uri, DESIGNER_VIEW_TYPE);
  return uri;
}

function exists(uri: vscode.Uri): Thenable<boolean> {
  return vscode.workspace.fs.stat(uri).then(
    () => true,
    () => false,
  );
}
