// `.onnx` files open in their own read-only view (webview/onnx/): a CustomReadonlyEditorProvider over
// OnnxDocument. The host accepts only the handshake and "Convert to .cnn.json" (protocol/onnxView.ts).
import * as vscode from 'vscode';
import { Endpoint, assertNever } from '../../protocol/endpoint';
import { guardOnnxWebviewMessage, onnxHandshake, type OnnxConvertReply, type OnnxHostMessage, type OnnxWebviewMessage } from '../../protocol/onnxView';
import { webviewHtml, webviewResourceRoots } from '../webviewHtml';
import { convertOnnx } from './convertCommand';
import { OnnxDocument } from './onnxDocument';

export const ONNX_VIEW_TYPE = 'cnnStudio.onnxViewer';

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
    webview.html = webviewHtml(webview, this.extensionUri, { bundle: 'onnx', title: 'ONNX model (read-only)', loading: 'Reading the ONNX model…' });

    let ready = false;
    const endpoint: Endpoint<OnnxHostMessage, OnnxWebviewMessage> = new Endpoint({
      transport: { post: (env) => void webview.postMessage(env) },
      guard: guardOnnxWebviewMessage,
      handle: (msg) => {
        switch (msg.type) {
          case 'ready': {
            const first = onnxHandshake(msg, document.state.view);
            endpoint.notify(first);
            ready = first.type === 'init';
            return undefined;
          }
          case 'convert':
            if (!ready) throw new Error('the view has not completed its handshake');
            return convertOnnx(document.uri, document.state, this.log).then((m): OnnxConvertReply => ({ converted: m !== undefined }));
          default:
            return assertNever(msg);
        }
      },
      onDrop: (reason) => this.log?.warn(`onnx view: dropped message from webview: ${reason}`),
    });
    const changed = document.onDidChange((view) => {
      if (ready) endpoint.notify({ type: 'update', view });
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
