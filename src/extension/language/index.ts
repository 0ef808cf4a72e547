// Hover, inlay hints, diagnostics and quick fixes in the JSON text editor of a *.cnn.json.
import * as vscode from 'vscode';
import { registerDiagnostics } from './diagnostics';
import { hoverProvider } from './hover';
import { ShapeInlayHints } from './inlayHints';
import { MODEL_SELECTOR } from './modelCache';
import { quickFixProvider } from './quickFixes';

export function registerLanguageFeatures(context: vscode.ExtensionContext): void {
  const hints = new ShapeInlayHints();
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(MODEL_SELECTOR, hoverProvider),
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
