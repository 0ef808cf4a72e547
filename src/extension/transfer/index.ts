// Transfer learning's registration: "CNN: New Model from Pretrained…". activate.ts calls registerTransfer(context, log).
import * as vscode from 'vscode';
import { newModelFromPretrained, type NewFromPretrainedArgs } from './newFromPretrained';

export function registerTransfer(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('cnnStudio.newModelFromPretrained', (uri?: unknown, args?: unknown) =>
      // From the explorer the second argument is the list of selected files, not answers.
      newModelFromPretrained(log, uri instanceof vscode.Uri ? uri : undefined, isArgs(args) ? args : undefined),
    ),
  );
}

const isArgs = (arg: unknown): arg is NewFromPretrainedArgs => typeof arg === 'object' && arg !== null && !Array.isArray(arg) && !(arg instanceof vscode.Uri);
