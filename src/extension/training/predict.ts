// "CNN: Predict Image…" on a PNG/JPEG in the explorer: picks a trained model of the workspace (one with
// weights beside it) and shows the top-5 classes, with a way into the training view (explanations, Grad-CAM,
// saliency) for that image. The forward pass runs in a short-lived worker.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { weightsPath } from '../../node/checkpoint/weightsFile';
import type { Prediction } from '../../protocol/worker';
import type { TrainingSupervisor } from './supervisor';

export interface PredictArgs {
  /** The model to use (tests, or a caller that knows); otherwise the user picks among trained models. */
  readonly model?: vscode.Uri;
}

/** Opens the model's training view with the image inspected: its feature maps, explanations, Grad-CAM and saliency. */
export type InspectInView = (model: vscode.Uri, image: vscode.Uri) => Promise<void>;

const EXPLAIN = 'Explain in Training View';

export async function predictImage(
  supervisor: TrainingSupervisor,
  log: vscode.LogOutputChannel,
  image?: vscode.Uri,
  args: PredictArgs = {},
  inspect?: InspectInView,
): Promise<Prediction | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Predicting is disabled in Restricted Mode: it reads model weights and images. Trust this workspace first.');
    return undefined;
  }
  const file = image ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Images: ['png', 'jpg', 'jpeg'] }, title: 'CNN: Predict Image' }))?.[0];
  if (!file) return undefined;
  const model = args.model ?? (await pickTrainedModel());
  if (!model) return undefined;
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  try {
    const modelText = new TextDecoder().decode(await vscode.workspace.fs.readFile(model));
    const prediction = await supervisor.predict(model.fsPath, modelText, file.fsPath, 5);
    const top = prediction.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join(', ');
    log.info(`predict ${name} with ${vscode.workspace.asRelativePath(model)}: ${top}`);
    // Not awaited: the command resolves with the prediction while the message waits for the user.
    void vscode.window.showInformationMessage(`${name}: ${top}`, ...(inspect ? [EXPLAIN] : [])).then((choice) => {
      if (choice === EXPLAIN && inspect) return inspect(model, file);
      return undefined;
    });
    return prediction;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.error(`predict ${name}: ${message}`);
    void vscode.window.showErrorMessage(`Cannot predict ${name}: ${message}`);
    return undefined;
  }
}

async function pickTrainedModel(): Promise<vscode.Uri | undefined> {
  const models = (await vscode.workspace.findFiles('**/*.cnn.json', '**/node_modules/**', 200)).filter((u) => u.scheme === 'file' && existsSync(weightsPath(u.fsPath)));
  if (models.length === 0) {
    void vscode.window.showInformationMessage('No trained model in this workspace: open a .cnn.json model and run "CNN: Train Model" first.');
    return undefined;
  }
  if (models.length === 1) return models[0];
  const picked = await vscode.window.showQuickPick(
    models.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'CNN: Predict Image', placeHolder: 'Which trained model?' },
  );
  return picked?.uri;
}
