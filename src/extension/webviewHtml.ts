// The one HTML shell of every webview (DESIGN.md §5), shellHtml (webviewShell.ts) with VS Code's parts:
// a fresh nonce, the bundle and its stylesheet from dist/ only. Web components style themselves through
// constructable stylesheets, which CSP does not treat as inline styles.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { shellHtml } from './webviewShell';

/** The only folders a webview may load from. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export interface ShellOptions {
  /** dist/<bundle>.js and dist/<bundle>.css */
  readonly bundle: 'designer' | 'training' | 'onnx';
  readonly title: string;
  readonly loading: string;
  /** `data-*` attributes of the page's <main> (shellHtml's `dataset`). */
  readonly dataset?: Readonly<Record<string, string>>;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: ShellOptions): string {
  const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', file)).toString();
  return shellHtml({
    nonce: randomBytes(18).toString('base64'),
    cspSource: webview.cspSource,
    title: options.title,
    loading: options.loading,
    script: asset(`${options.bundle}.js`),
    style: asset(`${options.bundle}.css`),
    ...(options.dataset ? { dataset: options.dataset } : {}),
  });
}
