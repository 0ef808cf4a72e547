// Interop's registrations: "CNN: Export Model…", the read-only view of `.onnx` files and its "Convert to
// .cnn.json". activate.ts calls registerInterop(context, log).
import * as vscode from 'vscode';
import { activeTabUri } from '../editor';
import { convertOnnx, type ConvertArgs } from './convertCommand';
import { exportModelCommand, type ExportArgs } from './exportCommand';
import { ONNX_VIEW_TYPE, OnnxEditorProvider } from './onnxEditor';

export { ONNX_VIEW_TYPE } from './onnxEditor';

export function registerInterop(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(ONNX_VIEW_TYPE, new OnnxEditorProvider(context.extensionUri, log), { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand('cnnStudio.exportModel', (uri?: unknown, args?: unknown) =>
      exportModelCommand(log, uri instanceof vscode.Uri ? uri : undefined, options<ExportArgs>(args)),
    ),
    vscode.commands.registerCommand('cnnStudio.convertOnnx', (uri?: unknown, args?: unknown) => {
      const target = uri instanceof vscode.Uri ? uri : activeTabUri();
      if (!target || !/\.onnx$/i.test(target.path)) {
        void vscode.window.showInformationMessage('CNN: Convert to .cnn.json converts an .onnx model: open one (or right-click it in the explorer) first.');
        return undefined;
      }
      return convertOnnx(target, undefined, log, options<ConvertArgs>(args));
    }),
  );
}

/** A command's options object; the explorer passes the selected URIs in that place instead. */
function options<T extends object>(arg: unknown): T | undefined {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !(arg instanceof vscode.Uri) ? (arg as T) : undefined;
}
