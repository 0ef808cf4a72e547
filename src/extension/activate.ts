import * as vscode from 'vscode';
import { registerLanguageFeatures } from './language';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('CNN Studio', { log: true });
  context.subscriptions.push(log);
  registerLanguageFeatures(context);
  log.info('CNN Studio activated');
}

export function deactivate(): void {}
