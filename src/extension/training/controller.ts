// Train / Stop for model files: one supervised worker run per file, with feedback where VS Code users look
// (progress notification with cancel, status bar, output channel, summary message) and the training view.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { RunOptions, SampleRef, WorkerToHost } from '../../protocol/worker';
import { assertNever } from '../../model/assertNever';
import { formatDataReady, formatFeatureProgress } from '../../node/datasets/progress';
import { epochLine, healthWarningLines, statusText, summary, waitingText } from './format';
import type { TrainingPanels } from './panel';
import { loadRecord, RunRecord } from './record';
import type { RunOutcome, TrainingSupervisor } from './supervisor';

export interface TrainArgs extends RunOptions {
  /** Resolve the command only when the run ends (tests); otherwise it returns once the run started. */
  readonly wait?: boolean;
}

const modelName = (uri: vscode.Uri): string => basename(uri.fsPath).replace(/(\.cnn)?\.json$/i, '') || 'model';

export class TrainingController implements vscode.Disposable {
  private readonly records = new Map<string, RunRecord>();
  private readonly inspected = new Map<string, SampleRef>();
  private readonly status = vscode.window.createStatusBarItem('cnnStudio.training', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [this.status];
  panels!: TrainingPanels;

  constructor(
    readonly supervisor: TrainingSupervisor,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.status.name = 'CNN Studio Training';
    this.subscriptions.push(vscode.workspace.onDidChangeTextDocument((e) => this.warnIfEdited(e.document)));
  }

  record(uri: vscode.Uri): RunRecord {
    const key = uri.toString();
    let r = this.records.get(key);
    if (!r) this.records.set(key, (r = new RunRecord(modelName(uri))));
    return r;
  }

  /** Loads the last run from train.json the first time a model's view opens. */
  async restore(uri: vscode.Uri): Promise<void> {
    if (this.records.has(uri.toString()) || uri.scheme !== 'file') return;
    const loaded = await loadRecord(uri.fsPath, modelName(uri));
    if (loaded && !this.records.has(uri.toString())) this.records.set(uri.toString(), loaded);
  }

  async train(uri: vscode.Uri, args: TrainArgs = {}): Promise<RunOutcome | undefined> {
    if (!vscode.workspace.isTrusted) {
      const pick = await vscode.window.showWarningMessage(
        'Training is disabled in Restricted Mode: it reads data files and writes weights beside the model. Trust this workspace to train.',
        'Manage Workspace Trust',
      );
      if (pick) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    if (uri.scheme !== 'file') {
      void vscode.window.showWarningMessage('Save the model to a file first: training writes its weights beside it.');
      return undefined;
    }
    const key = uri.toString();
    const running = this.supervisor.running(key);
    if (running) {
      const pick = await vscode.window.showWarningMessage(`${modelName(uri)} is already training. Stop that run and start again?`, { modal: true }, 'Stop and Restart');
      if (pick !== 'Stop and Restart') return undefined;
      await running.stop();
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key) ?? (await vscode.workspace.openTextDocument(uri));
    const text = doc.getText();
    const config = vscode.workspace.getConfiguration('cnnStudio.training', uri);
    const options: RunOptions = {
      epochs: args.epochs ?? config.get<number | null>('epochs') ?? undefined,
      limit: args.limit ?? config.get<number | null>('limit') ?? undefined,
      threads: config.get<number | null>('threads') ?? undefined,
      dataMemory: config.get<number | null>('dataMemory') ?? undefined,
      resume: args.resume,
      warmStart: args.warmStart,
    };
    const record = this.record(uri);
    record.reset(text);
    record.maps = undefined;
    const name = record.modelName;
    const sample = this.inspected.get(key) ?? { kind: 'dataset', split: 'test', index: 0 };
    this.log.info(`${name}: training started${options.warmStart ? ' from the weights beside it (warm start)' : ''}${options.limit ? ` (first ${options.limit} samples)` : ''}${options.epochs ? `, ${options.epochs} epochs` : ''}`);
    const run = this.supervisor.start(key, { modelPath: uri.fsPath, modelText: text, options, inspect: sample }, (m) => this.onMessage(uri, record, m));
    this.panels.show(uri, true);
    this.refresh(uri);
    this.showProgress(record, run.done, () => void this.stop(uri));
    const finished = run.done.then((outcome) => this.finish(uri, record, outcome));
    if (args.wait) return finished;
    void finished;
    return undefined;
  }

  async stop(uri?: vscode.Uri): Promise<void> {
    const keys = uri ? [uri.toString()] : this.supervisor.activeKeys;
    if (keys.length === 0) {
      void vscode.window.showInformationMessage('No model is training.');
      return;
    }
    await Promise.all(
      keys.map((k) => {
        const run = this.supervisor.running(k);
        const rec = this.records.get(k);
        if (rec && run) rec.phase = 'stopping';
        return run?.stop();
      }),
    );
  }

  inspect(uri: vscode.Uri, sample: SampleRef): void {
    const key = uri.toString();
    this.inspected.set(key, sample);
    const run = this.supervisor.running(key);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    const text = this.record(uri).snapshotText ?? doc?.getText();
    if (run) return run.inspect(sample, uri.fsPath, text ?? '');
    void (async () => {
      const modelText = doc?.getText() ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      return this.supervisor.inspectSaved(uri.fsPath, modelText, sample);
    })().then(
      (m) => this.onMessage(uri, this.record(uri), m),
      (e: unknown) => this.panels.post(uri, { type: 'mapsError', message: e instanceof Error ? e.message : String(e) }),
    );
  }

  private onMessage(uri: vscode.Uri, record: RunRecord, msg: WorkerToHost): void {
    record.apply(msg);
    const name = record.modelName;
    switch (msg.type) {
      case 'started':
        this.log.info(`${msg.description}; kernels: ${msg.kernels}`);
        break;
      case 'epoch':
        this.log.info(epochLine(name, msg.metrics, msg.epochs));
        for (const line of healthWarningLines(name, msg.metrics)) this.log.warn(line);
        break;
      case 'warning':
        this.log.warn(`${name}: ${msg.message}`);
        break;
      case 'frozenFeatures':
        this.log.info(`${name}: ${msg.message}`);
        break;
      case 'dataProgress':
        if (msg.progress.finished) this.log.info(`${name}: ${formatDataReady(msg.progress)}`);
        return;
      case 'featureProgress':
        if (msg.progress.done === msg.progress.total) this.log.info(`${name}: ${formatFeatureProgress(msg.progress)}: done`);
        if (record.active && !record.batch) this.status.text = statusText(name, undefined, record);
        return;
      case 'progress':
        this.panels.post(uri, { type: 'progress', batch: msg.batch });
        this.status.text = statusText(name, msg.batch);
        return;
      case 'featureMaps':
        this.panels.post(uri, { type: 'featureMaps', maps: msg.maps });
        return;
      case 'augmentedSamples':
        this.panels.post(uri, { type: 'augmentedSamples', samples: msg.samples });
        return;
      case 'mapsError':
        this.panels.post(uri, { type: 'mapsError', message: msg.message });
        return;
      case 'ready':
      case 'done':
      case 'error':
        break; // the record has applied them; refreshed below
      default:
        return assertNever(msg);
    }
    this.refresh(uri);
  }

  private refresh(uri: vscode.Uri): void {
    const record = this.record(uri);
    this.panels.post(uri, { type: 'run', run: record.snapshot() });
    if (record.active) {
      this.status.text = statusText(record.modelName, record.batch, record);
      this.status.tooltip = `Training ${record.modelName} — click to open the training view`;
      this.status.command = { title: 'Show Training', command: 'cnnStudio.showTraining', arguments: [uri] };
      this.status.show();
    }
  }

  private showProgress(record: RunRecord, done: Promise<RunOutcome>, cancel: () => void): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Training ${record.modelName}`, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(cancel);
      let last = 0;
      const timer = setInterval(() => {
        const b = record.batch;
        if (!b) return progress.report({ message: waitingText(record) });
        const fraction = ((b.epoch - 1) * b.batches + b.batch) / (b.epochs * b.batches);
        progress.report({ increment: Math.max(0, 100 * fraction - last), message: `epoch ${b.epoch}/${b.epochs} · loss ${b.loss.toFixed(3)} · acc ${(100 * b.accuracy).toFixed(1)}%` });
        last = Math.max(last, 100 * fraction);
      }, 250);
      return done.finally(() => clearInterval(timer));
    });
  }

  private async finish(uri: vscode.Uri, record: RunRecord, outcome: RunOutcome): Promise<RunOutcome> {
    const name = record.modelName;
    this.refresh(uri);
    if (outcome.kind === 'error') {
      this.log.error(`${name}: training failed: ${outcome.message}`);
      this.status.text = `$(error) ${name}: training failed`;
      void vscode.window.showErrorMessage(`Training ${name} failed: ${outcome.message}`, 'Show Output').then((p) => p && this.log.show(true));
      return outcome;
    }
    const text = summary(name, outcome.result);
    this.log.info(text);
    if (outcome.result.weightsPath) this.log.info(`${name}: weights saved to ${outcome.result.weightsPath}`);
    const ev = outcome.result.evaluation;
    this.status.text = ev ? `$(check) ${name}: ${(100 * ev.accuracy).toFixed(1)}% ${ev.on}` : `$(debug-stop) ${name}: ${outcome.result.status}`;
    const show = outcome.result.status === 'diverged' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(text, 'Open Results').then((p) => p && this.panels.show(uri));
    return outcome;
  }

  private warnIfEdited(doc: vscode.TextDocument): void {
    const record = this.records.get(doc.uri.toString());
    if (!record?.active || record.warnedAboutEdit || record.snapshotText === undefined || doc.getText() === record.snapshotText) return;
    record.warnedAboutEdit = true;
    const text = `${record.modelName} changed while it trains: the running weights belong to the version from when training started. Train again to use the new version.`;
    this.log.warn(text);
    void vscode.window.showWarningMessage(text);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
