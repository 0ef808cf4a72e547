// An inlay hint after each layer object with its output shape (setting cnnStudio.inlayHints.enabled).
import * as vscode from 'vscode';
import { inlayText } from './describe';
import { parsedModel } from './modelCache';

export class ShapeInlayHints implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!vscode.workspace.getConfiguration('cnnStudio', doc.uri).get<boolean>('inlayHints.enabled', true)) return [];
    const parsed = parsedModel(doc);
    const hints: vscode.InlayHint[] = [];
    for (const info of parsed.analysis?.layers ?? []) {
      const node = parsed.layers[info.index];
      if (!node) continue;
      const end = doc.positionAt(node.range.offset + node.range.length);
      if (!range.contains(end)) continue;
      const hint = new vscode.InlayHint(end, inlayText(info), vscode.InlayHintKind.Type);
      hint.paddingLeft = true;
      hints.push(hint);
    }
    return hints;
  }
}
