// The one HTML shell of every webview (DESIGN.md §5): strict CSP with a fresh nonce, nothing inline,
// nothing remote; the bundle and its stylesheet come from dist/ only. Web components style themselves
// through constructable stylesheets, which CSP does not treat as inline styles.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The only folders a webview may load from. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export interface ShellOptions {
  /** dist/<bundle>.js and dist/<bundle>.css */
  readonly bundle: 'designer' | 'training' | 'onnx';
  readonly title: string;
  readonly loading: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: ShellOptions): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${options.bundle}.css`)}">
<title>${esc(options.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">${esc(options.loading)}</p></main>
<script nonce="${nonce}" src="${asset(`${options.bundle}.js`)}"></script>
</body>
</html>`;
}
