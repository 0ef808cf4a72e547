// The training channel: extension host ↔ worker thread (src/worker/main.ts). The worker speaks first
// (`ready`); the host answers with `start`, `inspect` or a `predict` request. One worker runs at most one
// training run; every failure inside it becomes an `error` message, never an exception in the host.
// Tensors travel as Float32Arrays in the transfer list (DESIGN.md §4). Of other rooms, only model/ types.
import type { EpochHealth, HealthFigure, LayerHealth } from '../model/health';
import type { CellPosition } from './explain';

export type { HealthFigure, HealthWarning, HealthWarningKind, WatchedActivation } from '../model/health';

/** Bump on any incompatible change to the messages below. */
export const WORKER_PROTOCOL_VERSION = 1;

/** Training knobs the host may override (tests and quick runs); absent means the model file's value. */
export interface RunOptions {
  readonly epochs?: number;
  /** Keep only the first N samples of each data source. */
  readonly limit?: number;
  readonly resume?: boolean;
  /** A new run from the weights beside the model where names and shapes match (fine-tuning after unfreezing). */
  readonly warmStart?: boolean;
  /** Threads for the WebAssembly GEMM (absent: all cores). */
  readonly threads?: number;
  /** MiB the samples may take in memory (the cnnStudio.training.dataMemory setting). */
  readonly dataMemory?: number;
}

/** A sample to look inside the network with: by index into the test (or training) data, or an image file. */
export type SampleRef =
  | { readonly kind: 'dataset'; readonly split: 'train' | 'test'; readonly index: number }
  | { readonly kind: 'file'; readonly path: string };

/** One epoch as the views show it (engine EpochMetrics plus throughput). */
export interface EpochView {
  readonly epoch: number;
  readonly learningRate: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  readonly testLoss?: number;
  readonly testAccuracy?: number;
  readonly seconds: number;
  readonly samplesPerSecond?: number;
  /** Memory the engine owns (its planned arena: activations, parameters, gradients, optimizer slots, scratch). */
  readonly engineBytes?: number;
  /** Training health measured on a few steps of this epoch (docs/training-health.md). */
  readonly health?: EpochHealthView;
}

/** Training health as it travels (model/health.ts, defined once): figures that are not finite are null. */
export type EpochHealthView = EpochHealth<HealthFigure>;
export type LayerHealthView = LayerHealth<HealthFigure>;

export interface BatchView {
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly samplesPerSecond: number;
}

export interface MapView {
  /** The layer's name (its kernel's parameter name for `kernels`). */
  readonly name: string;
  /** The layer's type ("conv2d"), for the graph drawn above the maps; absent for the input. */
  readonly type?: string;
  /** The layers (or "input") it reads, when the model file names them (graph models); else it reads the previous one. */
  readonly inputs?: readonly string[];
  /** [h, w, c] for spatial layers, [units] for flat ones. */
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly min: number;
  readonly max: number;
}

export interface FeatureMapsView {
  readonly sample: SampleRef;
  /** What the sample is: "test #3 (label 7)" or the file name. */
  readonly caption: string;
  readonly epoch: number;
  readonly input: MapView;
  readonly layers: readonly MapView[];
  /** Every weight layer's kernels (conv, depthwise, separable, dense), in file order, capped for drawing. */
  readonly layerKernels?: readonly KernelView[];
  readonly probabilities: Float32Array;
  readonly classes: readonly string[];
}

/** One kernel parameter of a layer, as the kernels view draws it: tiles of output × input channels, or a matrix. */
export interface KernelView {
  /** The layer's name and the parameter's ("conv2d_0", "conv2d_0.kernel"). */
  readonly layer: string;
  readonly param: string;
  /** conv: a kh×kw tile per output × input channel; depthwise: one tile per channel × multiplier (output channel
   *  channel·multiplier + m); matrix: dense kernels, 1×1 and pointwise convolutions (output × input). */
  readonly kind: 'conv' | 'depthwise' | 'matrix';
  /** The parameter's own shape ([kh, kw, in, out], [kh, kw, channels, multiplier] or [in, out]). */
  readonly shape: readonly number[];
  /** Rows (outputs; channels for depthwise) and columns (inputs; multipliers for depthwise) drawn, of all there are. */
  readonly rows: number;
  readonly cols: number;
  readonly totalRows: number;
  readonly totalCols: number;
  readonly kh: number;
  readonly kw: number;
  /** The drawn part, [rows][cols][kh][kw] (kh = kw = 1 for a matrix). */
  readonly data: Float32Array;
  /** The largest |w| of the whole parameter: every tile shares the colour scale [−absMax, absMax]. */
  readonly absMax: number;
}

/** Training samples after training.augmentation: what the network sees (`cnn augment-preview`'s grid, live). */
export interface AugmentedSamplesView {
  /** [n, h, w, c]. */
  readonly shape: readonly number[];
  /** Bytes 0–255, NHWC. */
  readonly data: Uint8Array;
  /** The seed they were drawn with (the run's): the same kind of batch as epoch 1's, not its exact one. */
  readonly seed: number;
}

export interface Misclassified {
  /** Index into the evaluated data set. */
  readonly index: number;
  readonly actual: number;
  readonly predicted: number;
  /** Source file, for image folders. */
  readonly file?: string;
}

/** Final evaluation of the trained weights on the test data (or the training data without a test set). */
export interface EvaluationView {
  readonly on: 'test' | 'train';
  readonly count: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly classes: readonly string[];
  /** [actual][predicted]. */
  readonly confusion: readonly (readonly number[])[];
  /** NaN-free: null for a class without samples. */
  readonly perClass: readonly (number | null)[];
  readonly misclassified: readonly Misclassified[];
  /** Images of the first misclassified samples as bytes 0–255, [n, h, w, c] (shape gives n). */
  readonly thumbnails?: { readonly shape: readonly number[]; readonly data: Uint8Array };
}

/** The evaluation as stored in <model>.train.json (`evaluation` field): JSON has no byte arrays. */
export type StoredEvaluation = Omit<EvaluationView, 'thumbnails'> & { readonly thumbnails?: { readonly shape: readonly number[]; readonly base64: string } };

export type RunStatus = 'completed' | 'stopped' | 'earlyStopped' | 'diverged';

export interface DoneView {
  readonly status: RunStatus;
  readonly epochs: number;
  readonly history: readonly EpochView[];
  readonly seconds: number;
  readonly weightsPath?: string;
  /** Why training ended early (divergence). */
  readonly message?: string;
  readonly evaluation?: EvaluationView;
  /** After early stopping: the epoch whose weights were kept and what chose it ("validation loss", "training loss"). */
  readonly selection?: { readonly bestEpoch: number; readonly on: string };
}

export interface Prediction {
  readonly classes: readonly string[];
  /** Best first. */
  readonly top: readonly { readonly label: string; readonly probability: number }[];
}

// ---- host → worker

export type HostToWorker =
  | {
      readonly type: 'start';
      readonly protocolVersion: number;
      readonly modelPath: string;
      /** The model text at the moment Train was pressed (may be unsaved). */
      readonly modelText: string;
      readonly options: RunOptions;
      /** Sample whose feature maps are sent after every epoch. */
      readonly inspect?: SampleRef;
    }
  /** Feature maps of a sample: of the running network, or (no run) of the saved weights. */
  | { readonly type: 'inspect'; readonly modelPath: string; readonly modelText: string; readonly sample: SampleRef }
  /** A request; the reply is a Prediction. */
  | { readonly type: 'predict'; readonly modelPath: string; readonly modelText: string; readonly file: string; readonly top: number }
  /** Requests (issue 13), answered from the running network or else the saved weights: the reply is a CellExplanation. */
  | ({ readonly type: 'explainCell'; readonly layer: number; readonly position: CellPosition } & ExplainTarget)
  /** The reply is a SaliencyView. */
  | ({ readonly type: 'saliency'; readonly classIndex?: number } & ExplainTarget)
  /** The reply is a GradCamView; absent layer: the last convolution. */
  | ({ readonly type: 'gradCam'; readonly classIndex?: number; readonly layerIndex?: number } & ExplainTarget)
  | { readonly type: 'stop' };

/** The model and the sample an explanation request is about. */
export interface ExplainTarget {
  readonly modelPath: string;
  readonly modelText: string;
  readonly sample: SampleRef;
}

// ---- worker → host

/** node/datasets/progress.ts' DataProgress, as it travels. */
export interface DataProgressView {
  readonly source: string;
  readonly done: number;
  readonly total: number;
  readonly cached: number;
  readonly seconds: number;
  readonly finished?: boolean;
}

/** A frozen backbone's outputs being computed once per sample (engine/frozenFeatures), before the first batch. */
export interface FeatureProgressView {
  readonly done: number;
  readonly total: number;
}

export type WorkerToHost =
  | { readonly type: 'ready'; readonly protocolVersion: number }
  /** `kernels`: which kernels run, e.g. "wasm-relaxed-simd", or "js (WebAssembly unavailable: …)". */
  | { readonly type: 'started'; readonly description: string; readonly kernels: string; readonly epochs: number; readonly initialEpoch: number; readonly classes: readonly string[]; readonly history: readonly EpochView[] }
  | { readonly type: 'progress'; readonly batch: BatchView }
  /** An image folder being prepared (decoded into the dataset cache, or read from it); `finished` once ready. */
  | { readonly type: 'dataProgress'; readonly progress: DataProgressView }
  | { readonly type: 'epoch'; readonly metrics: EpochView; readonly epochs: number }
  | { readonly type: 'warning'; readonly message: string }
  /** Once per run: whether the frozen layers' outputs are computed once per sample, and why not. `fromCache`: all
   *  of them are read from the data cache (no featureProgress follows). */
  | { readonly type: 'frozenFeatures'; readonly message: string; readonly fromCache: boolean }
  | { readonly type: 'featureProgress'; readonly progress: FeatureProgressView }
  | { readonly type: 'featureMaps'; readonly maps: FeatureMapsView }
  /** Once per run with augmentation, after `started`: the first training samples as augmented. */
  | { readonly type: 'augmentedSamples'; readonly samples: AugmentedSamplesView }
  /** Feature maps could not be computed (no weights yet, bad sample); a run goes on. */
  | { readonly type: 'mapsError'; readonly message: string }
  | { readonly type: 'done'; readonly result: DoneView }
  /** The run (or the worker) failed: this ends it. */
  | { readonly type: 'error'; readonly message: string };

export type WorkerMessageType = WorkerToHost['type'];

// Both ends are our own code in one extension, so the guards check the discriminant only; the webview
// channel (training.ts) is the untrusted one. Each list is the keys of a record over its union: a message type
// left out (or one that is no message) is a compile error, so a new message cannot be refused at run time.
const HOST_TYPES: readonly string[] = Object.keys({ start: true, inspect: true, predict: true, explainCell: true, saliency: true, gradCam: true, stop: true } satisfies Record<HostToWorker['type'], true>);
const WORKER_TYPES: readonly string[] = Object.keys({ ready: true, started: true, progress: true, dataProgress: true, epoch: true, warning: true, frozenFeatures: true, featureProgress: true, featureMaps: true, augmentedSamples: true, mapsError: true, done: true, error: true } satisfies Record<WorkerMessageType, true>);

function byType<T>(raw: unknown, known: readonly string[]): T | string {
  if (typeof raw !== 'object' || raw === null) return 'message is not an object';
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && known.includes(type) ? (raw as T) : `unknown message type ${JSON.stringify(type)}`;
}

export const guardHostToWorker = (raw: unknown): HostToWorker | string => byType<HostToWorker>(raw, HOST_TYPES);
export const guardWorkerToHost = (raw: unknown): WorkerToHost | string => byType<WorkerToHost>(raw, WORKER_TYPES);

/** The buffers of a feature-maps message, to transfer instead of copy. */
export function featureMapsTransfer(maps: FeatureMapsView): ArrayBuffer[] {
  const views = [maps.input, ...maps.layers, ...(maps.layerKernels ?? [])].map((m) => m.data.buffer);
  return [...new Set([...views, maps.probabilities.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
