// Weights and training state on disk, beside the model file:
//   lenet5.cnn.json → lenet5.safetensors (weights), lenet5.optimizer.safetensors (optimizer slots, for
//   --resume) and lenet5.train.json (epoch, history, data description, timestamps).
// A checkpoint is one unit: the three files carry the same checkpoint id, all three are written in full
// (temp file in the same folder, fsync) before any replaces its predecessor, and resume refuses a mix.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Param } from '../../engine/layer';
import type { OptimizerState } from '../../engine/optimizers';
import {
  architectureFingerprint,
  decodeOptimizerState,
  decodeSafetensors,
  encodeOptimizerState,
  encodeWeights,
  type Safetensors,
} from '../../engine/weights';
import type { Model } from '../../model/types';
import { formatBytes } from '../../model/format';
import { FileError, readRegularFile } from '../files';
import { parseTrainState, TRAIN_STATE_FORMAT, type TrainState } from './trainState';

export { TRAIN_STATE_FORMAT, type TrainState } from './trainState';

/** "dir/lenet5.cnn.json" → "dir/lenet5" (also strips a plain ".json"). */
export function modelStem(modelPath: string): string {
  return join(dirname(modelPath), basename(modelPath).replace(/(\.cnn)?\.json$/i, ''));
}
export const weightsPath = (modelPath: string): string => `${modelStem(modelPath)}.safetensors`;
export const optimizerStatePath = (modelPath: string): string => `${modelStem(modelPath)}.optimizer.safetensors`;
export const trainStatePath = (modelPath: string): string => `${modelStem(modelPath)}.train.json`;

/** A file written in full and flushed, waiting to be renamed over its target. */
interface StagedFile {
  readonly path: string;
  readonly temp: string;
}

const tempName = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** Writes `data` to a temp file beside `path` and fsyncs it; any failure removes the temp file and names `path`. */
async function stage(path: string, data: Uint8Array | string): Promise<StagedFile> {
  const temp = tempName(path);
  let handle;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw writeError(path, e, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
  }
  return { path, temp };
}

/** Renames staged files over their targets, in order, then persists the renames. */
async function commit(files: readonly StagedFile[]): Promise<void> {
  for (const [i, f] of files.entries()) {
    try {
      await rename(f.temp, f.path);
    } catch (e) {
      await Promise.all(files.slice(i).map((g) => unlink(g.temp).catch(() => undefined)));
      throw writeError(f.path, e);
    }
  }
  // Persist the renames themselves; not every platform can open a directory (Windows), so best effort.
  for (const dir of new Set(files.map((f) => dirname(f.path)))) {
    const handle = await open(dir, 'r').catch(() => undefined);
    await handle?.sync().catch(() => undefined);
    await handle?.close();
  }
}

/** A checkpoint file could not be written: the message names the file (and says when the disk is full). */
export class CheckpointWriteError extends Error {
  override readonly name = 'CheckpointWriteError';
}

function writeError(path: string, e: unknown, bytes?: number): CheckpointWriteError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CheckpointWriteError(`no space left on the device for ${path}${bytes !== undefined ? ` (${formatBytes(bytes)})` : ''}; free some space and train again`);
  }
  // The temporary file's name in Node's message would only confuse: say which folder is missing.
  if (code === 'ENOENT') return new CheckpointWriteError(`cannot write ${path}: the folder ${dirname(path) || '.'} does not exist`);
  return new CheckpointWriteError(`cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Temp file in the target's folder (rename is atomic only within one file system), fsync, rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await commit([await stage(path, data)]);
}

export interface Checkpoint {
  readonly model: Model;
  readonly params: readonly Param[];
  readonly optimizer: OptimizerState;
  /** Class names of the training data, stored in the weights' metadata. */
  readonly classes?: readonly string[];
  /** Everything of TrainState but what saveCheckpoint fills in (format, model, fingerprint, checkpoint id, files, optimizer, updatedAt). */
  readonly state: Omit<TrainState, 'format' | 'model' | 'fingerprint' | 'checkpoint' | 'files' | 'optimizer' | 'updatedAt'>;
}

const stateText = (state: TrainState): string => JSON.stringify(state, null, 2) + '\n';

/**
 * Writes weights, optimizer state and train.json as one checkpoint with a fresh id. All three are staged
 * before any is renamed, so a full disk leaves the previous checkpoint whole; a kill between the renames
 * leaves files with different ids, which resume refuses.
 */
export async function saveCheckpoint(modelPath: string, c: Checkpoint): Promise<TrainState> {
  const fingerprint = architectureFingerprint(c.model);
  const checkpoint = randomBytes(8).toString('hex');
  const state: TrainState = {
    format: TRAIN_STATE_FORMAT,
    model: c.model.name,
    fingerprint,
    ...c.state,
    checkpoint,
    files: { weights: basename(weightsPath(modelPath)), optimizer: basename(optimizerStatePath(modelPath)) },
    optimizer: { type: c.optimizer.type, step: c.optimizer.step },
    updatedAt: new Date().toISOString(),
  };
  const staged: StagedFile[] = [];
  try {
    staged.push(await stage(weightsPath(modelPath), encodeWeights(c.model, c.params, c.classes, checkpoint)));
    staged.push(await stage(optimizerStatePath(modelPath), encodeOptimizerState(c.optimizer, fingerprint, checkpoint)));
    staged.push(await stage(trainStatePath(modelPath), stateText(state)));
  } catch (e) {
    await Promise.all(staged.map((f) => unlink(f.temp).catch(() => undefined)));
    throw e;
  }
  await commit(staged);
  return state;
}

/** Rewrites train.json alone within the same checkpoint (how the run ended, the final evaluation). */
export async function writeTrainState(modelPath: string, state: TrainState): Promise<void> {
  await writeFileAtomic(trainStatePath(modelPath), stateText({ ...state, updatedAt: new Date().toISOString() }));
}

/** Weights beyond this are not a CNN Studio checkpoint (Node's Buffer limit is about the same). */
const MAX_CHECKPOINT_FILE_BYTES = 4 * 1024 ** 3 - 1;
const MAX_TRAIN_STATE_BYTES = 64 * 1024 ** 2;

/** A checkpoint file's bytes, undefined when it does not exist; directories, pipes and absurd sizes are refused. */
async function readIfExists(path: string, what: string, maxBytes = MAX_CHECKPOINT_FILE_BYTES): Promise<Buffer | undefined> {
  try {
    return await readRegularFile(path, { maxBytes, what });
  } catch (e) {
    if (e instanceof FileError && e.problem === 'notFound') return undefined;
    throw e;
  }
}

/** The decoded weights file of a model, or undefined when it was never trained. Corrupt files throw WeightsError. */
export async function readWeights(modelPath: string): Promise<Safetensors | undefined> {
  return readWeightsFile(weightsPath(modelPath));
}

/** A decoded weights file at `path` (a pretrained backbone's), or undefined when it does not exist. */
export async function readWeightsFile(path: string): Promise<Safetensors | undefined> {
  const bytes = await readIfExists(path, 'a weights file');
  return bytes && decodeSafetensors(bytes);
}

export async function readOptimizerState(modelPath: string): Promise<ReturnType<typeof decodeOptimizerState> | undefined> {
  const bytes = await readIfExists(optimizerStatePath(modelPath), 'an optimizer state file');
  return bytes && decodeOptimizerState(bytes);
}

export async function readTrainState(modelPath: string): Promise<TrainState | undefined> {
  const bytes = await readIfExists(trainStatePath(modelPath), 'a training state file', MAX_TRAIN_STATE_BYTES);
  return bytes && parseTrainState(bytes.toString('utf8'), trainStatePath(modelPath));
}
