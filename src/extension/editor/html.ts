// The designer's HTML shell (DESIGN.md §5): strict CSP with a fresh nonce, nothing inline, nothing remote.
// Styles are dist/webview.css (bundled from webview/styles); web components style themselves through
// constructable stylesheets, which CSP does not treat as inline styles.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The only folders a designer webview may load from. */
export function designerResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function designerHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>CNN Designer</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading designer…</p></main>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}
