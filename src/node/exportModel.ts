// `cnn export` and VS Code's `CNN: Export Model…` share this: read the model's trained weights (or say that the
// seed's initial weights are used), build the chosen format, and write its files atomically. The weights are in
// our layout whatever the format; the generated code converts them where it loads them.
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { buildNetwork } from '../engine/network';
import { architectureFingerprint, encodeWeights, loadWeightsInto, weightsClasses, type Safetensors } from '../engine/weights';
import { exportKeras, KerasExportError } from '../interop/keras/export';
import { exportOnnx } from '../interop/onnx/export';
import { OPSET } from '../interop/onnx/proto';
import { exportPytorch, PYTORCH_WEIGHTS_FILE } from '../interop/pytorch/export';
import { assertNever } from '../model/assertNever';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { formatBytes, formatCount } from '../model/format';
import { inferShapes } from '../model/shapes';
import type { Model } from '../model/types';
import { modelStem, readWeights, weightsPath, writeFileAtomic } from './checkpoint/weightsFile';
import { loadInitialWeights } from './checkpoint/initialWeights';

export const EXPORT_FORMATS = ['onnx', 'pytorch', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  /** The model file: trained weights are read from beside it, and the default output goes beside it. */
  readonly modelPath: string;
  /** The parsed, valid model of that file. */
  readonly model: Model;
  readonly format: ExportFormat;
  /** ONNX: the file (default `<model>.onnx`); PyTorch: the folder (default `<model>-pytorch/`); Keras: the file (default `<model>_keras.py`). */
  readonly output?: string;
}

export interface ExportResult {
  /** Every file written, in the order written. */
  readonly files: readonly string[];
  /** What the user should know: where the weights came from, what was written and how to use it. */
  readonly notes: readonly string[];
  /** One line saying what was written (the CLI's "wrote …" line). */
  readonly summary: string;
  /** The notes that are warnings (the seed's weights were exported): the CLI prints them on stderr. */
  readonly warnings: readonly string[];
}

/** A problem the user can fix (unreadable or unfitting weights, a file that cannot be written): the message says which. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** Where `format` goes by default for the model at `modelPath`. */
export function defaultExportPath(modelPath: string, format: ExportFormat): string {
  const stem = modelStem(modelPath);
  switch (format) {
    case 'onnx':
      return `${stem}.onnx`;
    case 'pytorch':
      return `${stem}-pytorch`;
    case 'keras':
      return `${stem}_keras.py`;
    default:
      return assertNever(format, 'export format');
  }
}

export async function exportModel({ modelPath, model, format, output }: ExportRequest): Promise<ExportResult> {
  const analysis = inferShapes(model);
  if (!analysis.ok) throw new ExportError(`${modelPath}: the model has errors; fix them first`);
  const seed = model.training?.seed ?? TRAINING_DEFAULTS.seed;
  const network = buildNetwork(model, analysis, seed);
  const weightsFile = weightsPath(modelPath);
  const saved = await readWeights(modelPath).catch((e: unknown) => {
    throw new ExportError(`${weightsFile}: ${message(e)}`);
  });
  if (saved) {
    try {
      loadWeightsInto(model, network.params, saved);
    } catch (e) {
      throw new ExportError(`${weightsFile}: ${message(e)}`);
    }
  }
  // Untrained: the weights a new run starts from, pretrained ones included.
  const initial = saved
    ? undefined
    : await loadInitialWeights(modelPath, model, network).catch((e: unknown) => {
        throw new ExportError(message(e));
      });
  const start = initial ? `initial weights (${basename(initial.path)}, the rest seed ${seed})` : `initial weights (seed ${seed})`;
  const said = initial ? start : `initial weights of seed ${seed}`;
  const warnings = saved ? [] : [`no trained weights (${basename(weightsFile)}): exporting the ${said}`];
  const notes: string[] = [...warnings];
  const source = saved ? `trained weights from ${basename(weightsFile)}` : start;
  const classes = saved ? weightsClasses(saved) : undefined;
  const out = output ?? defaultExportPath(modelPath, format);
  const write = async (path: string, data: Uint8Array | string): Promise<void> => {
    await writeFileAtomic(path, data).catch((e: unknown) => {
      throw new ExportError(message(e));
    });
  };
  switch (format) {
    case 'onnx': {
      const weights = new Map(network.params.map((p) => [p.name, Float32Array.from(p.value)]));
      const bytes = exportOnnx({ model, analysis, weights, ...(classes ? { classes } : {}), producerVersion: PRODUCER_VERSION });
      await write(out, bytes);
      const [h, w, c] = model.input.shape;
      const summary =
        `wrote ${out} (ONNX opset ${OPSET}, ${formatBytes(bytes.length)}): input "input" [N, ${h}, ${w}, ${c}] (NHWC), ` +
        `${formatCount(analysis.totals.params)} parameters, ${source}`;
      return { files: [out], notes, summary, warnings };
    }
    case 'pytorch': {
      await mkdir(out, { recursive: true }).catch((e: unknown) => {
        throw new ExportError(`cannot create the folder ${out}: ${message(e)}`);
      });
      const code = exportPytorch({
        model,
        analysis,
        fingerprint: architectureFingerprint(model),
        modelFile: basename(modelPath),
        // Data paths of the model file, as train.py (in `out`) finds them: relative to the export folder.
        modelDir: relative(resolve(out), resolve(dirname(modelPath))).split('\\').join('/') || '.',
        weightsSource: source,
        ...(classes ? { classes } : {}),
      });
      const files = [join(out, 'model.py'), join(out, 'train.py'), join(out, PYTORCH_WEIGHTS_FILE)];
      await write(files[0]!, code.modelPy);
      await write(files[1]!, code.trainPy);
      await write(files[2]!, weightsBytes(model, network.params, saved, classes));
      notes.push(
        `train on one device: cd ${out} && python train.py; on N GPUs: torchrun --nproc_per_node=N train.py; ` +
          `it saves ${code.checkpointName} there: copy it beside ${basename(modelPath)} for cnn evaluate / cnn predict`,
      );
      const summary = `wrote ${out}/ (model.py, train.py, ${PYTORCH_WEIGHTS_FILE}): PyTorch nn.Module and DDP training script, ${formatCount(analysis.totals.params)} parameters, ${source}`;
      return { files, notes, summary, warnings };
    }
    case 'keras': {
      const weightsOut = join(dirname(out), `${basename(modelStem(modelPath))}_keras.safetensors`);
      let code: string;
      try {
        code = exportKeras({ model, analysis, modelFile: basename(modelPath), fingerprint: architectureFingerprint(model), weightsFile: basename(weightsOut) });
      } catch (e) {
        // What Keras cannot say (a pool's ceil mode, its padding left out on other sides than 'same' pads): one line.
        if (e instanceof KerasExportError) throw new ExportError(`${modelPath}: ${e.message}`);
        throw e;
      }
      await write(out, code);
      await write(weightsOut, weightsBytes(model, network.params, saved, classes));
      const summary = `wrote ${out} and ${basename(weightsOut)} (tf.keras ${model.layers.some((l) => l.inputs) ? 'functional' : 'Sequential'} model), ${formatCount(analysis.totals.params)} parameters, ${source}`;
      return { files: [out, weightsOut], notes, summary, warnings };
    }
    default:
      return assertNever(format, 'export format');
  }
}

/** The weights file that goes with generated code: the trained file as it is, else the seed's initial weights. */
function weightsBytes(model: Model, params: Parameters<typeof encodeWeights>[1], saved: Safetensors | undefined, classes: readonly string[] | undefined): Uint8Array {
  return encodeWeights(model, params, classes, saved?.metadata.checkpoint);
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Written into the ONNX file's producer_version. */
const PRODUCER_VERSION = '0.1.0';
