// The document of the .onnx view: the file's graph inspected in memory (onnxView.ts), reloaded when the file
// changes on disk. Any failure to read it is a one-line view, never an editor that throws.
import { MAX_ONNX_BYTES } from '../../node/files';
import { externalDataReader } from '../../node/onnxExternalData';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { OnnxView } from '../../protocol/onnxView';
import { onnxModelView, unreadableOnnxView, type OnnxModelView } from './onnxView';


/** The file's graph as inspected now; listeners hear of every reload. */
export class OnnxDocument implements vscode.CustomDocument {
  private readonly listeners = new Set<(view: OnnxView) => void>();
  private readonly watcher: vscode.FileSystemWatcher;
  private reloadTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly uri: vscode.Uri,
    public state: OnnxModelView,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), basename(uri.path)));
    const reload = (): void => {
      // One reload for the burst of events a write gives.
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), 150);
    };
    this.watcher.onDidChange(reload);
    this.watcher.onDidCreate(reload);
  }

  static async open(uri: vscode.Uri): Promise<OnnxDocument> {
    return new OnnxDocument(uri, await loadOnnx(uri));
  }

  onDidChange(listener: (view: OnnxView) => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private async reload(): Promise<void> {
    this.state = await loadOnnx(this.uri);
    for (const l of this.listeners) l(this.state.view);
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    this.watcher.dispose();
    this.listeners.clear();
  }
}

/** Reads and inspects the file; any failure is a one-line view, never a thrown editor. */
export async function loadOnnx(uri: vscode.Uri): Promise<OnnxModelView> {
  const fileName = basename(uri.path);
  try {
    const { size } = await vscode.workspace.fs.stat(uri);
    if (size > MAX_ONNX_BYTES) return unreadableOnnxView(fileName, `the file is ${size} bytes: an ONNX file cannot exceed 2 GiB (protobuf's limit; big models keep their weights in files beside it)`);
    // Weights kept in files beside the model are read from its folder (local files only).
    return onnxModelView(await vscode.workspace.fs.readFile(uri), fileName, uri.scheme === 'file' ? externalDataReader(uri.fsPath) : undefined);
  } catch (e) {
    return unreadableOnnxView(fileName, `cannot read the file: ${e instanceof Error ? e.message : String(e)}`);
  }
}
