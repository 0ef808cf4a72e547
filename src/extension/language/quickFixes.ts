// Quick fixes where the repair is obvious: add a flatten before a dense that follows a 3-D tensor,
// replace a misspelt type or field with the suggestion, switch padding to "same" when a kernel does not fit.
import { modify } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { ModelDiagnostic } from '../../model/diagnostics';
import { parsedModel, toRange } from './modelCache';

export const quickFixProvider: vscode.CodeActionProvider = {
  provideCodeActions(doc, range) {
    const parsed = parsedModel(doc);
    const actions: vscode.CodeAction[] = [];
    for (const d of parsed.diagnostics) {
      const diagRange = toRange(doc, d.range);
      if (!diagRange.intersection(range) && !diagRange.contains(range)) continue;
      const action = fixFor(doc, d);
      if (!action) continue;
      const diagnostic = new vscode.Diagnostic(diagRange, d.message, vscode.DiagnosticSeverity.Error);
      diagnostic.code = d.code;
      diagnostic.source = 'CNN Studio';
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  },
};

function fixFor(doc: vscode.TextDocument, d: ModelDiagnostic): vscode.CodeAction | undefined {
  const text = doc.getText();
  const edit = new vscode.WorkspaceEdit();
  switch (d.code) {
    case 'unknown-type':
    case 'unknown-field': {
      if (!d.suggestion) return undefined;
      edit.replace(doc.uri, toRange(doc, d.range), JSON.stringify(d.suggestion));
      return action(`Change to "${d.suggestion}"`, edit);
    }
    case 'needs-flatten': {
      const layer = d.layerIndex !== undefined ? parsedModel(doc).layers[d.layerIndex] : undefined;
      if (!layer) return undefined;
      // Insert on its own line with the layer's indentation, keeping the file's one-layer-per-line style.
      const lineStart = text.lastIndexOf('\n', layer.range.offset - 1) + 1;
      const before = text.slice(lineStart, layer.range.offset);
      const separator = /^\s*$/.test(before) ? `,\n${before}` : ', ';
      edit.insert(doc.uri, doc.positionAt(layer.range.offset), `{ "type": "flatten" }${separator}`);
      return action('Insert a flatten layer before this dense layer', edit);
    }
    case 'kernel-too-large': {
      if (d.layerIndex === undefined) return undefined;
      const edits = modify(text, ['layers', d.layerIndex, 'padding'], 'same', { formattingOptions: { insertSpaces: true, tabSize: 2 } });
      for (const e of edits) edit.replace(doc.uri, toRange(doc, e), e.content);
      return action('Use "same" padding', edit);
    }
    default:
      return undefined;
  }
}

function action(title: string, edit: vscode.WorkspaceEdit): vscode.CodeAction {
  const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  a.edit = edit;
  return a;
}
