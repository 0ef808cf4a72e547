// The training view's HTML shell (DESIGN.md §5): strict CSP with a fresh nonce, nothing inline, nothing
// remote; the bundle and its stylesheet come from dist/ only. (The designer's shell in editor/html.ts is
// fixed to its own bundle; this is the same policy for dist/training.js.)
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function trainingResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function trainingHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('training.css')}">
<title>${esc}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading training view…</p></main>
<script nonce="${nonce}" src="${asset('training.js')}"></script>
</body>
</html>`;
}
