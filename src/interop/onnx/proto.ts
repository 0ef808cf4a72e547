// ONNX's protobuf messages (the `onnx-proto` package: ONNX's onnx.proto3 compiled for protobufjs) and the few
// helpers export and import share: attributes, float32 / int64 tensors, value infos, and reading them back.
import { onnx } from 'onnx-proto';

export { onnx };

/** The opset we write, and the IR version ONNX 1.12 (the first with opset 17) writes. */
export const OPSET = 17;
export const IR_VERSION = 8;

export const AttributeType = onnx.AttributeProto.AttributeType;
export const DataType = onnx.TensorProto.DataType;

/** protobufjs reads int64 fields as Long objects (or numbers where no Long library is loaded). */
type Int64 = number | { toNumber(): number };

export function toNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export type AttributeValue = number | readonly number[] | string;

/** An attribute of a node; whole numbers in `ints` are written as INT(S), `floats` as FLOAT(S). */
export function intAttr(name: string, value: number | readonly number[]): onnx.IAttributeProto {
  return typeof value === 'number' ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.INTS, ints: [...value] };
}

export function floatAttr(name: string, value: number): onnx.IAttributeProto {
  return { name, type: AttributeType.FLOAT, f: value };
}

export function stringAttr(name: string, value: string): onnx.IAttributeProto {
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  // rawData is little-endian float32, which is what a Float32Array holds on every platform Node runs on.
  const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, values: readonly number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, int64Data: [...values] };
}

/** A float tensor value info; a string dimension is symbolic (the batch). */
export function valueInfo(name: string, dims: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A value info's dimensions: numbers where fixed, undefined where symbolic or missing. */
export function valueInfoDims(info: onnx.IValueInfoProto): (number | undefined)[] | undefined {
  const dims = info.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : undefined));
}

export function valueInfoElemType(info: onnx.IValueInfoProto): number | undefined {
  return info.type?.tensorType?.elemType ?? undefined;
}

/** The most values one tensor may hold: a Float32Array's limit in this engine (and far beyond any CNN weight). */
export const MAX_TENSOR_VALUES = 2 ** 31 - 1;

/** A tensor's values as numbers, its dims and ONNX data type. */
export interface TensorValues {
  readonly dims: number[];
  readonly values: Float64Array;
  readonly dataType: number;
}

/** Bytes per value in raw_data, and the typed field that holds the values otherwise (ONNX's rules: the small
 *  integer types, bool and float16 go in int32_data). */
const LAYOUTS: Partial<Record<number, { readonly width: number; readonly field: 'floatData' | 'doubleData' | 'int64Data' | 'int32Data' | 'uint64Data' }>> = {
  [DataType.FLOAT]: { width: 4, field: 'floatData' },
  [DataType.DOUBLE]: { width: 8, field: 'doubleData' },
  [DataType.FLOAT16]: { width: 2, field: 'int32Data' },
  [DataType.INT64]: { width: 8, field: 'int64Data' },
  [DataType.INT32]: { width: 4, field: 'int32Data' },
  [DataType.INT16]: { width: 2, field: 'int32Data' },
  [DataType.INT8]: { width: 1, field: 'int32Data' },
  [DataType.UINT8]: { width: 1, field: 'int32Data' },
  [DataType.UINT16]: { width: 2, field: 'int32Data' },
  [DataType.BOOL]: { width: 1, field: 'int32Data' },
  [DataType.UINT32]: { width: 4, field: 'uint64Data' },
  [DataType.UINT64]: { width: 8, field: 'uint64Data' },
};

/** IEEE half precision bits → number. */
function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readRaw(view: DataView, type: number, at: number): number {
  switch (type) {
    case DataType.FLOAT: return view.getFloat32(at, true);
    case DataType.DOUBLE: return view.getFloat64(at, true);
    case DataType.FLOAT16: return halfToNumber(view.getUint16(at, true));
    case DataType.INT64: return Number(view.getBigInt64(at, true));
    case DataType.UINT64: return Number(view.getBigUint64(at, true));
    case DataType.INT32: return view.getInt32(at, true);
    case DataType.UINT32: return view.getUint32(at, true);
    case DataType.INT16: return view.getInt16(at, true);
    case DataType.UINT16: return view.getUint16(at, true);
    case DataType.INT8: return view.getInt8(at);
    default: return view.getUint8(at);
  }
}

/**
 * A tensor's values as numbers (float, double, float16, the integer types and bool, raw or typed), or why they cannot
 * be read. Every dim and the value count are checked against the data present before anything is allocated: a
 * hostile file cannot make us allocate more than it holds.
 */
export function readTensor(t: onnx.ITensorProto): TensorValues | string {
  const type = t.dataType ?? 0;
  const dims = (t.dims ?? []).map(toNumber);
  const shown = `[${dims.join(', ')}]`;
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return `dims ${shown} are not all whole numbers ≥ 0`;
  // Multiplied one by one so a product beyond 2^53 is never formed.
  let size = 1;
  for (const d of dims) {
    size *= d;
    if (size > MAX_TENSOR_VALUES) return `dims ${shown} claim more than ${MAX_TENSOR_VALUES} values`;
  }
  if (Number(t.dataLocation ?? 0) === onnx.TensorProto.DataLocation.EXTERNAL) {
    return 'its data is in an external file: export with the weights inside the .onnx file (torch.onnx.export does so below 2 GB)';
  }
  const layout = LAYOUTS[type];
  if (!layout) return `data type ${DataType[type] ?? type} is not supported (numbers only)`;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (raw) {
    if (raw.byteLength !== size * layout.width) return `dims ${shown} need ${size * layout.width} bytes of ${DataType[type]}, its data has ${raw.byteLength}`;
    // float32, the weights' type, converted in one pass (a copy, as a Uint8Array: Buffer.slice would share an unaligned pool; Node runs little-endian only).
    if (type === DataType.FLOAT) return { dims, values: new Float64Array(new Float32Array(new Uint8Array(raw).buffer)), dataType: type };
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float64Array(size);
    for (let i = 0; i < size; i++) values[i] = readRaw(view, type, i * layout.width);
    return { dims, values, dataType: type };
  }
  const typed = (t[layout.field] ?? []) as readonly Int64[];
  if (typed.length !== size) return `dims ${shown} need ${size} values, it has ${typed.length}`;
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = toNumber(typed[i]);
    values[i] = type === DataType.FLOAT16 ? halfToNumber(v) : type === DataType.BOOL ? Number(v !== 0) : v;
  }
  return { dims, values, dataType: type };
}

/** A tensor's values, or undefined when they cannot be read (readTensor says why). */
export function tensorValues(t: onnx.ITensorProto): TensorValues | undefined {
  const v = readTensor(t);
  return typeof v === 'string' ? undefined : v;
}

/** A node's attributes by name, as numbers, number lists or strings. */
export function attributes(node: onnx.INodeProto): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    // A plain number: the enum has members (graphs, sparse tensors) no CNN node uses.
    switch (Number(a.type ?? 0)) {
      case AttributeType.INT:
        out.set(name, toNumber(a.i));
        break;
      case AttributeType.FLOAT:
        out.set(name, a.f ?? 0);
        break;
      case AttributeType.INTS:
        out.set(name, (a.ints ?? []).map(toNumber));
        break;
      case AttributeType.FLOATS:
        out.set(name, [...(a.floats ?? [])]);
        break;
      case AttributeType.STRING:
        out.set(name, new TextDecoder().decode(a.s ?? new Uint8Array()));
        break;
      default:
        // Tensors and graphs as attributes: only Constant uses one here, and it reads node.attribute itself.
        break;
    }
  }
  return out;
}

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
