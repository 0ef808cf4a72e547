// Weights and training state on disk, beside the model file:
//   lenet5.cnn.json → lenet5.safetensors (weights), lenet5.optimizer.safetensors (optimizer slots, for
//   --resume) and lenet5.train.json (epoch, history, data description, timestamps).
// Every file is written atomically (temp file in the same folder, fsync, rename), so a crash or Ctrl+C
// never leaves a half-written file; train.json is written last and names what it belongs to.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Param } from '../engine/layer';
import type { OptimizerState } from '../engine/optimizers';
import type { EpochMetrics } from '../engine/train';
import {
  architectureFingerprint,
  decodeOptimizerState,
  decodeSafetensors,
  encodeOptimizerState,
  encodeWeights,
  type Safetensors,
} from '../engine/weights';
import type { Model } from '../model/types';

export const TRAIN_STATE_FORMAT = 'cnn-studio/train-state@1';

export interface TrainState {
  readonly format: typeof TRAIN_STATE_FORMAT;
  readonly model: string;
  /** Architecture fingerprint of the weights (see docs/weights.md). */
  readonly fingerprint: string;
  /** Epochs completed. */
  readonly epoch: number;
  /** Epochs planned in total. */
  readonly epochs: number;
  readonly status: 'running' | 'completed' | 'stopped' | 'earlyStopped' | 'diverged';
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

/** "dir/lenet5.cnn.json" → "dir/lenet5" (also strips a plain ".json"). */
export function modelStem(modelPath: string): string {
  return join(dirname(modelPath), basename(modelPath).replace(/(\.cnn)?\.json$/i, ''));
}
export const weightsPath = (modelPath: string): string => `${modelStem(modelPath)}.safetensors`;
export const optimizerStatePath = (modelPath: string): string => `${modelStem(modelPath)}.optimizer.safetensors`;
export const trainStatePath = (modelPath: string): string => `${modelStem(modelPath)}.train.json`;

/** Temp file in the target's folder (rename is atomic only within one file system), fsync, rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  // Persist the rename itself; not every platform can open a directory (Windows), so best effort.
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

export interface Checkpoint {
  readonly model: Model;
  readonly params: readonly Param[];
  readonly optimizer: OptimizerState;
  /** Class names of the training data, stored in the weights' metadata. */
  readonly classes?: readonly string[];
  /** Everything of TrainState but what saveCheckpoint fills in (format, model, fingerprint, files, optimizer, updatedAt). */
  readonly state: Omit<TrainState, 'format' | 'model' | 'fingerprint' | 'files' | 'optimizer' | 'updatedAt'>;
}

export async function saveCheckpoint(modelPath: string, c: Checkpoint): Promise<TrainState> {
  const fingerprint = architectureFingerprint(c.model);
  await writeFileAtomic(weightsPath(modelPath), encodeWeights(c.model, c.params, c.classes));
  await writeFileAtomic(optimizerStatePath(modelPath), encodeOptimizerState(c.optimizer, fingerprint));
  const state: TrainState = {
    format: TRAIN_STATE_FORMAT,
    model: c.model.name,
    fingerprint,
    ...c.state,
    files: { weights: basename(weightsPath(modelPath)), optimizer: basename(optimizerStatePath(modelPath)) },
    optimizer: { type: c.optimizer.type, step: c.optimizer.step },
    updatedAt: new Date().toISOString(),
  };
  await writeFileAtomic(trainStatePath(modelPath), JSON.stringify(state, null, 2) + '\n');
  return state;
}

/** Saves only the weights (e.g. the best ones restored by early stopping after the last checkpoint). */
export async function saveWeights(modelPath: string, model: Model, params: readonly Param[], classes?: readonly string[]): Promise<void> {
  await writeFileAtomic(weightsPath(modelPath), encodeWeights(model, params, classes));
}

/** Rewrites train.json alone (e.g. to record how the run ended). */
export async function writeTrainState(modelPath: string, state: TrainState): Promise<void> {
  await writeFileAtomic(trainStatePath(modelPath), JSON.stringify({ ...state, updatedAt: new Date().toISOString() }, null, 2) + '\n');
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The decoded weights file of a model, or undefined when it was never trained. Corrupt files throw WeightsError. */
export async function readWeights(modelPath: string): Promise<Safetensors | undefined> {
  const bytes = await readIfExists(weightsPath(modelPath));
  return bytes && decodeSafetensors(bytes);
}

export async function readOptimizerState(modelPath: string): Promise<{ state: OptimizerState; fingerprint?: string } | undefined> {
  const bytes = await readIfExists(optimizerStatePath(modelPath));
  return bytes && decodeOptimizerState(bytes);
}

export async function readTrainState(modelPath: string): Promise<TrainState | undefined> {
  const bytes = await readIfExists(trainStatePath(modelPath));
  if (!bytes) return undefined;
  let state: unknown;
  try {
    state = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${trainStatePath(modelPath)} is not valid JSON`);
  }
  const s = state as Partial<TrainState> | null;
  if (!s || s.format !== TRAIN_STATE_FORMAT || typeof s.epoch !== 'number' || !Array.isArray(s.history)) {
    throw new Error(`${trainStatePath(modelPath)} is not a CNN Studio training state (format ${TRAIN_STATE_FORMAT})`);
  }
  return s as TrainState;
}
