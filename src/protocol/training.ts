// The training view channel: extension host ↔ training webview (webview/training/). The webview speaks
// first (`ready`); the host answers `init` with everything known about the model's runs (curves survive
// hiding and reopening because the host, not the webview, keeps them: DESIGN.md §5), then `run` on every
// status/epoch change, `progress` per batch and `featureMaps`. Webview messages are untrusted: guarded below.
import type { AttributionQuery, CellPosition } from './explain';
import type { AugmentedSamplesView, BatchView, DoneView, EpochView, EvaluationView, FeatureMapsView } from './worker';

export type { AugmentedSamplesView, BatchView, EpochHealthView, EpochView, EvaluationView, FeatureMapsView, HealthFigure, HealthWarning, KernelView, LayerHealthView, MapView, Misclassified } from './worker';

/** Bump on any incompatible change to the messages below. */
export const TRAINING_PROTOCOL_VERSION = 1;

export type RunPhase = 'idle' | 'loading' | 'running' | 'stopping' | 'completed' | 'stopped' | 'earlyStopped' | 'diverged' | 'failed';

/** Everything the view shows about a model's current or last run. */
export interface RunSnapshot {
  readonly modelName: string;
  readonly phase: RunPhase;
  /** Data description ("training lenet5: …"). */
  readonly description?: string;
  /** Whether a frozen backbone's outputs were computed once per sample, or why they run every step. */
  readonly frozenFeatures?: string;
  readonly epochs?: number;
  readonly history: readonly EpochView[];
  readonly classes: readonly string[];
  readonly evaluation?: EvaluationView;
  /** Error or divergence message. */
  readonly message?: string;
  readonly seconds?: number;
  readonly selection?: DoneView['selection'];
}

// ---- host → webview

export type TrainingHostMessage =
  | { readonly type: 'init'; readonly protocolVersion: number; readonly run: RunSnapshot; readonly maps?: FeatureMapsView; readonly augmented?: AugmentedSamplesView }
  | { readonly type: 'run'; readonly run: RunSnapshot }
  | { readonly type: 'progress'; readonly batch: BatchView }
  | { readonly type: 'featureMaps'; readonly maps: FeatureMapsView }
  /** The run's first training samples as augmented (sent once per run with augmentation). */
  | { readonly type: 'augmentedSamples'; readonly samples: AugmentedSamplesView }
  /** Feature maps could not be computed (e.g. no weights yet): shown in place of them. */
  | { readonly type: 'mapsError'; readonly message: string }
  | { readonly type: 'fatal'; readonly message: string };

// ---- webview → host

export type TrainingViewMessage =
  | { readonly type: 'ready'; readonly protocolVersion: number }
  | { readonly type: 'inspect'; readonly split: 'train' | 'test'; readonly index: number }
  /** Asks the host to show a file picker for an image to inspect (the webview never names paths). */
  | { readonly type: 'pickImage' }
  /** Opens the source file of misclassified sample number `index` of the evaluation. */
  | { readonly type: 'openSample'; readonly index: number }
  | { readonly type: 'train' }
  | { readonly type: 'stop' }
  /** A request (issue 13): the reply is a CellExplanation of the layer's output cell for the sample. */
  | { readonly type: 'explainCell'; readonly sample: ViewSample; readonly layer: number; readonly position: CellPosition }
  /** A request: the reply is an AttributionView (saliency or Grad-CAM) of the sample. */
  | { readonly type: 'attribution'; readonly sample: ViewSample; readonly query: AttributionQuery };

/** The sample whose feature maps the view shows (the webview never names files), or one by index. */
export type ViewSample = { readonly kind: 'inspected' } | { readonly kind: 'dataset'; readonly split: 'train' | 'test'; readonly index: number };

/** Every webview message type, as a record over the union: a type left out is a compile error, and so (through
 *  the switch below, which then knows the type) is a type without its case. */
const VIEW_TYPES: Record<TrainingViewMessage['type'], true> = { ready: true, inspect: true, pickImage: true, openSample: true, train: true, stop: true, explainCell: true, attribution: true };
const isViewType = (t: unknown): t is TrainingViewMessage['type'] => typeof t === 'string' && Object.hasOwn(VIEW_TYPES, t);

const MAX_INDEX = 10_000_000;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < MAX_INDEX;

export function guardTrainingViewMessage(raw: unknown): TrainingViewMessage | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (!isViewType(type)) return `unknown message type ${JSON.stringify(type)}`;
  switch (type) {
    case 'ready':
      return isIndex(m.protocolVersion) ? { type: 'ready', protocolVersion: m.protocolVersion } : 'ready: bad protocolVersion';
    case 'inspect':
      if (m.split !== 'train' && m.split !== 'test') return 'inspect: split must be "train" or "test"';
      return isIndex(m.index) ? { type: 'inspect', split: m.split, index: m.index } : 'inspect: bad index';
    case 'openSample':
      return isIndex(m.index) ? { type: 'openSample', index: m.index } : 'openSample: bad index';
    case 'pickImage':
    case 'train':
    case 'stop':
      return { type };
    case 'explainCell': {
      const sample = guardSample(m.sample);
      if (typeof sample === 'string') return `explainCell: ${sample}`;
      const p = m.position as Record<string, unknown> | null;
      if (!isIndex(m.layer)) return 'explainCell: bad layer';
      if (typeof p !== 'object' || p === null || !isIndex(p.row) || !isIndex(p.col) || !isIndex(p.channel)) return 'explainCell: bad position';
      return { type: 'explainCell', sample, layer: m.layer, position: { row: p.row, col: p.col, channel: p.channel } };
    }
    case 'attribution': {
      const sample = guardSample(m.sample);
      if (typeof sample === 'string') return `attribution: ${sample}`;
      const q = m.query as Record<string, unknown> | null;
      if (typeof q !== 'object' || q === null || (q.method !== 'saliency' && q.method !== 'gradCam')) return 'attribution: method must be "saliency" or "gradCam"';
      if (q.classIndex !== undefined && !isIndex(q.classIndex)) return 'attribution: bad classIndex';
      if (q.layerIndex !== undefined && !isIndex(q.layerIndex)) return 'attribution: bad layerIndex';
      const query: AttributionQuery = { method: q.method, ...(q.classIndex !== undefined ? { classIndex: q.classIndex } : {}), ...(q.layerIndex !== undefined ? { layerIndex: q.layerIndex } : {}) };
      return { type: 'attribution', sample, query };
    }
  }
}

function guardSample(raw: unknown): ViewSample | string {
  if (typeof raw !== 'object' || raw === null) return 'sample is not an object';
  const r = raw as Record<string, unknown>;
  if (r.kind === 'inspected') return { kind: 'inspected' };
  if (r.kind !== 'dataset') return 'sample kind must be "inspected" or "dataset"';
  if (r.split !== 'train' && r.split !== 'test') return 'sample split must be "train" or "test"';
  return isIndex(r.index) ? { kind: 'dataset', split: r.split, index: r.index } : 'bad sample index';
}

/** The host's answer to `ready`. */
export function trainingHandshake(ready: { readonly protocolVersion: number }, run: RunSnapshot, maps?: FeatureMapsView, augmented?: AugmentedSamplesView): TrainingHostMessage {
  if (ready.protocolVersion !== TRAINING_PROTOCOL_VERSION) {
    return { type: 'fatal', message: `The training view (protocol ${ready.protocolVersion}) does not match the extension (protocol ${TRAINING_PROTOCOL_VERSION}): close and reopen it.` };
  }
  return { type: 'init', protocolVersion: TRAINING_PROTOCOL_VERSION, run, maps, ...(augmented ? { augmented } : {}) };
}
