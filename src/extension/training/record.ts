// What the extension knows about one model's current or last run: folded from worker messages while it
// runs, or read back from <model>.train.json when the model is reopened. Training runs are not document
// state (DESIGN.md §5): they live here, per model file, and the view replays them on `ready`.
import { assertNever } from '../../model/assertNever';
import { readTrainState } from '../../node/checkpoint/weightsFile';
import type { RunPhase, RunSnapshot } from '../../protocol/training';
import type { AugmentedSamplesView, BatchView, DataProgressView, DoneView, FeatureProgressView, EvaluationView, FeatureMapsView, StoredEvaluation, WorkerToHost } from '../../protocol/worker';

export class RunRecord {
  phase: RunPhase = 'idle';
  description?: string;
  epochs?: number;
  history: DoneView['history'] = [];
  classes: readonly string[] = [];
  evaluation?: EvaluationView;
  message?: string;
  seconds?: number;
  selection?: DoneView['selection'];
  batch?: BatchView;
  /** The image folder being prepared before the first batch (the last report). */
  dataProgress?: DataProgressView;
  /** What training does with the frozen layers (computed once per sample, or why not), and its progress. */
  frozenFeatures?: string;
  frozenFromCache?: boolean;
  featureProgress?: FeatureProgressView;
  maps?: FeatureMapsView;
  /** The current run's first training samples as augmented (none without augmentation). */
  augmented?: AugmentedSamplesView;
  /** The model text the running weights belong to. */
  snapshotText?: string;
  warnedAboutEdit = false;

  constructor(readonly modelName: string) {}

  /** A fresh run: forget the previous one's results (its curves stay in train.json). */
  reset(modelText: string): void {
    Object.assign(this, { phase: 'loading', description: undefined, epochs: undefined, history: [], evaluation: undefined, message: undefined, seconds: undefined, selection: undefined, batch: undefined, dataProgress: undefined, frozenFeatures: undefined, frozenFromCache: undefined, featureProgress: undefined, augmented: undefined });
    this.snapshotText = modelText;
    this.warnedAboutEdit = false;
  }

  apply(msg: WorkerToHost): void {
    switch (msg.type) {
      case 'started':
        this.phase = 'running';
        Object.assign(this, { description: msg.description, epochs: msg.epochs, classes: msg.classes, history: [...msg.history] });
        break;
      case 'progress':
        this.batch = msg.batch;
        break;
      case 'dataProgress':
        this.dataProgress = msg.progress;
        break;
      case 'epoch':
        this.history = [...this.history, msg.metrics];
        this.epochs = msg.epochs;
        break;
      case 'frozenFeatures':
        this.frozenFeatures = msg.message;
        this.frozenFromCache = msg.fromCache;
        break;
      case 'featureProgress':
        this.featureProgress = msg.progress;
        break;
      case 'featureMaps':
        this.maps = msg.maps;
        break;
      case 'augmentedSamples':
        this.augmented = msg.samples;
        break;
      case 'done':
        Object.assign(this, { phase: msg.result.status, history: msg.result.history, evaluation: msg.result.evaluation, message: msg.result.message, seconds: msg.result.seconds, selection: msg.result.selection });
        break;
      case 'error':
        this.phase = 'failed';
        this.message = msg.message;
        break;
      case 'ready':
      case 'warning':
      case 'mapsError':
        break;
      default:
        return assertNever(msg, 'message');
    }
  }

  get active(): boolean {
    return this.phase === 'loading' || this.phase === 'running' || this.phase === 'stopping';
  }

  snapshot(): RunSnapshot {
    const { modelName, phase, description, frozenFeatures, epochs, history, classes, evaluation, message, seconds, selection } = this;
    return { modelName, phase, description, ...(frozenFeatures !== undefined ? { frozenFeatures } : {}), epochs, history, classes, evaluation, message, seconds, selection };
  }
}

/** The last run of a model as train.json recorded it; undefined when it never trained (or the file is unreadable). */
export async function loadRecord(modelPath: string, modelName: string): Promise<RunRecord | undefined> {
  const state = await readTrainState(modelPath).catch(() => undefined);
  if (!state) return undefined;
  const record = new RunRecord(modelName);
  // "running" on disk means the window closed mid-run: the checkpoint is what was kept.
  record.phase = state.status === 'running' ? 'stopped' : state.status;
  record.epochs = state.epochs;
  record.classes = state.classes ?? [];
  record.description = `training ${state.model}: ${state.data.train}${state.data.test ? `; test ${state.data.test}` : ''}`;
  record.history = state.history.map((m) => ({ ...m }));
  record.selection = state.selection;
  const stored = (state as { evaluation?: StoredEvaluation }).evaluation;
  if (stored && Array.isArray(stored.confusion)) record.evaluation = restoreEvaluation(stored);
  return record;
}

function restoreEvaluation(s: StoredEvaluation): EvaluationView {
  const { thumbnails, ...rest } = s;
  return { ...rest, thumbnails: thumbnails && { shape: thumbnails.shape, data: new Uint8Array(Buffer.from(thumbnails.base64, 'base64')) } };
}
