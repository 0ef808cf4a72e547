// A model's network with the weights saved beside it, for evaluate, predict and the training view's feature
// maps: one place that says when they are missing, corrupt or no longer fit the model.
import { buildNetwork, type Network } from '../../engine/network';
import { loadWeightsInto, weightsClasses } from '../../engine/weights';
import { TRAINING_DEFAULTS } from '../../model/defaults';
import { inferShapes } from '../../model/shapes';
import type { Model } from '../../model/types';
import { readWeights, weightsPath } from './weightsFile';

export interface TrainedNetwork {
  readonly network: Network;
  /** From the weights' metadata; undefined for weights saved without them. */
  readonly classes?: readonly string[];
}

/** Missing, unreadable, corrupt or mismatched weights; the message names the file and what to do. */
export class TrainedWeightsError extends Error {}

export async function loadTrainedNetwork(modelPath: string, model: Model): Promise<TrainedNetwork> {
  const network = buildNetwork(model, inferShapes(model), model.training?.seed ?? TRAINING_DEFAULTS.seed);
  // Its inference passes (evaluate, predict) fold batch norms and activation layers into the layers before them
  // (equal to float rounding; engine/fold.ts); feature maps and explanations see every layer's own output.
  network.foldBatchNorms = true;
  try {
    const file = await readWeights(modelPath);
    if (!file) throw new TrainedWeightsError(`${modelPath} has no trained weights yet (${weightsPath(modelPath)}): train it first`);
    loadWeightsInto(model, network.params, file);
    return { network, classes: weightsClasses(file) };
  } catch (e) {
    if (e instanceof TrainedWeightsError) throw e;
    throw new TrainedWeightsError(`${weightsPath(modelPath)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
