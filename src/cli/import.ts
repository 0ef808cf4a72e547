// `cnn import <model.onnx> [-o model.cnn.json] [--force]`: an ONNX CNN as a model file and its weights
// (`<model>.safetensors`, our layouts). An operator we cannot convert is listed by name and node, and nothing is
// written then; existing files are replaced only with --force.
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError, MAX_ONNX_BYTES, readRegularFileSync } from '../node/files';
import { weightsPath, writeFileAtomic } from '../node/checkpoint/weightsFile';
import { encodeSafetensors, weightsMetadata } from '../engine/weights';
import { importOnnx, OnnxImportError } from '../interop/onnx/import';
import { formatModelText } from '../interop/modelText';
import { formatCount } from '../model/format';
import { parseModelText } from '../model/parse';
import { inferShapes } from '../model/shapes';
import { externalDataReader } from '../node/onnxExternalData';
import { UsageError, UserError, type CliIo } from './io';
import { INPUT_CONVENTIONS, TransferError, withInputConvention, type InputConvention } from '../model/transfer';
import { parseCommandLine, type CommandSpec } from './options';

export const spec = {
  name: 'import',
  operands: [{ name: '<model.onnx>' }],
  summary: 'an ONNX CNN as a .cnn.json model with its weights (<model>.safetensors)',
  options: {
    output: { kind: 'string', short: 'o', placeholder: 'PATH', help: 'the model file to write (default: beside the .onnx file, <name>.cnn.json)' },
    force: { kind: 'boolean', help: 'replace the model file and its weights when they exist' },
    preprocess: {
      kind: 'string',
      placeholder: INPUT_CONVENTIONS.join('|'),
      help: "the input convention the network was trained with, as a layer in front: imagenet (torchvision's mean/std), -1-1 (Keras MobileNet), 0-1 (none, the default)",
    },
  },
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const onnxPath = operands[0]!;
  const stem = basename(onnxPath).replace(/\.onnx$/i, '');
  const out = values.output ?? join(dirname(onnxPath), `${stem}.cnn.json`);
  const weightsOut = weightsPath(out);
  for (const target of [out, weightsOut]) {
    if (!values.force && existsSync(target)) throw new UserError(`${target} exists: choose another -o or pass --force to replace it`);
  }
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(onnxPath, { maxBytes: MAX_ONNX_BYTES, what: 'an ONNX model' });
  } catch (e) {
    if (e instanceof FileError) throw new UserError(e.message);
    throw e;
  }
  let result;
  try {
    result = importOnnx(bytes, { name: basename(out).replace(/(\.cnn)?\.json$/i, ''), readExternal: externalDataReader(onnxPath) });
  } catch (e) {
    if (!(e instanceof OnnxImportError)) throw e;
    // One problem (a broken file always has one) is one line; several are listed under it.
    if (e.problems.length === 1) io.err(`${onnxPath}: cannot import, nothing was written: ${e.problems[0]!}`);
    else {
      io.err(`${onnxPath}: cannot import (${e.problems.length} problems); nothing was written:`);
      for (const p of e.problems) io.err(`  ${p}`);
    }
    return 1;
  }
  const { tensors, classes, notes } = result;
  let model = result.model;
  if (values.preprocess !== undefined) {
    if (!(INPUT_CONVENTIONS as readonly string[]).includes(values.preprocess)) throw new UsageError(`cnn import: --preprocess must be one of ${INPUT_CONVENTIONS.join(', ')} (got "${values.preprocess}")`);
    try {
      model = withInputConvention(model, values.preprocess as InputConvention);
    } catch (e) {
      if (e instanceof TransferError) throw new UserError(`${onnxPath}: ${e.message}`);
      throw e;
    }
  }
  const text = formatModelText(model);
  // The text must read back as the same valid model: the importer's output meets the format, checked here once more.
  const parsed = parseModelText(text);
  if (!parsed.model) throw new Error(`the imported model does not parse: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
  const metadata = weightsMetadata(model);
  if (classes) metadata.classes = JSON.stringify(classes);
  await writeFileAtomic(weightsOut, encodeSafetensors(tensors, metadata)).catch((e: unknown) => {
    throw new UserError(e instanceof Error ? e.message : String(e));
  });
  try {
    await writeFileAtomic(out, text);
  } catch (e) {
    // No weights without their model.
    await unlink(weightsOut).catch(() => undefined);
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
  for (const n of notes) io.err(`${onnxPath}: note: ${n}`);
  const totals = inferShapes(model).totals;
  io.out(
    `wrote ${out} (${model.layers.length} layers; ${formatCount(totals.params)} parameters: ${formatCount(totals.trainable)} trainable, ` +
      `${formatCount(totals.nonTrainable)} non-trainable) and ${weightsOut}`,
  );
  return 0;
}
