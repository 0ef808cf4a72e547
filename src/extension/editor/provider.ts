// The designer: a CustomTextEditorProvider, so the TextDocument stays the one source of truth and VS Code
// provides save, revert, dirty, undo and hot exit (DESIGN.md §5). Each panel gets one Endpoint; every
// panel of a document shares one DocumentSync. This is the only vscode-dependent part of the designer.
import { totalmem } from 'node:os';
import * as vscode from 'vscode';
import { LAYER_TYPES } from '../../model/spec';
import { Endpoint, assertNever } from '../../protocol/endpoint';
import { isEditIntent, type CommandIntent, type HostMessage, type IntentReply } from '../../protocol/designer';
import { guardWebviewMessage, type GuardedMessage } from '../../protocol/designerGuard';
import type { TextEdit } from './edits';
import { webviewHtml, webviewResourceRoots } from '../webviewHtml';
import { layerAt, layerRange } from './layerRange';
import { SyncRegistry, type PanelSink, type SyncedDocument } from './sync';
import { parsedText } from '../language/modelCache';
import { buildView } from './viewModel';

export const DESIGNER_VIEW_TYPE = 'cnnStudio.designer';
/** When the first view is built, in ms after VS Code asked for the editor (its page asks for it a few hundred ms later). */
const EARLY_VIEW_MS = 150;

export class DesignerProvider implements vscode.CustomTextEditorProvider {
  private readonly registry = new SyncRegistry((key, text) => buildView(text, modelNameFromUri(key), totalmem(), parsedText(text)));

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log?: vscode.LogOutputChannel,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const resolvedAt = Date.now();
    const webview = panel.webview;
    const key = document.uri.toString();
    const sync = this.registry.getOrCreate(key, (created) => {
      // One change listener per document, however many panels show it.
      const sub = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === key) created.changed(e.document.getText(), e.document.version, e.contentChanges.length);
      });
      return () => sub.dispose();
    });
    const doc = syncedDocument(document);
    // For the e2e's open-to-drawn record: when VS Code asked for the editor (epoch ms).
    const dataset = { 'host-resolved-at': String(resolvedAt) };
    webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(this.extensionUri) };
    webview.html = webviewHtml(webview, this.extensionUri, { bundle: 'designer', title: 'CNN Designer', loading: 'Loading designer…', dataset });
    // The first view is built while the page loads, so that `ready` finds it made (DenseNet-121's: 20–60 ms).
    // Not at once: VS Code creates the page after this returns, and talks to this host meanwhile; a view built
    // right away started DenseNet-121's page about 80 ms later. By this delay the page has not asked yet.
    const early = setTimeout(() => sync.view(document.getText()), EARLY_VIEW_MS);

    let ready = false;
    const endpoint: Endpoint<HostMessage, GuardedMessage> = new Endpoint({
      transport: { post: (env) => void webview.postMessage(env) },
      guard: (raw) => {
        const view = sync.view(document.getText());
        return guardWebviewMessage(raw, {
          documentVersion: document.version,
          layerCount: view.layers.length,
          layerTypes: LAYER_TYPES,
          inputCounts: view.rows.map((r) => r.explicitInputs),
        });
      },
      handle: (msg) => {
        if (msg.type === 'ready') {
          const first = sync.ready(sink, msg, document.getText(), document.version);
          endpoint.notify(first);
          ready = first.type === 'init';
          return undefined;
        }
        if (!ready) throw new Error('the designer has not completed its handshake');
        if (msg.type === 'stale' || isEditIntent(msg)) return sync.edit(doc, msg, sink);
        return sync.enqueue(() => this.runCommand(document, panel, msg));
      },
      onDrop: (reason) => this.log?.warn(`designer: dropped message from webview: ${reason}`),
    });

    const sink: PanelSink = { isReady: () => ready, post: (m) => endpoint.notify(m) };
    const detach = sync.attach(sink);
    const received = webview.onDidReceiveMessage((raw: unknown) => endpoint.receive(raw));
    // The cursor of a text editor of this document moved (by a person: not the selection revealLayer set):
    // the designer selects the layer under it.
    const cursor = vscode.window.onDidChangeTextEditorSelection((e) => {
      if (!ready || e.textEditor.document.uri.toString() !== key || e.kind === vscode.TextEditorSelectionChangeKind.Command || e.kind === undefined) return;
      const index = layerAt(document.getText(), document.offsetAt(e.selections[0]!.active));
      if (index !== undefined) endpoint.notify({ type: 'select', index });
    });
    const disposed = panel.onDidDispose(() => {
      clearTimeout(early);
      endpoint.dispose();
      detach();
      received.dispose();
      cursor.dispose();
      disposed.dispose();
    });
  }

  private async runCommand(document: vscode.TextDocument, panel: vscode.WebviewPanel, msg: CommandIntent): Promise<IntentReply> {
    switch (msg.type) {
      case 'openAsText':
        await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', panel.viewColumn);
        return { applied: true };
      case 'revealLayer':
        return { applied: revealLayer(document, msg.index) };
      case 'exportImage':
        return { applied: await exportImage(document, msg.format, msg.data) };
      case 'runCommand': {
        // Training may not be installed in this build: say so instead of failing silently.
        const known = await vscode.commands.getCommands(true);
        if (!known.includes(msg.command)) throw new Error(`"${msg.command}" is not available in this version of CNN Studio`);
        await vscode.commands.executeCommand(msg.command, document.uri);
        return { applied: true };
      }
      default:
        return assertNever(msg);
    }
  }
}

/** Selects layer `index`'s text in every visible text editor of the document, without taking the focus. */
function revealLayer(document: vscode.TextDocument, index: number): boolean {
  const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === document.uri.toString());
  if (editors.length === 0) return false;
  const found = layerRange(document.getText(), index);
  if (!found) return false;
  const range = new vscode.Range(document.positionAt(found.offset), document.positionAt(found.offset + found.length));
  for (const editor of editors) {
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  return true;
}

/** Asks where to save the diagram (beside the model by default) and writes it; false when cancelled. */
async function exportImage(document: vscode.TextDocument, format: 'svg' | 'png', data: string): Promise<boolean> {
  const base = document.uri.path.replace(/\.cnn\.json$/i, '').replace(/\.json$/i, '');
  const target = await vscode.window.showSaveDialog({
    defaultUri: document.uri.with({ path: `${base}.diagram.${format}` }),
    filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    saveLabel: 'Export',
    title: `Export the diagram as ${format.toUpperCase()}`,
  });
  if (!target) return false;
  const bytes = format === 'svg' ? new TextEncoder().encode(data) : Buffer.from(data, 'base64');
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Diagram saved to ${vscode.workspace.asRelativePath(target)}`);
  return true;
}

/** The TextDocument as DocumentSync edits it: each edit one WorkspaceEdit, so one undo step. */
export function syncedDocument(document: vscode.TextDocument): SyncedDocument {
  return {
    get version() {
      return document.version;
    },
    getText: () => document.getText(),
    apply: (edit: TextEdit) => {
      const workspaceEdit = new vscode.WorkspaceEdit();
      const range = new vscode.Range(document.positionAt(edit.offset), document.positionAt(edit.offset + edit.length));
      workspaceEdit.replace(document.uri, range, edit.content);
      return vscode.workspace.applyEdit(workspaceEdit);
    },
  };
}

/** "file:///a/lenet5.cnn.json" → "lenet5": the name shown when the file has none. */
export function modelNameFromUri(uri: string): string {
  const base = decodeURIComponent(uri.slice(Math.max(uri.lastIndexOf('/'), uri.lastIndexOf(':')) + 1));
  return base.replace(/\.cnn\.json$/i, '').replace(/\.json$/i, '') || 'model';
}
