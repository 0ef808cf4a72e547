// Training's registrations: commands, the training view, predictions and the MNIST starter model.
// activate.ts calls registerTraining(context, log) with the "CNN Studio" output channel.
import * as vscode from 'vscode';
import { activeTabUri } from '../editor';
import { TrainingController, type TrainArgs } from './controller';
import { ExplainRequests } from './explain';
import { TrainingPanels } from './panel';
import { predictImage, type PredictArgs } from './predict';
import { TrainingSupervisor } from './supervisor';
import { clearDataCache } from './dataCache';
import { preloadNativeDecoder } from '../../node/datasets/nativeDecoder';

export function registerTraining(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  // sharp (libvips) must be loaded by the main thread before the worker threads that decode with it (their exit
  // would otherwise unload it under libuv threads still running it); only loads it, nothing is decoded here.
  preloadNativeDecoder();
  const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath;
  const supervisor = new TrainingSupervisor(workerPath, { onDrop: (reason) => log.warn(`training worker: dropped message: ${reason}`) });
  const controller = new TrainingController(supervisor, log);
  const explanations = new ExplainRequests(workerPath, controller, log);
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
      explainCell: (uri, msg) => explanations.explainCell(uri, msg),
      attribution: (uri, msg) => explanations.attribution(uri, msg),
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
    explanations,
    panels,
    { dispose: () => void supervisor.dispose() },
    vscode.commands.registerCommand('cnnStudio.train', async (uri?: vscode.Uri, args?: TrainArgs | readonly vscode.Uri[]) => {
      const target = modelUri(uri);
      if (!target) return undefined;
      await controller.restore(target);
      // From the explorer's context menu the second argument is the list of selected files, not options.
      return controller.train(target, Array.isArray(args) ? undefined : (args as TrainArgs | undefined));
    }),
    // Fine-tuning: a new run from the trained weights beside the model (after "Unfreeze all", a changed head…).
    vscode.commands.registerCommand('cnnStudio.trainWarmStart', async (uri?: vscode.Uri, args?: TrainArgs | readonly vscode.Uri[]) => {
      const target = modelUri(uri);
      if (!target) return undefined;
      await controller.restore(target);
      return controller.train(target, { ...(Array.isArray(args) ? {} : (args as TrainArgs | undefined)), warmStart: true });
    }),
    vscode.commands.registerCommand('cnnStudio.stopTraining', (uri?: vscode.Uri) => controller.stop(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('cnnStudio.showTraining', show),
    vscode.commands.registerCommand('cnnStudio.clearDataCache', () => clearDataCache(log)),
    vscode.commands.registerCommand('cnnStudio.predictImage', (uri?: vscode.Uri, args?: PredictArgs) =>
      predictImage(supervisor, log, uri instanceof vscode.Uri ? uri : undefined, Array.isArray(args) ? {} : args, async (model, image) => {
        await show(model);
        controller.inspect(model, { kind: 'file', path: image.fsPath });
      }),
    ),
  );
}

/** The model a command applies to: its argument (explorer, editor title, designer) or the active tab. */
function modelUri(uri?: vscode.Uri): vscode.Uri | undefined {
  if (uri instanceof vscode.Uri) return uri;
  const active = activeTabUri();
  if (active && /\.json$/i.test(active.path)) return active;
  void vscode.window.showInformationMessage('Open a .cnn.json model first.');
  return undefined;
}
