// Shared by the in-host tests: open a model of the workspace (a temp copy of examples/) and wait for things.
import * as vscode from 'vscode';

export async function waitFor<T>(get: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function openModel(name: string): Promise<vscode.TextEditor> {
  const [uri] = await vscode.workspace.findFiles(`**/${name}`, undefined, 1);
  if (!uri) throw new Error(`${name} is not in the workspace`);
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc);
}

export function positionOf(doc: vscode.TextDocument, needle: string, nth = 0): vscode.Position {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = doc.getText().indexOf(needle, at + 1);
  if (at < 0) throw new Error(`"${needle}" not in ${doc.uri.path}`);
  return doc.positionAt(at + 1);
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}
