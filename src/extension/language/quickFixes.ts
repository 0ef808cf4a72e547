// Quick fixes where the repair is obvious (fixes.ts decides which): a flatten before a dense that follows a
// 3-D tensor, a misspelt type, field or layer name, "same" padding, a name for a referenced layer, and the
// 1×1 projection of an add's shortcut. Each is one WorkspaceEdit, so one undo step.
import * as vscode from 'vscode';
import { toVscodeDiagnostic } from './diagnostics';
import { fixFor } from './fixes';
import { parsedModel, toRange } from './modelCache';

export const quickFixProvider: vscode.CodeActionProvider = {
  provideCodeActions(doc, range) {
    const parsed = parsedModel(doc);
    const text = doc.getText();
    const actions: vscode.CodeAction[] = [];
    for (const d of parsed.diagnostics) {
      const diagRange = toRange(doc, d.range);
      if (!diagRange.intersection(range) && !diagRange.contains(range)) continue;
      const fix = fixFor(text, parsed, d);
      if (!fix) continue;
      const edit = new vscode.WorkspaceEdit();
      for (const e of fix.edits) edit.replace(doc.uri, toRange(doc, e), e.content);
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.edit = edit;
      action.diagnostics = [toVscodeDiagnostic(doc, d)];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  },
};
