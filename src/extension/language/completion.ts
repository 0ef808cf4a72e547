// Completion of layer names inside an `inputs` array (inputCompletion.ts decides what to offer), alongside
// the JSON Schema's completion of fields.
import * as vscode from 'vscode';
import { inputCompletions } from './inputCompletion';
import { parsedModel, toRange } from './modelCache';

export const INPUT_TRIGGERS = ['"'];

export const inputCompletionProvider: vscode.CompletionItemProvider = {
  provideCompletionItems(doc, position) {
    const parsed = parsedModel(doc);
    return inputCompletions(doc.getText(), doc.offsetAt(position), parsed).map((c) => {
      const item = new vscode.CompletionItem(c.name, vscode.CompletionItemKind.Reference);
      item.detail = c.detail;
      if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
      item.range = toRange(doc, c.edit);
      item.insertText = c.edit.content;
      item.filterText = c.filterText;
      item.sortText = c.sortText;
      item.additionalTextEdits = c.additionalEdits.map((e) => vscode.TextEdit.replace(toRange(doc, e), e.content));
      return item;
    });
  },
};
