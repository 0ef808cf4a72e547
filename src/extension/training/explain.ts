// The training view's explanation requests (issue 13) forwarded to a worker: the running one while the model
// trains (current weights), else a kept idle worker on the saved weights. The webview names samples only as
// "the inspected one" or by index, never by path: the path comes from the host's own record.
import * as vscode from 'vscode';
import { EndpointDisposedError, assertNever } from '../../protocol/endpoint';
import type { AttributionView, CellExplanation } from '../../protocol/explain';
import type { TrainingViewMessage, ViewSample } from '../../protocol/training';
import type { ExplainTarget, HostToWorker, SampleRef } from '../../protocol/worker';
import type { TrainingController } from './controller';
import { IdleWorker } from './idleWorker';

type ViewMsg<T extends TrainingViewMessage['type']> = Extract<TrainingViewMessage, { type: T }>;

export class ExplainRequests implements vscode.Disposable {
  private readonly idle: IdleWorker;

  constructor(
    workerPath: string,
    private readonly controller: TrainingController,
    log: vscode.LogOutputChannel,
  ) {
    this.idle = new IdleWorker(workerPath, { onDrop: (reason) => log.warn(`explanation worker: dropped message: ${reason}`) });
  }

  async explainCell(uri: vscode.Uri, msg: ViewMsg<'explainCell'>): Promise<CellExplanation> {
    return this.send(uri, { type: 'explainCell', layer: msg.layer, position: msg.position, ...(await this.target(uri, msg.sample)) });
  }

  async attribution(uri: vscode.Uri, msg: ViewMsg<'attribution'>): Promise<AttributionView> {
    const target = await this.target(uri, msg.sample);
    const q = msg.query;
    const cls = q.classIndex !== undefined ? { classIndex: q.classIndex } : {};
    switch (q.method) {
      case 'saliency':
        return this.send(uri, { type: 'saliency', ...cls, ...target });
      case 'gradCam':
        return this.send(uri, { type: 'gradCam', ...cls, ...(q.layerIndex !== undefined ? { layerIndex: q.layerIndex } : {}), ...target });
      default:
        return assertNever(q.method);
    }
  }

  private async target(uri: vscode.Uri, sample: ViewSample): Promise<ExplainTarget> {
    const record = this.controller.record(uri);
    const key = uri.toString();
    const running = this.controller.supervisor.running(key) !== undefined;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    // A run's weights belong to the text it started from; saved weights to the document as it is.
    const modelText = (running ? record.snapshotText : undefined) ?? doc?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const ref: SampleRef = sample.kind === 'inspected' ? (record.maps?.sample ?? { kind: 'dataset', split: 'test', index: 0 }) : sample;
    return { modelPath: uri.fsPath, modelText, sample: ref };
  }

  private async send<R>(uri: vscode.Uri, msg: HostToWorker): Promise<R> {
    const run = this.controller.supervisor.running(uri.toString());
    if (!run) return this.idle.request<R>(msg);
    try {
      return await run.request<R>(msg);
    } catch (e) {
      // The run ended while the request was on its way: its weights are saved, so ask again of those.
      if (e instanceof EndpointDisposedError) return this.idle.request<R>(msg);
      throw e;
    }
  }

  dispose(): void {
    void this.idle.dispose();
  }
}
