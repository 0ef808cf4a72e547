// Hover, inlay hints, diagnostics, quick fixes and completion of input names in the JSON text editor of a *.cnn.json.
import * as vscode from 'vscode';
import { INPUT_TRIGGERS, inputCompletionProvider } from './completion';
import { registerDiagnostics } from './diagnostics';
import { hoverProvider } from './hover';
import { ShapeInlayHints } from './inlayHints';
import { MODEL_SELECTOR } from './modelCache';
import { quickFixProvider } from './quickFixes';

export function registerLanguageFeatures(context: vscode.ExtensionContext): void {
  const hints = new ShapeInlayHints();
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(MODEL_SELECTOR, hoverProvider),
    vscode.languages.registerCompletionItemProvider(MODEL_SELECTOR, inputCompletionProvider, ...INPUT_TRIGGERS),
    vscode.languages.registerInlayHintsProvider(MODEL_SELECTOR, hints),
    hints,
    vscode.languages.registerCodeActionsProvider(MODEL_SELECTOR, quickFixProvider, {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cnnStudio.inlayHints')) hints.refresh();
    }),
  );
  registerDiagnostics(context);
}
