// `cnn export <model.cnn.json> --format onnx|pytorch|keras [-o PATH]`: the model and its weights for other tools.
// The work (weights, build, atomic writes) is src/node/exportModel.ts, shared with VS Code's `CNN: Export Model…`;
// this file parses options and prints.
import { EXPORT_FORMATS, ExportError, exportModel, type ExportFormat } from '../node/exportModel';
import { UsageError, UserError, type CliIo } from './io';
import { loadValidModel } from './modelFile';
import { parseCommandLine, type CommandSpec } from './options';

export { EXPORT_FORMATS };

export const spec = {
  name: 'export',
  operands: [{ name: '<model.cnn.json>' }],
  summary: 'the model with its weights as ONNX (opset 17), PyTorch code (model.py, train.py for torchrun) or tf.keras code',
  options: {
    format: { kind: 'string', placeholder: 'FORMAT', help: `what to write: ${EXPORT_FORMATS.join(', ')}` },
    output: {
      kind: 'string',
      short: 'o',
      placeholder: 'PATH',
      help: 'where to write (default: beside the model: <model>.onnx, the folder <model>-pytorch/, <model>_keras.py)',
    },
  },
} as const satisfies CommandSpec;

const isFormat = (f: string): f is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(f);

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const format = values.format;
  if (format === undefined) throw new UsageError(`cnn export: --format is required: ${EXPORT_FORMATS.join(', ')}`);
  if (!isFormat(format)) throw new UsageError(`cnn export: --format ${format} is not supported; supported: ${EXPORT_FORMATS.join(', ')}`);
  const modelPath = operands[0]!;
  const model = loadValidModel(modelPath, io);
  try {
    const result = await exportModel({ modelPath, model, format, ...(values.output !== undefined ? { output: values.output } : {}) });
    for (const warning of result.warnings) io.err(`${modelPath}: ${warning}`);
    io.out(result.summary);
    for (const note of result.notes) if (!result.warnings.includes(note)) io.out(note);
  } catch (e) {
    if (e instanceof ExportError) throw new UserError(e.message);
    throw e;
  }
  return 0;
}
