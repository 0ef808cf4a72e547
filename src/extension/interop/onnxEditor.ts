// `.onnx` files open in the designer, read-only: a CustomReadonlyEditorProvider over OnnxDocument. The webview
// is the designer's own bundle, which sees `view.readOnly` and offers no editing gesture; the host accepts only
// the handshake and "Convert to .cnn.json" (onnxGuard.ts).
import * as vscode from 'vscode';
import { Endpoint, assertNever } from '../../protocol/endpoint';
import { handshake, type HostMessage, type IntentReply } from '../../protocol/designer';
import { webviewHtml, webviewResourceRoots } from '../webviewHtml';
import { convertOnnx } from './convertCommand';
import { OnnxDocument } from './onnxDocument';
import { guardReadOnlyMessage, type ReadOnlyMessage } from './onnxGuard';

export const ONNX_VIEW_TYPE = 'cnnStudio.onnxViewer';

/** Nothing edits a read-only model, so its views name no document version (edit intents are refused anyway). */
const NO_DOCUMENT_VERSION = 0;

export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider<OnnxDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: vscode.LogOutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): Promise<OnnxDocument> {
    return OnnxDocument.open(uri);
  }

  resolveCustomEditor(document: OnnxDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(this.extensionUri) };
    webview.html = webviewHtml(webview, this.extensionUri, { bundle: 'designer', title: 'CNN Designer (read-only)', loading: 'Importing the ONNX model…' });

    let ready = false;
    const endpoint: Endpoint<HostMessage, ReadOnlyMessage> = new Endpoint({
      transport: { post: (env) => void webview.postMessage(env) },
      guard: guardReadOnlyMessage,
      handle: (msg) => {
        switch (msg.type) {
          case 'ready': {
            const first = handshake(msg, document.state.view, NO_DOCUMENT_VERSION);
            endpoint.notify(first);
            ready = first.type === 'init';
            return undefined;
          }
          case 'convertToModel':
            if (!ready) throw new Error('the designer has not completed its handshake');
            return convertOnnx(document.uri, document.state, this.log).then((m): IntentReply => ({ applied: m !== undefined }));
          default:
            return assertNever(msg);
        }
      },
      onDrop: (reason) => this.log?.warn(`onnx viewer: dropped message from webview: ${reason}`),
    });
    const changed = document.onDidChange((view) => {
      if (ready) endpoint.notify({ type: 'update', documentVersion: NO_DOCUMENT_VERSION, view });
    });
    const received = webview.onDidReceiveMessage((raw: unknown) => endpoint.receive(raw));
    const disposed = panel.onDidDispose(() => {
      endpoint.dispose();
      changed.dispose();
      received.dispose();
      disposed.dispose();
    });
  }
}
