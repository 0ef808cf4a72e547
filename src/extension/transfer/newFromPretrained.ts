// "CNN: New Model from Pretrained…" (command palette; the explorer on an .onnx or .cnn.json file, which is then
// the backbone): backbone file → where to cut → input convention (.onnx only) → training folder → input size →
// model file, each step cancellable; then the files `cnn transfer` writes (src/node/transfer.ts), the new model in
// the designer, and a message with a Train button. Arguments answer the questions instead (tests, scripts).
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { inferShapes } from '../../model/shapes';
import { resolveCut, TransferError, type InputConvention } from '../../model/transfer';
import { weightsPath } from '../../node/checkpoint/weightsFile';
import { listClassFolders } from '../../node/datasets/imageFolder';
import { backboneWeightsPath, defaultTransferOutput, readBackbone, writeTransfer, type Backbone } from '../../node/transfer';
import { DESIGNER_VIEW_TYPE } from '../editor/provider';
import { asksForConvention, chosenSize, classesProblem, conventionItems, createdMessage, cutItems, sizePrefill, sizeProblem } from './choices';

/** Answers instead of questions; any left out is asked. */
export interface NewFromPretrainedArgs {
  readonly backbone?: string;
  /** A layer name or index (as `cnn transfer --cut`). */
  readonly cut?: string;
  readonly convention?: InputConvention;
  readonly data?: string;
  /** "96" or "96x128"; the backbone's size when absent. */
  readonly inputSize?: string;
  readonly output?: string;
  /** Replace existing files without asking. */
  readonly replace?: boolean;
}

const TITLE = 'New Model from Pretrained';
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Returns the new model's URI, or undefined when cancelled or failed (a message said why). */
export async function newModelFromPretrained(log: vscode.LogOutputChannel, uri?: vscode.Uri, args: NewFromPretrainedArgs = {}): Promise<vscode.Uri | undefined> {
  const backbonePath = args.backbone ?? (uri && isBackboneFile(uri) ? uri.fsPath : await pickBackbone());
  if (!backbonePath) return undefined;
  const backboneFile = basename(backbonePath);
  const fail = (text: string): undefined => {
    void vscode.window.showErrorMessage(text);
    return undefined;
  };

  let backbone: Backbone;
  try {
    backbone = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading ${backboneFile}…` }, async () => {
      // Let the notification show before the (synchronous) import of a large .onnx file holds the host.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return readBackbone(backbonePath);
    });
  } catch (e) {
    if (!(e instanceof TransferError)) log.error(`reading ${backbonePath} as a backbone failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fail(`Cannot use ${backboneFile} as a backbone: ${oneLine(message(e))}`);
  }
  for (const n of backbone.notes) log.info(`${backboneFile}: ${n}`);

  let cut: number | undefined;
  try {
    cut = args.cut !== undefined ? resolveCut(backbone.analysis, args.cut) : await pickCut(backbone, backboneFile);
  } catch (e) {
    return fail(`Cannot cut ${backboneFile}: ${oneLine(message(e))}`);
  }
  if (cut === undefined) return undefined;

  let convention = args.convention;
  if (convention === undefined && asksForConvention(backbonePath, backbone.model.layers)) {
    const picked = await vscode.window.showQuickPick(conventionItems(true), {
      title: `${TITLE}: the input ${backboneFile} was trained on`,
      placeHolder: 'Which pixel values does the backbone expect? (a preprocessing layer in front converts the 0–1 pixels)',
    });
    if (!picked) return undefined;
    convention = picked.convention;
  }

  const data = args.data ?? (await pickDataFolder(backbonePath));
  if (!data) return undefined;
  const folderName = `${basename(data)}/`;
  try {
    const problem = classesProblem(folderName, await listClassFolders(data));
    if (problem) return fail(problem);
  } catch (e) {
    return fail(`Cannot train on ${folderName}: ${oneLine(message(e))}`);
  }

  const shape = backbone.model.input.shape;
  const sizeText =
    args.inputSize ??
    (await vscode.window.showInputBox({
      title: `${TITLE}: input size`,
      prompt: `Height × width the images are resized to (${backboneFile} takes ${sizePrefill(shape)}; a convolutional backbone works at other sizes, smaller trains faster)`,
      value: sizePrefill(shape),
      validateInput: sizeProblem,
    }));
  if (sizeText === undefined) return undefined;
  if (sizeProblem(sizeText)) return fail(`Cannot use the input size "${sizeText}": ${sizeProblem(sizeText)}.`);
  const inputSize = chosenSize(sizeText, shape);

  const output = args.output ?? (await pickOutput(data));
  if (!output) return undefined;
  const modelFile = basename(output);
  // The save dialog asked about the model file itself; the weights beside it are asked about here.
  const companions = [backboneWeightsPath(output), weightsPath(output)].filter((p) => existsSync(p));
  let replace = args.replace ?? args.output === undefined;
  if (companions.length > 0 && args.replace === undefined) {
    const names = companions.map((p) => basename(p));
    const answer = await vscode.window.showWarningMessage(`${names.join(' and ')} ${names.length === 1 ? 'exists' : 'exist'} beside ${modelFile}. Replace ${names.length === 1 ? 'it' : 'them'}?`, { modal: true }, 'Replace');
    if (answer !== 'Replace') return undefined;
    replace = true;
  }

  let written;
  try {
    written = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Writing ${modelFile}…` }, () =>
      writeTransfer({ backbone, dataDir: data, output, ...(inputSize ? { inputSize } : {}), ...(convention ? { convention } : {}), force: replace }, cut),
    );
  } catch (e) {
    if (!(e instanceof TransferError)) log.error(`transfer from ${backbonePath} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return fail(`Cannot create ${modelFile} from ${backboneFile}: ${oneLine(message(e))}`);
  }
  const cutName = backbone.analysis.layers[cut]!.name;
  const text = createdMessage({ modelFile, backboneFile, cutName, frozen: written.frozen, trainable: inferShapes(written.model).totals.trainable, classes: written.classes.length });
  log.info(`${text} Wrote ${written.modelPath} and ${written.weightsPath}.`);
  const model = vscode.Uri.file(written.modelPath);
  await vscode.commands.executeCommand('vscode.openWith', model, DESIGNER_VIEW_TYPE);
  void vscode.window.showInformationMessage(text, 'Train').then((answer) => answer === 'Train' && vscode.commands.executeCommand('cnnStudio.train', model));
  return model;
}

const isBackboneFile = (uri: vscode.Uri): boolean => uri.scheme === 'file' && /\.(onnx|json)$/i.test(uri.path);

/** Messages from the files' readers may span lines (an importer's problems): one line in a notification. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, '; ');

async function pickBackbone(): Promise<string | undefined> {
  const [file] =
    (await vscode.window.showOpenDialog({
      title: `${TITLE}: the pretrained network (an .onnx file, or a trained .cnn.json with its weights beside it)`,
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      openLabel: 'Use as Backbone',
      filters: { 'Pretrained network': ['onnx', 'json'] },
    })) ?? [];
  return file?.fsPath;
}

async function pickCut(backbone: Backbone, backboneFile: string): Promise<number | undefined> {
  const picked = await vscode.window.showQuickPick(cutItems(backbone.analysis), {
    title: `${TITLE}: cut ${backboneFile} after`,
    placeHolder: 'The last backbone layer to keep (frozen); a new head for your classes reads its output',
    matchOnDescription: true,
  });
  return picked?.index;
}

async function pickDataFolder(backbonePath: string): Promise<string | undefined> {
  const [folder] =
    (await vscode.window.showOpenDialog({
      title: `${TITLE}: the training folder (one subfolder of images per class)`,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(dirname(backbonePath)),
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Train on This Folder',
    })) ?? [];
  return folder?.fsPath;
}

async function pickOutput(data: string): Promise<string | undefined> {
  const file = await vscode.window.showSaveDialog({
    title: `${TITLE}: the new model file`,
    defaultUri: vscode.Uri.file(defaultTransferOutput(data)),
    saveLabel: 'Create Model',
    filters: { 'CNN model': ['json'] },
  });
  return file?.fsPath;
}
