// Safetensors (https://github.com/huggingface/safetensors) as pure bytes, so PyTorch users can read
// our weights with `safetensors.torch.load_file`. Layout: u64 LE header length N, N bytes of JSON
// header (padded with spaces so the data starts 8-byte aligned), then the raw little-endian data.
// Tensor names and metadata are documented in docs/weights.md.
import type { Model } from '../model/types';
import { fieldDefault } from '../model/spec';
import type { Param } from './layer';
import type { OptimizerState } from './optimizers';
import { decodeUtf8, encodeUtf8 } from './utf8';

export const WEIGHTS_FORMAT = 'cnn-studio/weights@1';

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Safetensors {
  readonly tensors: readonly NamedTensor[];
  /** The "__metadata__" entry: string → string, as the format requires. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A file that is not (valid) safetensors, or does not fit the model. The message is for the user. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new WeightsError(`tensor "${t.name}" has ${t.data.length} values, shape [${t.shape.join(', ')}] needs ${size}`);
    if (t.name in header) throw new WeightsError(`duplicate tensor name "${t.name}"`);
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = encodeUtf8(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    if (littleEndian) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    else t.data.forEach((v, i) => view.setFloat32(at + 4 * i, v, true));
    at += t.data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  dtype?: unknown;
  shape?: unknown;
  data_offsets?: unknown;
}

export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  const bad = (why: string): WeightsError => new WeightsError(`not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw bad(`header length ${n} exceeds the file size ${bytes.length}`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(decodeUtf8(bytes.subarray(8, headerEnd)));
  } catch {
    throw bad('the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('the header is not a JSON object');
  const dataLength = bytes.length - headerEnd;
  const metadata: Record<string, string> = {};
  const tensors: NamedTensor[] = [];
  const ranges: [number, number][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(`metadata "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = (raw ?? {}) as HeaderEntry;
    if (e.dtype !== 'F32') throw new WeightsError(`tensor "${name}" has dtype ${String(e.dtype)}; only F32 (float32) is supported`);
    const shape = e.shape;
    const offsets = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor "${name}" has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d))) throw bad(`tensor "${name}" has no valid data_offsets`);
    const [begin, end] = offsets as number[];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (begin < 0 || end < begin || end > dataLength) throw bad(`tensor "${name}" data [${begin}, ${end}) lies outside the ${dataLength} data bytes (truncated file?)`);
    if (end - begin !== 4 * size) throw bad(`tensor "${name}" has ${end - begin} bytes, shape [${shape.join(', ')}] needs ${4 * size}`);
    // Copy: the source may be unaligned (a Node Buffer from the pool) and we must not alias the caller's bytes.
    const data = new Float32Array(size);
    const at = headerEnd + begin;
    if (littleEndian) new Uint8Array(data.buffer).set(bytes.subarray(at, at + 4 * size));
    else for (let i = 0; i < size; i++) data[i] = view.getFloat32(at + 4 * i, true);
    tensors.push({ name, shape: shape as number[], data });
    ranges.push([begin, end]);
  }
  // The format forbids holes and overlaps: the tensors must tile the data section exactly.
  ranges.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [b, e] of ranges) {
    if (b !== expected) throw bad(`data offsets overlap or leave a gap at byte ${expected}`);
    expected = e;
  }
  if (expected !== dataLength) throw bad(`${dataLength - expected} bytes after the last tensor`);
  return { tensors, metadata };
}

/** Layer fields that only shape training (how much is dropped, how fast running statistics move, whether the layer
 *  trains at all): trained weights stay valid when they change, so tuning them must not orphan a checkpoint — a
 *  frozen layer loads the weights it was trained with (transfer learning). */
const TRAINING_ONLY = new Set(['dropout.rate', 'batchNorm.momentum']);
const TRAINING_ONLY_ANY_LAYER = new Set(['trainable', 'learningRateMultiplier']);

/** JSON with sorted keys, dropping layer fields equal to their default (writing a default must not change the fingerprint). */
function canonical(value: unknown, layerType?: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => v !== undefined && !(layerType && k !== 'type' && v === fieldDefault(layerType as never, k)))
      .filter(([k]) => !(layerType && (TRAINING_ONLY_ANY_LAYER.has(k) || TRAINING_ONLY.has(`${layerType}.${k}`))))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 64-bit FNV-1a of the input shape and layer list, as 16 hex digits. Training settings do not count. */
export function architectureFingerprint(model: Pick<Model, 'input' | 'layers'>): string {
  const text = `${canonical(model.input.shape)}|${model.layers.map((l) => canonical(l, l.type)).join('|')}`;
  let h = 0xcbf29ce484222325n;
  for (const byte of encodeUtf8(text)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

export function weightsMetadata(model: Pick<Model, 'name' | 'input' | 'layers'>): Record<string, string> {
  return { format: WEIGHTS_FORMAT, model: model.name, fingerprint: architectureFingerprint(model) };
}

/**
 * Every param (trainable or not: batch-norm statistics are part of the model) under its own name.
 * `classes` (the training data's class names) is stored as a JSON array in metadata "classes", so
 * `cnn predict` can name its answers without the data.
 */
export function encodeWeights(model: Pick<Model, 'name' | 'input' | 'layers'>, params: readonly Param[], classes?: readonly string[], checkpoint?: string): Uint8Array {
  const metadata = weightsMetadata(model);
  if (classes) metadata.classes = JSON.stringify(classes);
  if (checkpoint) metadata.checkpoint = checkpoint;
  return encodeSafetensors(params.map((p) => ({ name: p.name, shape: p.shape, data: p.value })), metadata);
}

/** The class names saved with the weights, if any. */
export function weightsClasses(file: Safetensors): string[] | undefined {
  try {
    const v: unknown = JSON.parse(file.metadata.classes ?? 'null');
    return Array.isArray(v) && v.every((c) => typeof c === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Copies a decoded weights file into `params` after checking it belongs to `model`: the fingerprint,
 * then every name and shape. Throws a WeightsError listing every mismatch; params are untouched then.
 */
export function loadWeightsInto(model: Pick<Model, 'name' | 'input' | 'layers'>, params: readonly Param[], file: Safetensors): void {
  const problems: string[] = [];
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  for (const p of params) {
    const t = byName.get(p.name);
    if (!t) problems.push(`missing tensor "${p.name}" [${p.shape.join(', ')}]`);
    else if (t.shape.join(',') !== p.shape.join(',')) problems.push(`"${p.name}" has shape [${t.shape.join(', ')}] in the file, the model needs [${p.shape.join(', ')}]`);
    byName.delete(p.name);
  }
  for (const t of byName.values()) problems.push(`unexpected tensor "${t.name}" [${t.shape.join(', ')}]`);
  const fingerprint = architectureFingerprint(model);
  const saved = file.metadata.fingerprint;
  if (saved !== undefined && saved !== fingerprint && problems.length === 0) {
    problems.push(`the layers changed since these weights were saved for "${file.metadata.model ?? '?'}" (architecture fingerprint ${saved}, now ${fingerprint})`);
  }
  if (problems.length > 0) {
    throw new WeightsError(`the weights do not fit model "${model.name}": ${problems.join('; ')}. Retrain (cnn train) to create matching weights, or start a new run from the layers that still fit (cnn train --warm-start).`);
  }
  const nonFinite = nonFiniteProblems(file.tensors);
  if (nonFinite.length > 0) throw new WeightsError(`the weights are corrupt: ${nonFinite.join('; ')}. Retrain, or restore a good copy of the file.`);
  const source = new Map(file.tensors.map((t) => [t.name, t.data]));
  for (const p of params) p.value.set(source.get(p.name)!);
}

/** What a warm start took from a weights file: params by name. */
export interface WarmStart {
  /** Params set from the file (same name and shape). */
  readonly loaded: readonly string[];
  /** Params the file has nothing for (new or reshaped layers): they keep their initial values. */
  readonly fresh: readonly string[];
  /** Tensors of the file no param takes (removed layers, or a different shape). */
  readonly unused: readonly string[];
}

/**
 * Copies every tensor whose name and shape match a param, whatever the fingerprint: after layers were inserted,
 * moved or removed, the other layers keep their trained weights (their names are stable, see docs/weights.md).
 * Throws a WeightsError, leaving params untouched, when the file holds non-finite values or matches nothing.
 */
export function loadMatchingWeights(params: readonly Param[], file: Safetensors): WarmStart {
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const loaded: Param[] = [];
  const fresh: string[] = [];
  for (const p of params) {
    const t = byName.get(p.name);
    if (t && t.shape.join(',') === p.shape.join(',')) {
      loaded.push(p);
      byName.delete(p.name);
    } else fresh.push(p.name);
  }
  if (loaded.length === 0) throw new WeightsError(`no tensor of the weights file fits the model by name and shape (the file has ${file.tensors.length}): nothing to start from`);
  const nonFinite = nonFiniteProblems(file.tensors.filter((t) => !byName.has(t.name)));
  if (nonFinite.length > 0) throw new WeightsError(`the weights are corrupt: ${nonFinite.join('; ')}`);
  const source = new Map(file.tensors.map((t) => [t.name, t.data]));
  for (const p of loaded) p.value.set(source.get(p.name)!);
  return { loaded: loaded.map((p) => p.name), fresh, unused: [...byName.keys()] };
}

/** One line per tensor holding NaN or ±∞: such weights give NaN predictions and poison training. */
export function nonFiniteProblems(tensors: readonly NamedTensor[]): string[] {
  const problems: string[] = [];
  for (const t of tensors) {
    let bad = 0;
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) bad++;
    if (bad > 0) problems.push(`tensor "${t.name}" has ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or ±∞) of ${t.data.length}`);
  }
  return problems;
}

export const OPTIMIZER_STATE_FORMAT = 'cnn-studio/optimizer@1';

/** Optimizer slots ("<param>.<slot>") as safetensors, with the optimizer type and step count as metadata. */
export function encodeOptimizerState(state: OptimizerState, fingerprint: string, checkpoint?: string): Uint8Array {
  const tensors = Object.entries(state.slots).map(([name, data]) => ({ name, shape: [data.length], data }));
  return encodeSafetensors(tensors, { format: OPTIMIZER_STATE_FORMAT, optimizer: state.type, step: String(state.step), fingerprint, ...(checkpoint ? { checkpoint } : {}) });
}

export function decodeOptimizerState(bytes: Uint8Array): { readonly state: OptimizerState; readonly fingerprint?: string; readonly checkpoint?: string } {
  const file = decodeSafetensors(bytes);
  const { format, optimizer, step, fingerprint, checkpoint } = file.metadata;
  if (format !== OPTIMIZER_STATE_FORMAT || !optimizer || !/^\d+$/.test(step ?? '')) {
    throw new WeightsError(`not a CNN Studio optimizer state file (format "${format ?? ''}")`);
  }
  const nonFinite = nonFiniteProblems(file.tensors);
  if (nonFinite.length > 0) throw new WeightsError(`the optimizer state is corrupt: ${nonFinite.join('; ')}`);
  const slots: Record<string, Float32Array> = {};
  for (const t of file.tensors) slots[t.name] = t.data;
  return { state: { type: optimizer as OptimizerState['type'], step: Number(step), slots }, fingerprint, ...(checkpoint ? { checkpoint } : {}) };
}
