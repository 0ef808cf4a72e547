// Static shape arithmetic folded to constants: what torch.onnx.export writes for `x.view(x.size(0), g, c // g, h, w)`,
// `x.size(0)` or `torch.flatten` (Shape, Gather, Unsqueeze, Concat, Div, Cast, …) is evaluated at import time when
// every input is a constant or the Shape of an activation, and later handlers (Reshape, the channel shuffle) read the
// result as a ConstValue.
//
// The batch dimension: our layers work per sample, so shapes are evaluated for a batch of 1, and each element that
// came from the batch dim is tagged (ConstValue.batch): 'n' where it equals N, 'derived' where it was computed from
// N otherwise. ImportGraph.constant lets a layer read N only as the first dim of a shape ([N, -1] reshapes per sample
// as [1, -1]); any other use of the batch size is refused there with a message, never silently evaluated for N = 1.
import { Attrs, constantNodeValue, describe, Unsupported, type ConstValue, type ImportGraph } from './importGraph';
import { DataType, readTensor, type onnx } from './proto';

type Tag = 'n' | 'derived' | undefined;

/** A folded value: ConstValue without the kind. */
interface Folded {
  readonly dims: readonly number[];
  readonly values: Float64Array;
  readonly dataType: number;
  readonly batch?: readonly Tag[];
}

/** Folding may not grow a value beyond this many elements (ConstantOfShape, Expand, Range, broadcasting). */
export const MAX_FOLDED_VALUES = 1 << 24;
/** Nor make more than this many in all over one import (float64: 512 MB), plus twice the values of the file's
 *  initializers (a file without constant folding may transpose every weight once). */
export const MAX_FOLDED_TOTAL = 1 << 26;

/** Values folded so far, and how many may be, per import. */
const foldedCounts = new WeakMap<ImportGraph, number>();
const folded = (g: ImportGraph): number => foldedCounts.get(g) ?? 0;
const budgets = new WeakMap<ImportGraph, number>();
function budgetOf(g: ImportGraph): number {
  let budget = budgets.get(g);
  if (budget === undefined) {
    budget = MAX_FOLDED_TOTAL + 2 * (g.graph.initializer ?? []).reduce((n, t) => n + (g.constValue(t.name)?.values.length ?? 0), 0);
    budgets.set(g, budget);
  }
  return budget;
}

function fail(node: onnx.INodeProto, why: string): never {
  throw new Unsupported(`${describe(node)}: ${why}`);
}

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const INTEGER_TYPES: ReadonlySet<number> = new Set([DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT64, DataType.UINT32, DataType.UINT16, DataType.UINT8, DataType.BOOL]);

/** A value cast to an ONNX type: integers truncate toward zero (as ONNX Runtime's Cast and integer Div do). */
function castTo(v: number, type: number): number {
  if (type === DataType.BOOL) return v !== 0 ? 1 : 0;
  if (INTEGER_TYPES.has(type)) return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (type === DataType.FLOAT) return Math.fround(v);
  return v;
}

/** Elements taken from inputs by index (reshaping, gathering, slicing, concatenating): values and batch tags move together. */
function pick(sources: readonly Folded[], dims: readonly number[], from: (i: number) => readonly [number, number], dataType: number): Folded {
  const n = size(dims);
  const values = new Float64Array(n);
  const tagged = sources.some((s) => s.batch);
  const batch: Tag[] = tagged ? new Array<Tag>(n) : [];
  for (let i = 0; i < n; i++) {
    const [k, j] = from(i);
    values[i] = sources[k]!.values[j]!;
    if (tagged) batch[i] = sources[k]!.batch?.[j];
  }
  return { dims, values, dataType, ...(tagged && batch.some((t) => t) ? { batch } : {}) };
}

/** Row-major strides of dims. */
function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** For output element i of shape `out`, the element of an input of shape `dims` that numpy broadcasting reads. */
function broadcastIndex(out: readonly number[], dims: readonly number[]): (i: number) => number {
  const os = strides(out);
  const is = strides(dims);
  const offset = out.length - dims.length;
  return (i) => {
    let j = 0;
    for (let a = 0; a < dims.length; a++) {
      const coord = Math.floor(i / os[a + offset]!) % out[a + offset]!;
      j += (dims[a] === 1 ? 0 : coord) * is[a]!;
    }
    return j;
  };
}

function broadcastDims(node: onnx.INodeProto, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    s.forEach((d, a) => {
      const at = a + rank - s.length;
      if (d !== 1 && out[at] !== 1 && out[at] !== d) fail(node, `cannot broadcast [${shapes.map((x) => x.join(', ')).join('] and [')}]`);
      if (d !== 1) out[at] = d;
    });
  }
  return out;
}

const normAxis = (node: onnx.INodeProto, axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) fail(node, `axis ${axis} is outside a ${rank}-D tensor`);
  return a;
};

/** The elementwise functions folded, on numbers (the result is cast to the output type). */
const BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Pow: (a, b) => a ** b,
  Mod: (a, b) => a - Math.floor(a / b) * b,
  Min: Math.min,
  Max: Math.max,
  Equal: (a, b) => Number(a === b),
  Less: (a, b) => Number(a < b),
  LessOrEqual: (a, b) => Number(a <= b),
  Greater: (a, b) => Number(a > b),
  GreaterOrEqual: (a, b) => Number(a >= b),
  And: (a, b) => Number(a !== 0 && b !== 0),
  Or: (a, b) => Number(a !== 0 || b !== 0),
};
const COMPARISONS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or']);

const UNARY: Readonly<Record<string, (a: number) => number>> = {
  Neg: (a) => -a,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Reciprocal: (a) => 1 / a,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: (a) => {
    // Half to even, as ONNX's Round.
    const r = Math.round(a);
    return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Exp: Math.exp,
  Log: Math.log,
  Not: (a) => Number(a === 0),
  Sign: Math.sign,
};
/** Unary functions that keep an element equal to N equal to N. */
const KEEPS_N = new Set(['Floor', 'Ceil', 'Round', 'Abs']);

/** Operators folded when their inputs are known (a Shape's input may be any activation). */
export const FOLDED_OPERATORS = [
  'Shape', 'Size', 'Constant', 'ConstantOfShape', 'Identity', 'Cast', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape',
  'Flatten', 'Transpose', 'Slice', 'Split', 'Range', 'Expand', 'Tile', 'Where', ...Object.keys(BINARY), ...Object.keys(UNARY),
] as const;
const FOLDED: ReadonlySet<string> = new Set(FOLDED_OPERATORS);

export function isFoldedOperator(opType: string): boolean {
  return FOLDED.has(opType);
}

/** A known input: a constant, the empty name as undefined. A layer output makes the node unfoldable (null). */
function inputsOf(g: ImportGraph, node: onnx.INodeProto): (Folded | undefined)[] | null {
  const out: (Folded | undefined)[] = [];
  for (const name of node.input ?? []) {
    if (!name) {
      out.push(undefined);
      continue;
    }
    const v = g.constValue(name);
    if (!v) return null;
    out.push({ dims: v.dims, values: v.values, dataType: v.dataType ?? DataType.FLOAT, ...(v.batch ? { batch: v.batch } : {}) });
  }
  return out;
}

/** An integer list input (opset ≥ 13's axes, Slice's starts) or the attribute that older opsets use. */
function intsFrom(a: Attrs, input: Folded | undefined, attr: string): number[] | undefined {
  if (input) return [...input.values];
  return a.has(attr) ? [...a.ints(attr, [])] : undefined;
}

/** The dims of an activation as ONNX holds it, with the batch dim tagged. */
function activationShape(g: ImportGraph, node: onnx.INodeProto): Folded | undefined {
  const name = node.input?.[0];
  if (!name || g.constValue(name)) return undefined;
  const x = g.act(name, node);
  const s = x.shape;
  const c = s[s.length - 1]!;
  const dims = x.layout === 'nchw' ? [s[2]!, s[0]!, s[1]!] : x.layout === 'pooled' ? [c, 1, 1] : x.layout === 'pooledLast' ? [1, 1, c] : [...s];
  const values = Float64Array.from([1, ...dims]);
  return { dims: [values.length], values, dataType: DataType.INT64, batch: ['n', ...dims.map(() => undefined)] };
}

/**
 * Folds the node when it is one of FOLDED_OPERATORS and its inputs are known: sets its outputs and returns true.
 * Returns false when an input is a layer output (another handler may take the node, e.g. an Add of two layers).
 */
export function foldNode(g: ImportGraph, node: onnx.INodeProto): boolean {
  const op = node.opType ?? '';
  if (node.domain || !FOLDED.has(op)) return false;
  const a = new Attrs(node);
  if (op === 'Shape' || op === 'Size') {
    const shape = activationShape(g, node);
    if (shape) {
      let out: Folded;
      if (op === 'Size') out = { dims: [], values: Float64Array.of(size([...shape.values])), dataType: DataType.INT64, batch: ['derived'] };
      else {
        const rank = shape.values.length;
        const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
        const start = clamp(a.int('start', 0));
        const end = clamp(a.int('end', rank));
        const values = shape.values.slice(start, Math.max(start, end));
        out = { dims: [values.length], values, dataType: DataType.INT64, batch: shape.batch!.slice(start, Math.max(start, end)) };
      }
      setFolded(g, node, [out]);
      return true;
    }
  }
  if (op === 'Constant') {
    const v = constantNodeValue(node);
    if (v) g.setOutput(node, v);
    const t = (node.attribute ?? []).find((x) => x.name === 'value')?.t;
    const problem = t ? readTensor(t) : undefined;
    if (typeof problem === 'string') fail(node, `its value cannot be read: ${problem}`);
    // A non-numeric constant is left to its handler, which says so.
    return v !== undefined;
  }
  const xs = inputsOf(g, node);
  if (!xs || xs.length === 0) return false;
  setFolded(g, node, evaluate(node, op, a, xs), xs);
  return true;
}

function setFolded(g: ImportGraph, node: onnx.INodeProto, outs: readonly Folded[], inputs: readonly (Folded | undefined)[] = []): void {
  // Each result is bounded by MAX_FOLDED_VALUES; their sum too, or a long chain of them would exhaust memory.
  // (A result that shares its input's values, as Identity and Reshape do, allocates nothing.)
  const made = outs.reduce((n, v) => n + (inputs.some((x) => x?.values === v.values) ? 0 : v.values.length), 0);
  if (made > 0 && folded(g) + made > budgetOf(g)) fail(node, `evaluating constants would hold more than ${budgetOf(g)} values in all: too large to evaluate`);
  foldedCounts.set(g, folded(g) + made);
  outs.forEach((v, i) => {
    if (v.values.length !== size(v.dims)) throw new Error(`${describe(node)}: folded ${v.values.length} values for dims [${v.dims.join(', ')}]`);
    const batch = v.batch?.some((t) => t) ? { batch: v.batch } : {};
    g.setOutput(node, { kind: 'const', dims: v.dims, values: v.values, dataType: v.dataType, ...batch } satisfies ConstValue, i);
  });
}

/** Refuses a result larger than its inputs and MAX_FOLDED_VALUES. */
function checkSize(node: onnx.INodeProto, dims: readonly number[], xs: readonly (Folded | undefined)[]): void {
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(node, `would make a tensor of dims [${dims.join(', ')}]`);
  const n = size(dims);
  const largest = Math.max(0, ...xs.map((x) => x?.values.length ?? 0));
  if (n > Math.max(MAX_FOLDED_VALUES, largest)) fail(node, `would make ${n} values (dims [${dims.join(', ')}]): too large to evaluate`);
}

function evaluate(node: onnx.INodeProto, op: string, a: Attrs, xs: readonly (Folded | undefined)[]): Folded[] {
  const x = xs[0] ?? fail(node, 'has no input');
  const rank = x.dims.length;
  const same = (dims: readonly number[]): Folded => ({ ...x, dims });
  switch (op) {
    case 'Identity':
      return [x];
    case 'Shape': {
      // The shape of a constant.
      const values = Float64Array.from(x.dims);
      const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp(a.int('start', 0));
      const end = Math.max(start, clamp(a.int('end', rank)));
      return [{ dims: [end - start], values: values.slice(start, end), dataType: DataType.INT64 }];
    }
    case 'Size':
      return [{ dims: [], values: Float64Array.of(x.values.length), dataType: DataType.INT64 }];
    case 'Cast': {
      const to = a.int('to', DataType.FLOAT);
      return [{ ...x, values: x.values.map((v) => castTo(v, to)), dataType: to }];
    }
    case 'Unsqueeze': {
      const axes = intsFrom(a, xs[1], 'axes') ?? fail(node, 'has no axes');
      const outRank = rank + axes.length;
      const at = new Set(axes.map((ax) => normAxis(node, ax, outRank)));
      if (at.size !== axes.length) fail(node, `repeats an axis in [${axes.join(', ')}]`);
      const dims: number[] = [];
      let k = 0;
      for (let i = 0; i < outRank; i++) dims.push(at.has(i) ? 1 : x.dims[k++]!);
      return [same(dims)];
    }
    case 'Squeeze': {
      const axes = intsFrom(a, xs[1], 'axes');
      const at = new Set(axes ? axes.map((ax) => normAxis(node, ax, rank)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
      for (const i of at) if (x.dims[i] !== 1) fail(node, `axis ${i} has size ${x.dims[i]}, not 1`);
      return [same(x.dims.filter((_, i) => !at.has(i)))];
    }
    case 'Flatten': {
      const axis = a.int('axis', 1);
      const at = axis < 0 ? axis + rank : axis;
      if (!(at >= 0 && at <= rank)) fail(node, `axis ${axis} is outside a ${rank}-D tensor`);
      return [same([size(x.dims.slice(0, at)), size(x.dims.slice(at))])];
    }
    case 'Reshape': {
      const target = xs[1] ?? fail(node, 'has no shape');
      const allowZero = a.int('allowzero', 0) === 1;
      const dims = [...target.values].map((d, i) => (d === 0 && !allowZero ? (x.dims[i] ?? fail(node, 'copies a dim the input does not have')) : d));
      const unknown = dims.filter((d) => d === -1).length;
      if (unknown > 1 || dims.some((d) => d < -1 || !Number.isInteger(d))) fail(node, `cannot reshape to [${[...target.values].join(', ')}]`);
      if (unknown) {
        const known = size(dims.filter((d) => d !== -1));
        if (known === 0 || x.values.length % known !== 0) fail(node, `cannot reshape ${x.values.length} values to [${dims.join(', ')}]`);
        dims[dims.indexOf(-1)] = x.values.length / known;
      }
      if (size(dims) !== x.values.length) fail(node, `cannot reshape ${x.values.length} values to [${dims.join(', ')}]`);
      return [same(dims)];
    }
    case 'Transpose': {
      const perm = a.ints('perm', x.dims.map((_, i) => rank - 1 - i));
      if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => !(p >= 0 && p < rank))) fail(node, `perm [${perm.join(', ')}] does not permute ${rank} axes`);
      const dims = perm.map((p) => x.dims[p]!);
      const is = strides(x.dims);
      const os = strides(dims);
      return [pick([x], dims, (i) => {
        let j = 0;
        for (let k = 0; k < rank; k++) j += (Math.floor(i / os[k]!) % dims[k]!) * is[perm[k]!]!;
        return [0, j];
      }, x.dataType)];
    }
    case 'Gather': {
      const indices = xs[1] ?? fail(node, 'has no indices');
      const axis = normAxis(node, a.int('axis', 0), rank);
      const d = x.dims[axis]!;
      const idx = [...indices.values].map((i) => {
        const j = i < 0 ? i + d : i;
        if (!(j >= 0 && j < d)) fail(node, `index ${i} is outside axis ${axis} of size ${d}`);
        return j;
      });
      const dims = [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)];
      checkSize(node, dims, []);
      const inner = size(x.dims.slice(axis + 1));
      return [pick([x], dims, (i) => {
        const k = i % inner;
        const rest = Math.floor(i / inner);
        const at = rest % idx.length;
        const o = Math.floor(rest / idx.length);
        return [0, (o * d + idx[at]!) * inner + k];
      }, x.dataType)];
    }
    case 'Concat': {
      const parts = xs.filter((p): p is Folded => p !== undefined);
      const axis = normAxis(node, a.int('axis', 0), rank);
      for (const p of parts) {
        if (p.dims.length !== rank || p.dims.some((d, i) => i !== axis && d !== x.dims[i])) fail(node, `cannot concatenate [${parts.map((q) => q.dims.join(', ')).join('] and [')}] on axis ${axis}`);
      }
      const inner = size(x.dims.slice(axis + 1));
      const widths = parts.map((p) => p.dims[axis]! * inner);
      const total = widths.reduce((s, w) => s + w, 0);
      const dims = x.dims.map((d, i) => (i === axis ? total / inner : d));
      checkSize(node, dims, []);
      return [pick(parts, dims, (i) => {
        const o = Math.floor(i / total);
        let r = i % total;
        let k = 0;
        while (r >= widths[k]!) r -= widths[k++]!;
        return [k, o * widths[k]! + r];
      }, x.dataType)];
    }
    case 'Slice': {
      const starts = intsFrom(a, xs[1], 'starts') ?? fail(node, 'has no starts');
      const ends = intsFrom(a, xs[2], 'ends') ?? fail(node, 'has no ends');
      const axes = (intsFrom(a, xs[3], 'axes') ?? starts.map((_, i) => i)).map((ax) => normAxis(node, ax, rank));
      const steps = xs[4] ? [...xs[4].values] : starts.map(() => 1);
      if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length || steps.some((s) => s === 0)) fail(node, 'has starts, ends, axes and steps of different lengths (or a step of 0)');
      const lists = x.dims.map((d) => Array.from({ length: d }, (_, i) => i));
      axes.forEach((ax, k) => {
        const d = x.dims[ax]!;
        const step = steps[k]!;
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
        const list: number[] = [];
        if (step > 0) for (let i = clamp(starts[k]!, 0, d); i < clamp(ends[k]!, 0, d); i += step) list.push(i);
        else for (let i = clamp(starts[k]!, 0, d - 1); i > clamp(ends[k]!, -1, d - 1); i += step) list.push(i);
        lists[ax] = list;
      });
      const dims = lists.map((l) => l.length);
      checkSize(node, dims, xs);
      const is = strides(x.dims);
      const os = strides(dims);
      return [pick([x], dims, (i) => {
        let j = 0;
        for (let k = 0; k < rank; k++) j += lists[k]![Math.floor(i / os[k]!) % dims[k]!]! * is[k]!;
        return [0, j];
      }, x.dataType)];
    }
    case 'Split': {
      const axis = normAxis(node, a.int('axis', 0), rank);
      const d = x.dims[axis]!;
      const count = node.output?.length ?? 1;
      const given = intsFrom(a, xs[1], 'split');
      const sizes = given ?? Array.from({ length: count }, (_, i) => Math.min(Math.ceil(d / count), Math.max(0, d - i * Math.ceil(d / count))));
      if (sizes.length !== count || sizes.reduce((s, v) => s + v, 0) !== d || sizes.some((v) => v < 0)) fail(node, `split [${sizes.join(', ')}] does not cover axis ${axis} of size ${d}`);
      const inner = size(x.dims.slice(axis + 1));
      let offset = 0;
      return sizes.map((len) => {
        const from = offset;
        offset += len;
        const dims = x.dims.map((v, i) => (i === axis ? len : v));
        return pick([x], dims, (i) => {
          const k = i % inner;
          const rest = Math.floor(i / inner);
          return [0, (Math.floor(rest / len) * d + from + (rest % len)) * inner + k];
        }, x.dataType);
      });
    }
    case 'ConstantOfShape': {
      const dims = [...x.values];
      checkSize(node, dims, []);
      const t = (node.attribute ?? []).find((v) => v.name === 'value')?.t;
      const value = t ? readTensor(t) : undefined;
      if (typeof value === 'string') fail(node, `its value cannot be read: ${value}`);
      const fill = value?.values[0] ?? 0;
      const n = size(dims);
      const derived = x.batch?.some((b) => b) ? { batch: new Array<Tag>(n).fill('derived') } : {};
      return [{ dims, values: new Float64Array(n).fill(fill), dataType: value?.dataType ?? DataType.FLOAT, ...derived }];
    }
    case 'Range': {
      const [start, limit, delta] = [x, xs[1], xs[2]].map((v) => v?.values[0] ?? fail(node, 'needs start, limit and delta')) as [number, number, number];
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      if (!Number.isFinite(n)) fail(node, `start ${start}, limit ${limit}, delta ${delta} make no range`);
      checkSize(node, [n], []);
      const derived = [x, xs[1], xs[2]].some((v) => v?.batch?.some((b) => b)) ? { batch: new Array<Tag>(n).fill('derived') } : {};
      return [{ dims: [n], values: Float64Array.from({ length: n }, (_, i) => start + i * delta), dataType: x.dataType, ...derived }];
    }
    case 'Expand': {
      const target = xs[1] ?? fail(node, 'has no shape');
      const dims = broadcastDims(node, [x.dims, [...target.values]]);
      checkSize(node, dims, xs);
      const at = broadcastIndex(dims, x.dims);
      const expanded = pick([x], dims, (i) => [0, at(i)], x.dataType);
      return [target.batch?.some((b) => b) ? { ...expanded, batch: new Array<Tag>(expanded.values.length).fill('derived') } : expanded];
    }
    case 'Tile': {
      const repeats = [...(xs[1] ?? fail(node, 'has no repeats')).values];
      if (repeats.length !== rank || repeats.some((r) => !Number.isInteger(r) || r < 0)) fail(node, `repeats [${repeats.join(', ')}] do not fit a ${rank}-D tensor`);
      const dims = x.dims.map((d, i) => d * repeats[i]!);
      checkSize(node, dims, xs);
      const is = strides(x.dims);
      const os = strides(dims);
      return [pick([x], dims, (i) => {
        let j = 0;
        for (let k = 0; k < rank; k++) j += ((Math.floor(i / os[k]!) % dims[k]!) % x.dims[k]!) * is[k]!;
        return [0, j];
      }, x.dataType)];
    }
    case 'Where': {
      const [c, t, f] = [x, xs[1], xs[2]];
      if (!t || !f) fail(node, 'needs a condition and two values');
      const dims = broadcastDims(node, [c.dims, t!.dims, f!.dims]);
      checkSize(node, dims, xs);
      const [ci, ti, fi] = [c, t!, f!].map((v) => broadcastIndex(dims, v.dims)) as [(i: number) => number, (i: number) => number, (i: number) => number];
      const out = pick([t!, f!], dims, (i) => (c.values[ci(i)] ? [0, ti(i)] : [1, fi(i)]), t!.dataType);
      if (!c.batch?.some((b) => b)) return [out];
      return [{ ...out, batch: Array.from({ length: out.values.length }, (_, i) => (c.batch?.[ci(i)] ? 'derived' : out.batch?.[i])) }];
    }
    default:
      break;
  }
  const unary = UNARY[op];
  if (unary) {
    const values = x.values.map((v) => castTo(unary(v), op === 'Not' ? DataType.BOOL : x.dataType));
    const batch = x.batch?.map((b): Tag => (b && !(b === 'n' && KEEPS_N.has(op)) ? 'derived' : b));
    return [{ dims: x.dims, values, dataType: op === 'Not' ? DataType.BOOL : x.dataType, ...(batch ? { batch } : {}) }];
  }
  const binary = BINARY[op] ?? fail(node, `operator ${op} cannot be folded`);
  // Min and Max take any number of inputs: folded pairwise, left to right.
  if ((op === 'Min' || op === 'Max') && xs.length > 2) return evaluate(node, op, a, [evaluate(node, op, a, xs.slice(0, 2))[0]!, ...xs.slice(2)]);
  if (xs.length !== 2) fail(node, `has ${xs.length} inputs, not two`);
  const y = xs[1] ?? fail(node, 'needs two inputs');
  const dims = broadcastDims(node, [x.dims, y.dims]);
  checkSize(node, dims, xs);
  const ai = broadcastIndex(dims, x.dims);
  const bi = broadcastIndex(dims, y.dims);
  const type = COMPARISONS.has(op) ? DataType.BOOL : x.dataType;
  const integer = INTEGER_TYPES.has(x.dataType);
  const n = size(dims);
  const values = new Float64Array(n);
  const tagged = x.batch || y.batch;
  const batch: Tag[] = [];
  for (let i = 0; i < n; i++) {
    const [p, q] = [x.values[ai(i)]!, y.values[bi(i)]!];
    // Integer division truncates toward zero, as ONNX Runtime's.
    values[i] = castTo(op === 'Div' && integer ? Math.trunc(p / q) : binary(p, q), type);
    if (tagged) batch.push(combineTags(op, x.batch?.[ai(i)], y.batch?.[bi(i)], p, q));
  }
  return [{ dims, values, dataType: type, ...(tagged ? { batch } : {}) }];
}

/** N · 1, N / 1, N + 0 and N − 0 stay N; anything else computed from N is derived from it. */
function combineTags(op: string, ta: Tag, tb: Tag, a: number, b: number): Tag {
  if (!ta && !tb) return undefined;
  if (ta === 'n' && !tb && (((op === 'Mul' || op === 'Div') && b === 1) || ((op === 'Add' || op === 'Sub') && b === 0))) return 'n';
  if (tb === 'n' && !ta && ((op === 'Mul' && a === 1) || (op === 'Add' && a === 0))) return 'n';
  return 'derived';
}

/**
 * The constant value of a tensor, for any handler that needs one (a Reshape's shape, Split's sizes, Slice's starts):
 * an initializer, a Constant, or shape arithmetic evaluated now, also when the walk has not reached the nodes that
 * compute it (a pattern looking ahead). Undefined when it is not constant here: it depends on a layer's values (not
 * only on its shape), on a node not converted yet, or a node on the way cannot be evaluated (the walk reports that
 * node when it reaches it). Never throws. A value that depends on the batch size carries `batch` tags: read it with
 * ImportGraph.constant to have those uses checked.
 */
export function constantOf(g: ImportGraph, tensor: string | undefined | null): ConstValue | undefined {
  if (!tensor) return undefined;
  const known = g.constValue(tensor);
  if (known || g.values.has(tensor)) return known;
  // The nodes to evaluate, found depth first without recursion (a chain may be long), then run in file order.
  const needed = new Map<onnx.INodeProto, number>();
  const stack = [tensor];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (g.values.has(name)) continue;
    const maker = g.producer(name);
    if (maker && needed.has(maker)) continue;
    if (!maker || g.consumed.has(maker) || !FOLDED.has(maker.opType ?? '') || maker.domain) return undefined;
    needed.set(maker, g.positionOf(maker));
    const shapeOf = maker.opType === 'Shape' || maker.opType === 'Size';
    // A Shape reads only its input's shape: that input must be an activation already converted.
    if (shapeOf && !g.values.has(maker.input?.[0] ?? '')) return undefined;
    if (!shapeOf) for (const input of maker.input ?? []) if (input && !g.values.has(input)) stack.push(input);
  }
  try {
    for (const [node] of [...needed].sort((a, b) => a[1] - b[1])) {
      if (!foldNode(g, node)) return undefined;
      g.consumed.add(node);
    }
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  return g.constValue(tensor);
}

/** The constant value of a node's input `index` (constantOf on that tensor); undefined when absent or not constant. */
export function constantInput(g: ImportGraph, node: onnx.INodeProto, index: number): ConstValue | undefined {
  return constantOf(g, node.input?.[index]);
}

/** The node attributes folding reads, by operator (a handler of the same operator declares its own in ONNX_IMPORTERS). */
export const FOLDED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  Shape: ['start', 'end'], Cast: ['to'], Unsqueeze: ['axes'], Squeeze: ['axes'], Flatten: ['axis'], Reshape: ['allowzero'], Transpose: ['perm'],
  Gather: ['axis'], Concat: ['axis'], Slice: ['starts', 'ends', 'axes'], Split: ['axis', 'split'], ConstantOfShape: ['value'],
};

/** Folds, before the walk, every node whose inputs are all constants (in file order): patterns may then look ahead
 *  at constants computed by later nodes. A node that cannot be folded is left to the walk, which reports it. */
export function foldConstants(g: ImportGraph): void {
  for (const node of g.graph.node ?? []) {
    if (node.opType === 'Shape' || node.opType === 'Size') continue;
    try {
      if (foldNode(g, node)) g.consumed.add(node);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
  }
}
