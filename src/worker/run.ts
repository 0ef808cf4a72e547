// One training run inside the worker: the shared session (data/trainingSession) with callbacks that post
// progress, epochs (each with its training health), warnings and feature maps, then the final evaluation,
// persisted into train.json.
import type { EpochMetrics } from '../engine/train';
import type { EpochHealth } from '../engine/health';
import { prepareSession, runSession, type PreparedSession } from '../node/runtime/trainingSession';
import { DataLoadCancelled } from '../node/datasets/progress';
import { MIB } from '../node/datasets/dataMemory';
import { weightsPath, writeTrainState, type TrainState } from '../node/checkpoint/weightsFile';
import type { AugmentedSamplesView, BatchView, DataProgressView, FeatureProgressView, DoneView, EpochHealthView, EpochView, EvaluationView, FeatureMapsView, HealthFigure, HostToWorker, SampleRef, StoredEvaluation } from '../protocol/worker';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { augmentedSamples } from './augmented';
import { evaluateRun } from './evaluation';
import type { LiveNetwork } from './explain';
import { featureMaps, parseSnapshot, sampleInput } from './inspect';

export interface RunSink {
  progress(batch: BatchView): void;
  dataProgress(progress: DataProgressView): void;
  epoch(metrics: EpochView, epochs: number): void;
  started(msg: { description: string; epochs: number; initialEpoch: number; classes: readonly string[]; history: readonly EpochView[] }): void;
  warning(message: string): void;
  frozenFeatures(message: string, fromCache: boolean): void;
  featureProgress(progress: FeatureProgressView): void;
  featureMaps(maps: FeatureMapsView): void;
  augmentedSamples(samples: AugmentedSamplesView): void;
  mapsError(message: string): void;
}

/** At most this many progress messages a second: enough for a smooth bar, cheap for the host. */
const PROGRESS_INTERVAL_MS = 100;
const yieldToHost = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** NaN and ∞ do not survive JSON (the webview channel): they travel as null. */
const figure = (v: number): HealthFigure => (Number.isFinite(v) ? v : null);

/** The engine's epoch health as the views take it. */
export function toHealthView(h: EpochHealth): EpochHealthView {
  return {
    epoch: h.epoch,
    steps: h.steps,
    samples: h.samples,
    gradNorm: figure(h.gradNorm),
    maxGradNorm: figure(h.maxGradNorm),
    layers: h.layers.map((l) => ({
      ...l,
      ...(l.gradNorm !== undefined ? { gradNorm: figure(l.gradNorm) } : {}),
      ...(l.updateRatio !== undefined ? { updateRatio: figure(l.updateRatio) } : {}),
    })),
    warnings: h.warnings.map((w) => ({ ...w })),
  };
}

export function toEpochView(m: EpochMetrics, trainCount?: number, engineBytes?: number, health?: EpochHealthView): EpochView {
  return {
    epoch: m.epoch,
    learningRate: m.learningRate,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    testLoss: m.testLoss,
    testAccuracy: m.testAccuracy,
    seconds: m.seconds,
    samplesPerSecond: trainCount && m.seconds > 0 ? trainCount / m.seconds : undefined,
    ...(engineBytes !== undefined ? { engineBytes } : {}),
    ...(health ? { health } : {}),
  };
}

export class TrainingRun {
  private stopRequested = false;
  private session?: PreparedSession;
  private epoch = 0;
  /** Each epoch's training health, by epoch: it rides on that epoch's view, live and in the final history. */
  private readonly health = new Map<number, EpochHealthView>();

  constructor(
    private readonly start: Extract<HostToWorker, { type: 'start' }>,
    private readonly sink: RunSink,
    private inspected: SampleRef | undefined = start.inspect,
  ) {}

  /** The running network and its data, for explanations between batches (once the data is loaded). */
  get live(): LiveNetwork | undefined {
    const s = this.session;
    return s && { network: s.network, model: s.model, modelPath: s.modelPath, train: s.all, test: s.test };
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Feature maps of `sample` now (between batches, or once the data is loaded) and after every later epoch. */
  async inspect(sample: SampleRef): Promise<void> {
    this.inspected = sample;
    await this.sendMaps();
  }

  async run(): Promise<DoneView> {
    const { modelPath, modelText, options } = this.start;
    const model = parseSnapshot(modelText, modelPath);
    let s: PreparedSession;
    try {
      s = await prepareSession({
        modelPath,
        model,
        epochs: options.epochs,
        limit: options.limit,
        ...(options.dataMemory ? { dataMemoryBytes: options.dataMemory * MIB } : {}),
        dataMemorySetting: 'the setting cnnStudio.training.dataMemory',
        resume: options.resume,
        warmStart: options.warmStart,
        onWarning: (w) => this.sink.warning(w),
        onDataProgress: (p) => this.sink.dataProgress(p),
        shouldStopLoading: () => this.stopRequested,
      });
    } catch (e) {
      // Stopped while the data was prepared: nothing trained, what was decoded stays cached.
      if (e instanceof DataLoadCancelled) return { status: 'stopped', epochs: 0, history: [], seconds: 0 };
      throw e;
    }
    this.session = s;
    this.epoch = s.initialEpoch;
    this.sink.started({ description: s.description, epochs: s.epochs, initialEpoch: s.initialEpoch, classes: s.all.classes, history: (s.resumed?.history ?? []).map((m) => toEpochView(m)) });
    const samples = await augmentedSamples(s.trainSet, model.training?.augmentation, s.seed);
    if (samples) this.sink.augmentedSamples(samples);
    if (this.inspected) await this.sendMaps();
    let lastProgress = 0;
    let lastFeatures = 0;
    const outcome = await runSession(s, {
      onBatch: (p) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS && p.batch !== p.batches) return;
        lastProgress = now;
        this.sink.progress({ epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, loss: p.loss, accuracy: p.accuracy, samplesPerSecond: p.samplesPerSecond });
      },
      onHealth: (h) => this.health.set(h.epoch, toHealthView(h)),
      onEpoch: async (m) => {
        this.epoch = m.epoch;
        this.sink.epoch(toEpochView(m, s.trainSet.count, s.network.arena.memoryBytes, this.health.get(m.epoch)), s.epochs);
        if (this.inspected) await this.sendMaps();
      },
      shouldStop: () => this.stopRequested,
      yieldToHost,
      yieldEvery: 1,
      onNotice: (m) => this.sink.warning(m),
      onFrozenFeatures: (m, fromCache) => this.sink.frozenFeatures(m, fromCache),
      onFeatureProgress: (p) => {
        const now = Date.now();
        if (now - lastFeatures < PROGRESS_INTERVAL_MS && p.done !== p.total) return;
        lastFeatures = now;
        this.sink.featureProgress({ done: p.done, total: p.total });
      },
    });
    const { result, state } = outcome;
    let evaluation: EvaluationView | undefined;
    // A stopped run is not evaluated: the user wants it to end now.
    if (state && result.status !== 'stopped' && result.status !== 'diverged') {
      const data = s.test ?? s.all;
      evaluation = await evaluateRun(s.network, data, { loss: model.training?.loss, batchSize: model.training?.batchSize ?? TRAINING_DEFAULTS.batchSize, on: s.test ? 'test' : 'train', yieldToHost, shouldStop: () => this.stopRequested });
      const stored: TrainState & { evaluation: StoredEvaluation } = { ...state, evaluation: storeEvaluation(evaluation) };
      await writeTrainState(modelPath, stored);
    }
    return {
      status: result.status,
      epochs: result.epochs,
      history: outcome.history.map((m) => toEpochView(m, s.trainSet.count, undefined, this.health.get(m.epoch))),
      seconds: outcome.seconds,
      weightsPath: state ? weightsPath(modelPath) : undefined,
      message: result.error?.message,
      evaluation,
      ...(state?.selection ? { selection: state.selection } : {}),
    };
  }

  private async sendMaps(): Promise<void> {
    const s = this.session;
    const sample = this.inspected;
    if (!s || !sample) return;
    try {
      const { x, caption } = await sampleInput(sample, s.model, s.modelPath, { train: s.all, test: s.test });
      this.sink.featureMaps(featureMaps(s.network, s.model, x, sample, caption, this.epoch, s.all.classes));
    } catch (e) {
      // A bad sample must not end the run.
      this.sink.mapsError(e instanceof Error ? e.message : String(e));
    }
  }
}

/** train.json keeps the evaluation so a reopened view shows it again; images as base64 bytes. */
function storeEvaluation(e: EvaluationView): StoredEvaluation {
  const { thumbnails, ...rest } = e;
  return { ...rest, thumbnails: thumbnails && { shape: thumbnails.shape, base64: Buffer.from(thumbnails.data).toString('base64') } };
}
