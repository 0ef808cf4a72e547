// "CNN: Export Model…" (command palette, explorer, the designer's title bar): pick a format, then where it goes
// (beside the model by default: a save dialog for a file, a folder for PyTorch), export with progress, and say
// what was written with "Reveal" / "Open Folder". The export reads the saved file: unsaved changes are saved
// first, after asking. The export itself is src/node/exportModel.ts, shared with `cnn export`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { defaultExportPath, exportModel, EXPORT_FORMATS, ExportError } from '../../node/exportModel';
import { activeTabUri } from '../editor';
import { FORMAT_CHOICES, exportedMessage, folderOutput, modelForExport, revealTarget, unsupportedReason, type FormatChoice, type FormatName } from './exportChoices';

/** For tests and scripts: no questions asked. */
export interface ExportArgs {
  readonly format: FormatName;
  /** The file (ONNX, Keras) or folder (PyTorch) to write; default beside the model. */
  readonly output?: string;
}

/** Returns the files written (undefined when cancelled or failed: the message said why). */
export async function exportModelCommand(log: vscode.LogOutputChannel, uri?: vscode.Uri, args?: ExportArgs): Promise<readonly string[] | undefined> {
  const target = uri instanceof vscode.Uri ? uri : activeTabUri();
  if (!target || !/\.cnn\.json$/i.test(target.path)) {
    void vscode.window.showInformationMessage('CNN: Export Model… exports a .cnn.json model: open one (or right-click it in the explorer) first.');
    return undefined;
  }
  const fileName = basename(target.path);
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Cannot export ${fileName}: only a model saved on disk can be exported (this one is ${target.scheme}:).`);
    return undefined;
  }
  if (!(await savedFirst(target, fileName, args !== undefined))) return undefined;

  const choice = args ? FORMAT_CHOICES.find((c) => c.format === args.format) : await pickFormat(fileName);
  if (!choice) return undefined;
  const unsupported = unsupportedReason(choice, EXPORT_FORMATS);
  if (unsupported) {
    void vscode.window.showErrorMessage(unsupported);
    return undefined;
  }

  const modelPath = target.fsPath;
  let text: string;
  try {
    text = await readFile(modelPath, 'utf8');
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot read ${fileName}: ${message(e)}`);
    return undefined;
  }
  const checked = modelForExport(text, fileName);
  if ('error' in checked) {
    void vscode.window.showErrorMessage(checked.error);
    return undefined;
  }

  const format = choice.format as (typeof EXPORT_FORMATS)[number];
  const output = args ? (args.output ?? defaultExportPath(modelPath, format)) : await pickOutput(choice, modelPath, defaultExportPath(modelPath, format));
  if (!output) return undefined;
  if (!args && choice.output === 'folder' && !(await replaceFolderContents(output))) return undefined;

  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting ${fileName} as ${choice.label}…` },
      () => exportModel({ modelPath, model: checked.model, format, output }),
    );
    log.info(`export: ${result.summary}`);
    for (const n of result.notes) log.info(`export: ${n}`);
    void announce(fileName, choice, result.files, result.warnings, output);
    return result.files;
  } catch (e) {
    if (!(e instanceof ExportError)) log.error(`export of ${modelPath} as ${choice.format} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void vscode.window.showErrorMessage(`Export of ${fileName} as ${choice.label} failed: ${message(e)}`);
    return undefined;
  }
}

/**
 * The export reads the file on disk, so unsaved edits would silently be left out: ask to save them first
 * (scripts with arguments get an error instead of a dialog).
 */
async function savedFirst(uri: vscode.Uri, fileName: string, noQuestions: boolean): Promise<boolean> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!doc?.isDirty) return true;
  if (noQuestions) {
    void vscode.window.showErrorMessage(`${fileName} has unsaved changes: save it before exporting (the export reads the saved file).`);
    return false;
  }
  const save = 'Save and Export';
  const answer = await vscode.window.showWarningMessage(
    `${fileName} has unsaved changes.`,
    { modal: true, detail: 'The export reads the saved file: save the changes first to include them.' },
    save,
  );
  if (answer !== save) return false;
  if (!(await doc.save())) {
    void vscode.window.showErrorMessage(`${fileName} could not be saved: nothing was exported.`);
    return false;
  }
  return true;
}

async function pickFormat(fileName: string): Promise<FormatChoice | undefined> {
  return vscode.window.showQuickPick(FORMAT_CHOICES, { title: `CNN: Export ${fileName}`, placeHolder: 'Export as…' });
}

async function pickOutput(choice: FormatChoice, modelPath: string, defaultPath: string): Promise<string | undefined> {
  const title = `Export ${basename(modelPath)} as ${choice.label}`;
  if (choice.output === 'folder') {
    const [parent] =
      (await vscode.window.showOpenDialog({
        title: `${title}: the folder to create ${basename(defaultPath)}/ in`,
        defaultUri: vscode.Uri.file(dirname(modelPath)),
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: `Export into ${basename(defaultPath)}/`,
      })) ?? [];
    return parent ? folderOutput(parent.fsPath, defaultPath) : undefined;
  }
  const extension = choice.format === 'onnx' ? 'onnx' : 'py';
  const file = await vscode.window.showSaveDialog({
    title,
    defaultUri: vscode.Uri.file(defaultPath),
    saveLabel: 'Export',
    filters: choice.format === 'onnx' ? { 'ONNX model': [extension] } : { Python: [extension] },
  });
  return file?.fsPath;
}

/** A folder export replaces model.py and train.py: ask when they are there (a save dialog asks for files). */
async function replaceFolderContents(folder: string): Promise<boolean> {
  const present = ['model.py', 'train.py'].filter((f) => existsSync(join(folder, f)));
  if (present.length === 0) return true;
  const replace = 'Replace';
  const answer = await vscode.window.showWarningMessage(`${basename(folder)}/ already has ${present.join(' and ')}. Replace ${present.length === 1 ? 'it' : 'them'}?`, { modal: true }, replace);
  return answer === replace;
}

async function announce(fileName: string, choice: FormatChoice, files: readonly string[], warnings: readonly string[], output: string): Promise<void> {
  const display = (p: string): string => vscode.workspace.asRelativePath(p, false);
  const text = exportedMessage(fileName, choice.label, files, warnings, display);
  const reveal = 'Reveal';
  const openFolder = 'Open Folder';
  const answer = await vscode.window.showInformationMessage(text, reveal, openFolder);
  const shown = vscode.Uri.file(revealTarget(files, choice.output, output));
  if (answer === reveal) {
    // In the explorer when it is in the workspace; else in the system's file manager.
    const inside = vscode.workspace.getWorkspaceFolder(shown) !== undefined;
    await vscode.commands.executeCommand(inside ? 'revealInExplorer' : 'revealFileInOS', shown);
  } else if (answer === openFolder) {
    // The folder itself in the system's file manager.
    await vscode.env.openExternal(choice.output === 'folder' ? shown : vscode.Uri.file(dirname(shown.fsPath)));
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
