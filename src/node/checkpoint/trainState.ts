// `<model>.train.json`: the progress half of a checkpoint. It is read back for --resume and the training
// view, so it is validated as strictly as a model file: a hand-edited "epoch": -5 must not resume anything.
import type { EpochMetrics } from '../../engine/train';
import { TRAINING_SPEC } from '../../model/modelSpec';

export interface EarlyStoppingSelection {
  readonly bestEpoch: number;
  readonly on: string;
}

export const TRAIN_STATE_FORMAT = 'cnn-studio/train-state@1';
export const RUN_STATUSES = ['running', 'completed', 'stopped', 'earlyStopped', 'diverged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface TrainState {
  readonly format: typeof TRAIN_STATE_FORMAT;
  readonly model: string;
  /** Architecture fingerprint of the weights (see docs/weights.md). */
  readonly fingerprint: string;
  /** Shared by the three files of one checkpoint; a mismatch means a save was interrupted. */
  readonly checkpoint: string;
  /** Epochs completed. */
  readonly epoch: number;
  /** Epochs planned in total. */
  readonly epochs: number;
  readonly status: RunStatus;
  /** After early stopping: the epoch whose weights were kept, and on what ("validation loss", "training loss"). */
  readonly selection?: EarlyStoppingSelection;
  readonly seed: number;
  /** File names relative to the model file's folder. */
  readonly files: { readonly weights: string; readonly optimizer: string };
  readonly optimizer: { readonly type: string; readonly step: number };
  readonly data: { readonly train: string; readonly validation?: string; readonly test?: string; readonly limit?: number };
  readonly classes?: readonly string[];
  readonly history: readonly EpochMetrics[];
  readonly startedAt: string;
  readonly updatedAt: string;
}

const MAX_EPOCHS = limitOf('epochs');
const MAX_SEED = limitOf('seed');

function limitOf(field: 'epochs' | 'seed'): number {
  const spec = TRAINING_SPEC.fields[field];
  if (spec.kind !== 'int') throw new Error(`training.${field} is not an integer field in the spec`);
  return spec.max;
}

const METRIC_FIELDS = ['learningRate', 'trainLoss', 'trainAccuracy', 'seconds'] as const;
const OPTIONAL_METRICS = ['trainTopK', 'valLoss', 'valAccuracy', 'valTopK', 'testLoss', 'testAccuracy', 'testTopK'] as const;

/** Parses and checks train.json; every problem is one message naming the field, the value and what is allowed. */
export function parseTrainState(text: string, fileName: string): TrainState {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new TrainStateError(`${fileName} is not valid JSON`);
  }
  const problems: string[] = [];
  const s = isObject(raw) ? raw : {};
  if (!isObject(raw) || s.format !== TRAIN_STATE_FORMAT) {
    throw new TrainStateError(`${fileName} is not a CNN Studio training state (format ${TRAIN_STATE_FORMAT})`);
  }
  const int = (path: string, v: unknown, min: number, max: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`"${path}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  const str = (path: string, v: unknown): void => {
    if (typeof v !== 'string' || v === '') problems.push(`"${path}" must be a non-empty string, got ${JSON.stringify(v)}`);
  };
  str('model', s.model);
  str('fingerprint', s.fingerprint);
  // Checkpoints written before checkpoint ids existed have none; they are checked by the optimizer step instead.
  if (s.checkpoint !== undefined) str('checkpoint', s.checkpoint);
  int('epochs', s.epochs, 1, MAX_EPOCHS);
  int('epoch', s.epoch, 0, typeof s.epochs === 'number' && s.epochs <= MAX_EPOCHS ? Math.max(s.epochs, 0) : MAX_EPOCHS);
  int('seed', s.seed, 0, MAX_SEED);
  if (!RUN_STATUSES.includes(s.status as RunStatus)) problems.push(`"status" must be one of ${RUN_STATUSES.map((x) => `"${x}"`).join(', ')}, got ${JSON.stringify(s.status)}`);
  if (s.selection !== undefined) {
    const sel = isObject(s.selection) ? s.selection : {};
    int('selection.bestEpoch', sel.bestEpoch, 1, typeof s.epoch === 'number' ? s.epoch : MAX_EPOCHS);
    str('selection.on', sel.on);
  }
  const files = isObject(s.files) ? s.files : {};
  str('files.weights', files.weights);
  str('files.optimizer', files.optimizer);
  const optimizer = isObject(s.optimizer) ? s.optimizer : {};
  str('optimizer.type', optimizer.type);
  int('optimizer.step', optimizer.step, 0, Number.MAX_SAFE_INTEGER);
  const data = isObject(s.data) ? s.data : {};
  str('data.train', data.train);
  if (s.classes !== undefined && !(Array.isArray(s.classes) && s.classes.every((c) => typeof c === 'string'))) problems.push('"classes" must be an array of strings');
  str('startedAt', s.startedAt);
  if (!Array.isArray(s.history)) problems.push('"history" must be an array of epochs');
  else {
    if (typeof s.epoch === 'number' && s.history.length !== s.epoch) problems.push(`"history" has ${s.history.length} epochs but "epoch" says ${s.epoch} were completed`);
    s.history.forEach((m: unknown, i: number) => {
      const e = isObject(m) ? m : {};
      if (e.epoch !== i + 1) problems.push(`"history[${i}].epoch" must be ${i + 1}, got ${JSON.stringify(e.epoch)}`);
      for (const k of METRIC_FIELDS) if (typeof e[k] !== 'number' || !Number.isFinite(e[k])) problems.push(`"history[${i}].${k}" must be a finite number, got ${JSON.stringify(e[k])}`);
      for (const k of OPTIONAL_METRICS) if (e[k] !== undefined && (typeof e[k] !== 'number' || !Number.isFinite(e[k]))) problems.push(`"history[${i}].${k}" must be a finite number, got ${JSON.stringify(e[k])}`);
    });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    throw new TrainStateError(`${fileName} is not a valid training state: ${shown}`);
  }
  return raw as unknown as TrainState;
}

export class TrainStateError extends Error {
  override readonly name = 'TrainStateError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
