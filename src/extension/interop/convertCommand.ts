// "Convert to .cnn.json" (the .onnx view's header, its title bar, the explorer): writes the `.onnx`
// file's model and weights beside it as `<name>.cnn.json` + `<name>.safetensors` (asking before replacing them)
// and opens the model in the designer.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { DESIGNER_VIEW_TYPE } from '../editor/provider';
import { INPUT_CONVENTION_LABELS, INPUT_CONVENTIONS, type InputConvention } from '../../model/transfer';
import { asksInputConvention, conversionTargets, existingTargets, withConvention, writeConversion } from './convertOnnx';
import { loadOnnx } from './onnxDocument';
import { conversionProblems, type OnnxModelView } from './onnxView';

export interface ConvertArgs {
  /** Replace existing files without asking (tests, scripts). */
  readonly replace?: boolean;
  /** The input convention of an RGB model, without asking (tests, scripts). */
  readonly convention?: InputConvention;
}

/**
 * "Convert to .cnn.json": writes the model and its weights beside the `.onnx` file and opens the model in the
 * designer. Returns the model's URI, or undefined when it did not convert (the message said why).
 */
export async function convertOnnx(uri: vscode.Uri, state?: OnnxModelView, log?: vscode.LogOutputChannel, args?: ConvertArgs): Promise<vscode.Uri | undefined> {
  const fileName = basename(uri.path);
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Cannot convert ${fileName}: only a file on disk can be converted (this one is ${uri.scheme}:).`);
    return undefined;
  }
  const current = state ?? (await loadOnnx(uri));
  let conversion = current.conversion;
  if (!conversion) {
    void vscode.window.showErrorMessage(`Cannot convert ${fileName}: nothing was written.`, { modal: true, detail: conversionProblems(current.view).join('\n') });
    return undefined;
  }
  const targets = conversionTargets(uri.fsPath);
  const existing = existingTargets(targets).map((p) => basename(p));
  if (existing.length && !args?.replace) {
    const replace = 'Replace';
    const answer = await vscode.window.showWarningMessage(
      `${existing.join(' and ')} ${existing.length === 1 ? 'exists' : 'exist'} beside ${fileName}. Replace ${existing.length === 1 ? 'it' : 'them'}?`,
      { modal: true },
      replace,
    );
    if (answer !== replace) return undefined;
  }
  if (asksInputConvention(conversion)) {
    const convention = args?.convention ?? (await pickConvention(fileName));
    if (!convention) return undefined;
    conversion = withConvention(conversion, convention);
  }
  try {
    await writeConversion(conversion, targets);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot convert ${fileName}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  log?.info(`converted ${uri.fsPath} to ${targets.model} and ${targets.weights}`);
  const model = vscode.Uri.file(targets.model);
  await vscode.commands.executeCommand('vscode.openWith', model, DESIGNER_VIEW_TYPE);
  void vscode.window.showInformationMessage(`Converted ${fileName}: wrote ${basename(targets.model)} and ${basename(targets.weights)}.`);
  return model;
}

/** Which pixels the network was trained on; the answer becomes a preprocessing layer in front. */
async function pickConvention(fileName: string): Promise<InputConvention | undefined> {
  // Files from torch.onnx.export (the common case) expect ImageNet's normalisation.
  const order: InputConvention[] = ['imagenet', ...INPUT_CONVENTIONS.filter((c) => c !== 'imagenet')];
  const picked = await vscode.window.showQuickPick(
    order.map((c) => ({ label: INPUT_CONVENTION_LABELS[c], convention: c })),
    { title: `Convert ${fileName}: what input did the network learn on?`, placeHolder: 'Images come in as pixels 0–1; the choice goes in front of the network as a layer', ignoreFocusOut: true },
  );
  return picked?.convention;
}
