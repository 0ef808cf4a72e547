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

/** A tensor's values as numbers: float, double and the integer types, raw or typed; undefined for other types. */
export function tensorValues(t: onnx.ITensorProto): { readonly dims: number[]; readonly values: Float64Array } | undefined {
  const dims = (t.dims ?? []).map(toNumber);
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const values = new Float64Array(size);
  const fill = (width: number, read: (at: number) => number, typed: readonly Int64[] | null | undefined): boolean => {
    if (view) {
      if (view.byteLength !== size * width) return false;
      for (let i = 0; i < size; i++) values[i] = read(i * width);
      return true;
    }
    if (!typed || typed.length !== size) return size === 0;
    for (let i = 0; i < size; i++) values[i] = toNumber(typed[i]);
    return true;
  };
  let ok: boolean;
  switch (t.dataType ?? 0) {
    case DataType.FLOAT:
      ok = fill(4, (at) => view!.getFloat32(at, true), t.floatData);
      break;
    case DataType.DOUBLE:
      ok = fill(8, (at) => view!.getFloat64(at, true), t.doubleData);
      break;
    case DataType.INT64:
      ok = fill(8, (at) => Number(view!.getBigInt64(at, true)), t.int64Data);
      break;
    case DataType.INT32:
      ok = fill(4, (at) => view!.getInt32(at, true), t.int32Data);
      break;
    default:
      return undefined;
  }
  return ok ? { dims, values } : undefined;
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
