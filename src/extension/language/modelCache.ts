// One parse per document version, shared by hover, inlay hints, diagnostics, quick fixes and the designer.
import * as vscode from 'vscode';
import { parseModelText, type ParsedModel } from '../../model/parse';

export const MODEL_SELECTOR: vscode.DocumentSelector = [
  { language: 'json', pattern: '**/*.cnn.json' },
  { language: 'jsonc', pattern: '**/*.cnn.json' },
];

export function isModelDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith('.cnn.json');
}

const cache = new WeakMap<vscode.TextDocument, { version: number; parsed: ParsedModel }>();

export function parsedModel(doc: vscode.TextDocument): ParsedModel {
  const hit = cache.get(doc);
  if (hit && hit.version === doc.version) return hit.parsed;
  const parsed = parsedText(doc.getText());
  cache.set(doc, { version: doc.version, parsed });
  return parsed;
}

let last: { readonly text: string; readonly parsed: ParsedModel } | undefined;

/**
 * The parse of `text`, kept for the next caller with the same text: a document opened in the designer is
 * parsed once for its diagnostics and its first view, and a keystroke once for the designer's view and the
 * diagnostics that follow it.
 */
export function parsedText(text: string): ParsedModel {
  if (last?.text !== text) last = { text, parsed: parseModelText(text) };
  return last.parsed;
}

export function toRange(doc: vscode.TextDocument, range: { offset: number; length: number }): vscode.Range {
  return new vscode.Range(doc.positionAt(range.offset), doc.positionAt(range.offset + range.length));
}
