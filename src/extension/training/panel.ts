// The training view: one webview panel per model file, beside the editor. It holds no state of its own
// (no retainContextWhenHidden): on every `ready` the host replays the model's run record (DESIGN.md §5).
import * as vscode from 'vscode';
import { Endpoint, assertNever } from '../../protocol/endpoint';
import { guardTrainingViewMessage, trainingHandshake, type TrainingHostMessage, type TrainingViewMessage } from '../../protocol/training';
import type { AttributionView, CellExplanation } from '../../protocol/explain';
import { webviewHtml, webviewResourceRoots } from '../webviewHtml';
import type { RunRecord } from './record';

export const TRAINING_VIEW_TYPE = 'cnnStudio.training';

/** What a panel asks of the controller. */
export interface PanelActions {
  record(uri: vscode.Uri): RunRecord;
  inspect(uri: vscode.Uri, split: 'train' | 'test', index: number): void;
  pickImage(uri: vscode.Uri): Promise<void>;
  openSample(uri: vscode.Uri, index: number): Promise<void>;
  train(uri: vscode.Uri): Promise<void>;
  stop(uri: vscode.Uri): Promise<void>;
  /** Requests: the reply goes back to the view (issue 13). */
  explainCell(uri: vscode.Uri, msg: Extract<TrainingViewMessage, { type: 'explainCell' }>): Promise<CellExplanation>;
  attribution(uri: vscode.Uri, msg: Extract<TrainingViewMessage, { type: 'attribution' }>): Promise<AttributionView>;
}

interface OpenPanel {
  readonly panel: vscode.WebviewPanel;
  readonly endpoint: Endpoint<TrainingHostMessage, TrainingViewMessage>;
  ready: boolean;
}

export class TrainingPanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Shows (or creates) the model's training view beside the active editor. */
  show(uri: vscode.Uri, preserveFocus = false): vscode.WebviewPanel {
    const existing = this.open.get(uri.toString());
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus);
      return existing.panel;
    }
    const name = this.actions.record(uri).modelName;
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, `Training: ${name}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, {
      enableScripts: true,
      localResourceRoots: webviewResourceRoots(this.extensionUri),
    });
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { bundle: 'training', title: `Training: ${name}`, loading: 'Loading training view…' });
    const entry: OpenPanel = {
      panel,
      ready: false,
      endpoint: new Endpoint({
        transport: { post: (env) => void panel.webview.postMessage(env) },
        guard: guardTrainingViewMessage,
        handle: (msg) => this.handle(uri, entry, msg),
        onDrop: (reason) => this.log.warn(`training view: dropped message: ${reason}`),
      }),
    };
    const key = uri.toString();
    this.open.set(key, entry);
    const received = panel.webview.onDidReceiveMessage((raw: unknown) => entry.endpoint.receive(raw));
    panel.onDidDispose(() => {
      entry.endpoint.dispose();
      received.dispose();
      if (this.open.get(key) === entry) this.open.delete(key);
    });
    return panel;
  }

  isOpen(uri: vscode.Uri): boolean {
    return this.open.has(uri.toString());
  }

  /** To the model's panel, once it completed its handshake (never before `ready`). */
  post(uri: vscode.Uri, msg: TrainingHostMessage): void {
    const entry = this.open.get(uri.toString());
    if (entry?.ready) entry.endpoint.notify(msg);
  }

  private handle(uri: vscode.Uri, entry: OpenPanel, msg: TrainingViewMessage): unknown {
    if (msg.type === 'ready') {
      const record = this.actions.record(uri);
      const first = trainingHandshake(msg, record.snapshot(), record.maps, record.augmented);
      entry.endpoint.notify(first);
      entry.ready = first.type === 'init';
      if (entry.ready && !record.maps) this.actions.inspect(uri, 'test', 0);
      return undefined;
    }
    if (!entry.ready) throw new Error('the training view has not completed its handshake');
    switch (msg.type) {
      case 'inspect':
        return this.actions.inspect(uri, msg.split, msg.index);
      case 'pickImage':
        return this.actions.pickImage(uri);
      case 'openSample':
        return this.actions.openSample(uri, msg.index);
      case 'train':
        return this.actions.train(uri);
      case 'stop':
        return this.actions.stop(uri);
      case 'explainCell':
        return this.actions.explainCell(uri, msg);
      case 'attribution':
        return this.actions.attribution(uri, msg);
      default:
        return assertNever(msg);
    }
  }

  dispose(): void {
    for (const e of this.open.values()) e.panel.dispose();
  }
}
