// The one HTML shell of every webview (DESIGN.md §5): strict CSP with a fresh nonce, nothing remote; the bundle
// and its stylesheet come from dist/ only, written into the page under the nonce (webviewShell.ts says why).
// Web components style themselves through constructable stylesheets, which CSP does not treat as inline styles.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { shellHtml, type Asset } from './webviewShell';

/** The only folders a webview may load from. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export interface ShellOptions {
  /** dist/<bundle>.js and dist/<bundle>.css */
  readonly bundle: 'designer' | 'training' | 'onnx';
  readonly title: string;
  readonly loading: string;
  /** JSON the page's script reads at start (shellHtml's `initial`). */
  readonly initial?: unknown;
  /** `data-*` attributes of the page's <main> (shellHtml's `dataset`). */
  readonly dataset?: Readonly<Record<string, string>>;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: ShellOptions): string {
  const asset = (file: string): Asset => {
    const uri = vscode.Uri.joinPath(extensionUri, 'dist', file);
    const href = webview.asWebviewUri(uri).toString();
    // Read on every page (a few hundred kB from the page cache), so a rebuilt dist/ shows at the next open.
    try {
      return { text: readFileSync(uri.fsPath, 'utf8'), href };
    } catch {
      return { href };
    }
  };
  return shellHtml({
    nonce: randomBytes(18).toString('base64'),
    cspSource: webview.cspSource,
    title: options.title,
    loading: options.loading,
    script: asset(`${options.bundle}.js`),
    style: asset(`${options.bundle}.css`),
    ...(options.initial !== undefined ? { initial: options.initial } : {}),
    ...(options.dataset ? { dataset: options.dataset } : {}),
  });
}
