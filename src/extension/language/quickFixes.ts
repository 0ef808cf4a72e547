// Quick fixes where the repair is obvious: add a flatten before a dense that follows a 3-D tensor,
// replace a misspelt type or field with the suggestion, switch padding to "same" when a kernel does not fit.
import * as vscode from 'vscode';
import { assertNever } from '../../model/assertNever';
import type { ModelDiagnostic } from '../../model/diagnostics';
import { intentEdit, type EditIntent, type TextEdit } from '../editor/edits';
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
  switch (d.code) {
    case 'unknown-type':
    case 'unknown-field': {
      if (!d.suggestion) return undefined;
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, toRange(doc, d.range), JSON.stringify(d.suggestion));
      return action(`Change to "${d.suggestion}"`, edit);
    }
    case 'needs-flatten':
      if (d.layerIndex === undefined) return undefined;
      return designerEdit(doc, 'Insert a flatten layer before this dense layer', { type: 'insertLayer', index: d.layerIndex, layerType: 'flatten' });
    case 'kernel-too-large':
      if (d.layerIndex === undefined) return undefined;
      return designerEdit(doc, 'Use "same" padding', { type: 'editField', path: ['layers', d.layerIndex, 'padding'], value: 'same' });
    // No one-step fix: the message says what to change. Listed so a new code is a decision here.
    case 'syntax':
    case 'encoding':
    case 'too-deep':
    case 'not-object':
    case 'missing-field':
    case 'wrong-type':
    case 'out-of-range':
    case 'needs-spatial':
    case 'too-large':
    case 'bad-input':
      return undefined;
    default:
      return assertNever(d.code, 'diagnostic code');
  }
}

/** The same minimal, style-keeping text edit the designer makes for that gesture. */
function designerEdit(doc: vscode.TextDocument, title: string, intent: EditIntent): vscode.CodeAction | undefined {
  let change: TextEdit | undefined;
  try {
    change = intentEdit(doc.getText(), intent);
  } catch {
    return undefined; // the text cannot take the edit (e.g. a syntax error elsewhere): no fix offered
  }
  if (!change) return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, toRange(doc, change), change.content);
  return action(title, edit);
}

function action(title: string, edit: vscode.WorkspaceEdit): vscode.CodeAction {
  const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  a.edit = edit;
  return a;
}
