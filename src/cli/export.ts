// `cnn export <model.cnn.json> --format onnx [-o PATH]`: the model and its weights for other tools. The weights are
// the trained ones of `<model>.safetensors` when it exists, else the initial weights of the model's seed (said so).
import { basename, dirname, join } from 'node:path';
import { buildNetwork } from '../engine/network';
import { loadWeightsInto, weightsClasses } from '../engine/weights';
import { readWeights, weightsPath, writeFileAtomic, modelStem } from '../data/weightsFile';
import { exportOnnx } from '../interop/onnx/export';
import { OPSET } from '../interop/onnx/proto';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { formatBytes, formatCount } from '../model/format';
import { inferShapes } from '../model/shapes';
import { UsageError, UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { parseCommandLine, type CommandSpec } from './options';

/** What --format accepts; PyTorch and Keras code come later (issue #12). */
export const EXPORT_FORMATS = ['onnx'] as const;

export const spec = {
  name: 'export',
  operands: [{ name: '<model.cnn.json>' }],
  summary: 'the model with its weights as ONNX (opset 17), for ONNX Runtime, Netron and other tools',
  options: {
    format: { kind: 'string', placeholder: 'FORMAT', help: `what to write: ${EXPORT_FORMATS.join(', ')}` },
    output: { kind: 'string', short: 'o', placeholder: 'PATH', help: 'the file to write (default: beside the model, <model>.onnx)' },
  },
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const format = values.format;
  if (format === undefined) throw new UsageError(`cnn export: --format is required: ${EXPORT_FORMATS.join(', ')}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`cnn export: --format ${format} is not supported; supported: ${EXPORT_FORMATS.join(', ')}`);
  }
  const modelPath = operands[0]!;
  const model = loadValidModel(modelPath, io);
  const analysis = inferShapes(model);
  const seed = model.training?.seed ?? TRAINING_DEFAULTS.seed;
  const network = buildNetwork(model, analysis, seed);
  const saved = await readWeights(modelPath).catch((e: unknown) => {
    throw new UserError(`${weightsPath(modelPath)}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (saved) {
    try {
      loadWeightsInto(model, network.params, saved);
    } catch (e) {
      throw new UserError(`${weightsPath(modelPath)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    io.err(`${modelPath}: no trained weights (${basename(weightsPath(modelPath))}): exporting the initial weights of seed ${seed}`);
  }
  const weights = new Map(network.params.map((p) => [p.name, Float32Array.from(p.value)]));
  const classes = saved ? weightsClasses(saved) : undefined;
  const bytes = exportOnnx({ model, analysis, weights, ...(classes ? { classes } : {}), producerVersion: PRODUCER_VERSION });
  const out = values.output ?? join(dirname(modelPath), `${basename(modelStem(modelPath))}.onnx`);
  await writeFileAtomic(out, bytes).catch((e: unknown) => {
    throw new UserError(e instanceof Error ? e.message : String(e));
  });
  const [h, w, c] = model.input.shape;
  io.out(
    `wrote ${out} (ONNX opset ${OPSET}, ${formatBytes(bytes.length)}): input "input" [N, ${h}, ${w}, ${c}] (NHWC), ` +
      `${formatCount(analysis.totals.params)} parameters, ${saved ? `trained weights from ${basename(weightsPath(modelPath))}` : `initial weights (seed ${seed})`}`,
  );
  return 0;
}

/** Written into the ONNX file's producer_version. */
const PRODUCER_VERSION = '0.1.0';
