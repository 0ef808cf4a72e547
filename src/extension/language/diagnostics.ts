// Problems of every open *.cnn.json, at exact ranges, recomputed while typing (debounced). Errors and the
// shape function's warnings (e.g. a dead branch) keep their severity. Files the model names beside itself are
// checked too (fileChecks.ts), again when a .safetensors file appears or goes.
import * as vscode from 'vscode';
import type { ModelDiagnostic } from '../../model/diagnostics';
import { fileDiagnostics } from './fileChecks';
import { isModelDocument, parsedModel, toRange } from './modelCache';

const DEBOUNCE_MS = 250;

export function toVscodeDiagnostic(doc: vscode.TextDocument, d: ModelDiagnostic): vscode.Diagnostic {
  const diag = new vscode.Diagnostic(
    toRange(doc, d.range),
    d.message,
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'CNN Studio';
  diag.code = d.code;
  // Shown faded, as VS Code shows unused code: the layer runs but nothing reaches the output, or the field does nothing.
  if (d.code === 'dead-branch' || d.code === 'no-effect') diag.tags = [vscode.DiagnosticTag.Unnecessary];
  return diag;
}

export function registerDiagnostics(context: vscode.ExtensionContext): void {
  const collection = vscode.languages.createDiagnosticCollection('cnn-studio');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const update = (doc: vscode.TextDocument) => {
    if (!isModelDocument(doc)) return;
    const parsed = parsedModel(doc);
    // Only a file on disk has a folder for its relative paths (not an untitled or remote document).
    const onDisk = doc.uri.scheme === 'file' ? fileDiagnostics(doc.uri.fsPath, parsed) : [];
    collection.set(doc.uri, [...parsed.diagnostics, ...onDisk].map((d) => toVscodeDiagnostic(doc, d)));
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isModelDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      update(doc);
    }, DEBOUNCE_MS));
  };
  const weights = vscode.workspace.createFileSystemWatcher('**/*.safetensors', false, true, false);
  const refreshAll = () => vscode.workspace.textDocuments.forEach(schedule);
  context.subscriptions.push(
    collection,
    weights,
    weights.onDidCreate(refreshAll),
    weights.onDidDelete(refreshAll),
    // Scheduled, not at once: VS Code opens the document in this host just before it asks the designer for its
    // page, which then waits for the parse (DenseNet-121: 15–50 ms); the designer's first view parses the text a
    // moment later, and the diagnostics then take that parse.
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      collection.delete(doc.uri);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  vscode.workspace.textDocuments.forEach(update);
}
