// `training.initialWeights`: the weights a new run starts from (a pretrained backbone), by layer name. Shared by
// training and by the exports of an untrained model, so both start where the other would.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Network } from '../../engine/network';
import { loadMatchingWeights, type WarmStart } from '../../engine/weights';
import { defaultLayerName, type Model } from '../../model/types';
import { FileError } from '../files';
import { readWeightsFile } from './weightsFile';

/** The file is missing, unreadable, corrupt or fits no layer: the message names the field and the file. */
export class InitialWeightsError extends Error {}

export interface InitialWeights extends WarmStart {
  readonly path: string;
  /** Parameters of frozen layers the file has nothing for: they keep random values and never learn. */
  readonly frozenFresh: readonly string[];
}

export function initialWeightsPath(modelPath: string, model: Model): string | undefined {
  const file = model.training?.initialWeights;
  return file === undefined ? undefined : besideModel(modelPath, file);
}

/** Where a path written in the model points: relative to the model's folder unless absolute. */
export function besideModel(modelPath: string, file: string): string {
  return isAbsolute(file) ? file : resolve(dirname(modelPath), file);
}

/** Loads `training.initialWeights` into the network's params by name and shape; undefined when the model has none. */
export async function loadInitialWeights(modelPath: string, model: Model, network: Network): Promise<InitialWeights | undefined> {
  const path = initialWeightsPath(modelPath, model);
  if (path === undefined) return undefined;
  const field = `"training.initialWeights": "${model.training!.initialWeights!}"`;
  try {
    const file = await readWeightsFile(path);
    if (!file) throw new InitialWeightsError(`${modelPath}: ${field}: ${path} does not exist`);
    const start = loadMatchingWeights(network.params, file);
    const frozenLayers = new Set(model.layers.flatMap((l, i) => (l.trainable === false ? [l.name ?? defaultLayerName(l.type, i)] : [])));
    const frozenFresh = start.fresh.filter((p) => frozenLayers.has(p.slice(0, p.lastIndexOf('.'))));
    return { ...start, path, frozenFresh };
  } catch (e) {
    if (e instanceof InitialWeightsError) throw e;
    // A FileError names the file already.
    throw new InitialWeightsError(`${modelPath}: ${field}: ${e instanceof FileError ? e.message : `${path}: ${e instanceof Error ? e.message : String(e)}`}`);
  }
}
