import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('CNN Studio', { log: true });
  context.subscriptions.push(log);
  log.info('CNN Studio activated');
}

export function deactivate(): void {}
