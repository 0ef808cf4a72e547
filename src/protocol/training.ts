// The training view channel: extension host ↔ training webview (webview/training/). The webview speaks
// first (`ready`); the host answers `init` with everything known about the model's runs (curves survive
// hiding and reopening because the host, not the webview, keeps them: DESIGN.md §5), then `run` on every
// status/epoch change, `progress` per batch and `featureMaps`. Webview messages are untrusted: guarded below.
import type { BatchView, DoneView, EpochView, EvaluationView, FeatureMapsView } from './worker';

export type { BatchView, EpochView, EvaluationView, FeatureMapsView, MapView, Misclassified } from './worker';

/** Bump on any incompatible change to the messages below. */
export const TRAINING_PROTOCOL_VERSION = 1;

export type RunPhase = 'idle' | 'loading' | 'running' | 'stopping' | 'completed' | 'stopped' | 'earlyStopped' | 'diverged' | 'failed';

/** Everything the view shows about a model's current or last run. */
export interface RunSnapshot {
  readonly modelName: string;
  readonly phase: RunPhase;
  /** Data description ("training lenet5: …"). */
  readonly description?: string;
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
  | { readonly type: 'init'; readonly protocolVersion: number; readonly run: RunSnapshot; readonly maps?: FeatureMapsView }
  | { readonly type: 'run'; readonly run: RunSnapshot }
  | { readonly type: 'progress'; readonly batch: BatchView }
  | { readonly type: 'featureMaps'; readonly maps: FeatureMapsView }
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
  | { readonly type: 'stop' };

const MAX_INDEX = 10_000_000;
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < MAX_INDEX;

export function guardTrainingViewMessage(raw: unknown): TrainingViewMessage | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  switch (m.type) {
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
      return { type: m.type };
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

/** The host's answer to `ready`. */
export function trainingHandshake(ready: { readonly protocolVersion: number }, run: RunSnapshot, maps?: FeatureMapsView): TrainingHostMessage {
  if (ready.protocolVersion !== TRAINING_PROTOCOL_VERSION) {
    return { type: 'fatal', message: `The training view (protocol ${ready.protocolVersion}) does not match the extension (protocol ${TRAINING_PROTOCOL_VERSION}): close and reopen it.` };
  }
  return { type: 'init', protocolVersion: TRAINING_PROTOCOL_VERSION, run, maps };
}
