// `cnn export --format pytorch`: model.py (the nn.Module) and train.py (DDP training) as text. Pure: the caller
// (src/node/exportModel.ts) writes them, with the weights, into the export folder.
import type { ModelAnalysis } from '../../model/analysis';
import type { Model } from '../../model/types';
import { modelPy } from './modelPy';
import { trainPy } from './trainPy';

/** The weights written beside model.py (our layout), which train.py starts from. */
export const PYTORCH_WEIGHTS_FILE = 'weights.safetensors';

export interface PytorchExportInput {
  readonly model: Model;
  /** The model's analysis; it must have no errors. */
  readonly analysis: ModelAnalysis;
  /** Our architectureFingerprint of the model, which train.py's checkpoints carry. */
  readonly fingerprint: string;
  /** The model file's name, e.g. "lenet5.cnn.json": the checkpoint train.py writes is named after it. */
  readonly modelFile: string;
  /** The model file's folder relative to the export folder, with '/' separators. */
  readonly modelDir: string;
  /** Where the exported weights come from ("trained weights from lenet5.safetensors"), said in train.py. */
  readonly weightsSource: string;
  readonly classes?: readonly string[];
}

export interface PytorchExport {
  readonly modelPy: string;
  readonly trainPy: string;
  /** The checkpoint train.py writes in its folder: `<model file stem>.safetensors`, the name CNN Studio looks for. */
  readonly checkpointName: string;
}

export class PytorchExportError extends Error {
  override readonly name = 'PytorchExportError';
}

export function exportPytorch({ model, analysis, fingerprint, modelFile, modelDir, weightsSource, classes }: PytorchExportInput): PytorchExport {
  if (!analysis.ok || analysis.layers.length !== model.layers.length) {
    throw new PytorchExportError(`model "${model.name}" has errors: fix them before exporting`);
  }
  const checkpointName = `${modelFile.replace(/(\.cnn)?\.json$/i, '')}.safetensors`;
  return {
    modelPy: modelPy({ model, analysis, fingerprint, modelFile, ...(classes ? { classes } : {}) }),
    trainPy: trainPy({ model, modelFile, modelDir, weightsSource, checkpointName }),
    checkpointName,
  };
}
