// Transfer learning's files: read a backbone (a .cnn.json with its weights beside it, or an .onnx), cut it, add a
// head for a photo folder's classes, and write the new model with the backbone's weights beside it
// (`<name>.backbone.safetensors`, named by the model's `training.initialWeights`). Shared by `cnn transfer` and
// "CNN: New Model from Pretrained…".
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { architectureFingerprint, encodeSafetensors, nonFiniteProblems, weightsMetadata, type NamedTensor } from '../engine/weights';
import { importOnnx, OnnxImportError } from '../interop/onnx/import';
import { formatModelText } from '../interop/modelText';
import type { ModelAnalysis } from '../model/analysis';
import { paramDefs } from '../model/layers';
import { parseModelText } from '../model/parse';
import { inferShapes } from '../model/shapes';
import { transferModel, TransferError, type TransferredModel, type TransferSettings } from '../model/transfer';
import type { Model } from '../model/types';
import { modelStem, optimizerStatePath, readWeights, trainStatePath, weightsPath, writeFileAtomic } from './checkpoint/weightsFile';
import { listClassFolders } from './datasets/imageFolder';
import { MAX_MODEL_BYTES, MAX_ONNX_BYTES, readRegularFileSync } from './files';
import { externalDataReader } from './onnxExternalData';

export { TransferError } from '../model/transfer';


export interface Backbone {
  readonly path: string;
  readonly model: Model;
  readonly analysis: ModelAnalysis;
  /** Every parameter of the backbone by name (`<layer>.<param>`). */
  readonly tensors: ReadonlyMap<string, NamedTensor>;
  /** Where the weights come from, for messages. */
  readonly weightsSource: string;
  /** The importer's notes for an .onnx backbone. */
  readonly notes: readonly string[];
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A .cnn.json with trained weights beside it, or an .onnx (imported in memory). */
export async function readBackbone(path: string): Promise<Backbone> {
  if (/\.onnx$/i.test(path)) return readOnnxBackbone(path);
  let text: string;
  try {
    text = readRegularFileSync(path, { maxBytes: MAX_MODEL_BYTES, what: 'a model file' }).toString('utf8');
  } catch (e) {
    throw new TransferError(message(e));
  }
  const parsed = parseModelText(text);
  if (!parsed.model) {
    const first = parsed.diagnostics.find((d) => d.severity === 'error');
    throw new TransferError(`${path}: the backbone has errors (${first?.message ?? 'invalid model'}); fix them first`);
  }
  const model = parsed.model;
  const wPath = weightsPath(path);
  let tensors: readonly NamedTensor[];
  try {
    const file = await readWeights(path);
    if (!file) throw new TransferError(`${path} has no trained weights beside it (${wPath}): train it first (cnn train), or transfer from an .onnx file`);
    const saved = file.metadata.fingerprint;
    if (saved !== undefined && saved !== architectureFingerprint(model)) {
      throw new TransferError(`${wPath} was saved for other layers than ${path} has now (architecture fingerprint ${saved}, now ${architectureFingerprint(model)}): retrain the backbone first`);
    }
    tensors = file.tensors;
  } catch (e) {
    if (e instanceof TransferError) throw e;
    throw new TransferError(`${wPath}: ${message(e)}`);
  }
  return { path, model, analysis: inferShapes(model), tensors: new Map(tensors.map((t) => [t.name, t])), weightsSource: wPath, notes: [] };
}

async function readOnnxBackbone(path: string): Promise<Backbone> {
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(path, { maxBytes: MAX_ONNX_BYTES, what: 'an ONNX model' });
  } catch (e) {
    throw new TransferError(message(e));
  }
  try {
    const r = importOnnx(bytes, { name: basename(path).replace(/\.onnx$/i, ''), readExternal: externalDataReader(path) });
    return { path, model: r.model, analysis: inferShapes(r.model), tensors: new Map(r.tensors.map((t) => [t.name, t])), weightsSource: path, notes: r.notes };
  } catch (e) {
    if (e instanceof OnnxImportError) {
      throw new TransferError(`${path}: cannot import it as a backbone: ${e.problems.slice(0, 3).join('; ')}${e.problems.length > 3 ? `; and ${e.problems.length - 3} more` : ''}`);
    }
    throw e;
  }
}

export interface TransferRequest extends TransferSettings {
  readonly backbone: Backbone;
  /** The folder of class subfolders to train on. */
  readonly dataDir: string;
  readonly testDir?: string;
  /** The model file to write (default: `<data folder name>.cnn.json` in the data folder's parent). */
  readonly output?: string;
  readonly force?: boolean;
}

export interface TransferResult extends TransferredModel {
  readonly modelPath: string;
  readonly weightsPath: string;
  readonly classes: readonly string[];
}

export function defaultTransferOutput(dataDir: string): string {
  const dir = resolve(dataDir);
  return resolve(dirname(dir), `${basename(dir)}.cnn.json`);
}

/** `<stem>.backbone.safetensors`: the pretrained weights a new run of `modelPath` starts from. */
export const backboneWeightsPath = (modelPath: string): string => `${modelStem(modelPath)}.backbone.safetensors`;

/** Relative path with '/' separators, as model files keep them. */
const portable = (from: string, to: string): string => relative(from, to).split(sep).join('/') || '.';

export async function writeTransfer(r: TransferRequest, cut: number): Promise<TransferResult> {
  const out = resolve(r.output ?? defaultTransferOutput(r.dataDir));
  if (!/\.json$/i.test(out)) throw new TransferError(`${out}: the model file's name ends in .cnn.json`);
  const wOut = backboneWeightsPath(out);
  for (const target of [out, wOut, weightsPath(out)]) {
    if (!r.force && existsSync(target)) throw new TransferError(`${target} exists: choose another output or pass --force to replace it`);
  }
  let classes: string[];
  try {
    classes = await listClassFolders(r.dataDir);
  } catch (e) {
    throw new TransferError(message(e));
  }
  const outDir = dirname(out);
  const t = transferModel({
    backbone: r.backbone.model,
    analysis: r.backbone.analysis,
    cut,
    classes,
    name: basename(out).replace(/(\.cnn)?\.json$/i, ''),
    trainData: portable(outDir, resolve(r.dataDir)),
    ...(r.testDir !== undefined ? { testData: portable(outDir, resolve(r.testDir)) } : {}),
    initialWeights: basename(wOut),
    ...(r.inputSize ? { inputSize: r.inputSize } : {}),
    ...(r.resize ? { resize: r.resize } : {}),
    ...(r.convention ? { convention: r.convention } : {}),
    ...(r.dropout ? { dropout: r.dropout } : {}),
    ...(r.epochs ? { epochs: r.epochs } : {}),
    ...(r.validationSplit ? { validationSplit: r.validationSplit } : {}),
  });
  const text = formatModelText(t.model);
  // The text must read back as a valid model; what fails is the backbone at another input size or convention.
  const analysis = inferShapes(t.model);
  const parsed = parseModelText(text);
  if (!analysis.ok || !parsed.model) {
    const problem =
      analysis.layers.flatMap((l) => l.errors.filter((e) => e.severity !== 'warning').map((e) => `${l.name}: ${e.message}`))[0] ??
      parsed.diagnostics.find((d) => d.severity === 'error')?.message;
    const size = r.inputSize ? ` at ${r.inputSize[0]}×${r.inputSize[1]}` : '';
    throw new TransferError(`the backbone up to ${r.backbone.analysis.layers[cut]!.name} does not work${size}: ${problem ?? 'its shapes are unknown'}`);
  }
  const tensors = backboneTensors(r.backbone, analysis, t, r.inputSize ? ` at ${r.inputSize[0]}×${r.inputSize[1]}` : '');
  const bad = nonFiniteProblems(tensors);
  if (bad.length > 0) throw new TransferError(`${r.backbone.weightsSource}: the weights are corrupt: ${bad.slice(0, 3).join('; ')}`);
  const metadata = { ...weightsMetadata(t.model), backbone: basename(r.backbone.path), cut: r.backbone.analysis.layers[cut]!.name };
  await writeFileAtomic(wOut, encodeSafetensors(tensors, metadata)).catch((e: unknown) => {
    throw new TransferError(message(e));
  });
  try {
    await writeFileAtomic(out, text);
  } catch (e) {
    await unlink(wOut).catch(() => undefined);
    throw new TransferError(message(e));
  }
  // A replaced model's checkpoint belongs to it, not to the new one: a stale one would load into the new model.
  for (const stale of [weightsPath(out), optimizerStatePath(out), trainStatePath(out)]) await unlink(stale).catch(() => undefined);
  return { ...t, modelPath: out, weightsPath: wOut, classes };
}

/** The kept layers' parameters from the backbone, checked against what they need in the new model (its input
 *  size may differ: a dense layer after a flatten then needs other shapes). */
function backboneTensors(backbone: Backbone, analysis: ModelAnalysis, t: TransferredModel, size: string): NamedTensor[] {
  const kept = new Set(t.kept.map((l) => l.name));
  const out: NamedTensor[] = [];
  const missing: string[] = [];
  const misfit: string[] = [];
  for (const info of analysis.layers) {
    if (!kept.has(info.name)) continue;
    for (const d of paramDefs(info)) {
      const name = `${info.name}.${d.name}`;
      const tensor = backbone.tensors.get(name);
      if (!tensor) missing.push(name);
      else if (tensor.shape.join(',') !== d.shape.join(',')) misfit.push(`${name} is [${tensor.shape.join(', ')}], needs [${d.shape.join(', ')}]`);
      else out.push(tensor);
    }
  }
  const listed = (xs: string[]): string => `${xs.slice(0, 4).join('; ')}${xs.length > 4 ? `; and ${xs.length - 4} more` : ''}`;
  if (missing.length > 0) throw new TransferError(`${backbone.weightsSource} does not fit ${backbone.path}: no ${listed(missing)}`);
  if (misfit.length > 0) {
    throw new TransferError(`the backbone's weights do not fit its layers${size}: ${listed(misfit)} (a layer after a flatten fixes the input size: cut before it, or keep the backbone's input size)`);
  }
  return out;
}
