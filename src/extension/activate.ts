import * as vscode from 'vscode';
import { registerDesigner } from './editor';
import { registerInterop } from './interop';
import { registerLanguageFeatures } from './language';
import { registerTraining } from './training';
import { registerTransfer } from './transfer';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('CNN Studio', { log: true });
  context.subscriptions.push(log);
  registerLanguageFeatures(context);
  registerDesigner(context, log);
  registerTraining(context, log);
  registerInterop(context, log);
  registerTransfer(context, log);
  log.info('CNN Studio activated');
}

export function deactivate(): void {}
