// Node patterns that real exporters write for one of our layers, matched structurally (by operator, wiring and
// constants, never by node names): torch.onnx's exact GELU (opsets 13 and 17 have no Gelu operator) and
// ShuffleNet's channel shuffle (Reshape, Transpose, Reshape).
import type { ImportGraph } from './importGraph';
import type { onnx } from './proto';

/**
 * A tensor's values when they are known before run time: an initializer or Constant node, or (once the shape
 * arithmetic folding lands) a folded Shape/Gather/Concat result. The one place the patterns ask.
 */
export function knownValues(g: ImportGraph, tensor: string | null | undefined): ArrayLike<number> | undefined {
  const v = tensor ? g.values.get(tensor) : undefined;
  // Not copied: a Mul's other input may be a large weight.
  return v?.kind === 'const' ? v.values : undefined;
}

/** The scalar a node's other input holds (a one-value constant), or undefined. */
function scalarBeside(g: ImportGraph, node: onnx.INodeProto, tensor: string): number | undefined {
  const inputs = node.input ?? [];
  if (inputs.length !== 2) return undefined;
  const other = inputs[0] === tensor ? inputs[1] : inputs[1] === tensor ? inputs[0] : undefined;
  const v = knownValues(g, other);
  return v?.length === 1 ? v[0] : undefined;
}

const near = (v: number | undefined, want: number): boolean => v !== undefined && Math.abs(v - want) <= 1e-6 * Math.abs(want);

export interface GeluMatch {
  /** Every node of the pattern, the first one the walk meets included. */
  readonly nodes: readonly onnx.INodeProto[];
  /** The tensor holding x · Φ(x). */
  readonly output: string;
}

/**
 * x · Φ(x) computed from `x` as 0.5 · x · (1 + erf(x / √2)) in any association of the two products: Div by √2 (or
 * Mul by 1/√2), Erf, Add 1, and two Muls bringing in x and 0.5. torch.onnx writes Div, Erf, Add, Mul(x, ·), Mul(·, 0.5).
 */
export function matchGelu(g: ImportGraph, x: string): GeluMatch | undefined {
  if (g.isGraphOutput(x)) return undefined;
  const readers = g.readersOf(x);
  const scale = readers.find((r) => (r.opType === 'Div' && r.input?.[0] === x && near(scalarBeside(g, r, x), Math.SQRT2)) || (r.opType === 'Mul' && near(scalarBeside(g, r, x), Math.SQRT1_2)));
  const scaled = scale?.output?.[0];
  const erf = scaled ? g.soleReader(scaled) : undefined;
  const erfOut = erf?.opType === 'Erf' ? erf.output?.[0] : undefined;
  const plus = erfOut ? g.soleReader(erfOut) : undefined;
  const onePlus = plus?.opType === 'Add' && near(scalarBeside(g, plus, erfOut!), 1) ? plus.output?.[0] : undefined;
  if (!scale || !erf || !plus || !onePlus || g.isGraphOutput(onePlus)) return undefined;
  // The first Mul takes two of {x, 1 + erf, 0.5}; the second, its sole reader, the third.
  const isHalf = (t: string): boolean => {
    const v = knownValues(g, t);
    return v?.length === 1 && near(v[0], 0.5);
  };
  const firsts = [...readers, ...g.readersOf(onePlus)].filter((m) => m.opType === 'Mul' && m !== scale && (m.input?.length ?? 0) === 2);
  for (const m1 of firsts) {
    const [a, b] = m1.input as [string, string];
    const kinds: string[] = [a, b].map((t) => (t === x ? 'x' : t === onePlus ? 'erf' : isHalf(t) ? 'half' : '?'));
    if (kinds.includes('?') || kinds[0] === kinds[1]) continue;
    const missing = ['x', 'erf', 'half'].find((k) => !kinds.includes(k))!;
    const mid = m1.output?.[0];
    const m2 = mid ? g.soleReader(mid) : undefined;
    if (m2?.opType !== 'Mul' || (m2.input?.length ?? 0) !== 2) continue;
    const other = m2.input![0] === mid ? m2.input![1]! : m2.input![0]!;
    const ok = missing === 'x' ? other === x : missing === 'erf' ? other === onePlus : isHalf(other);
    if (!ok) continue;
    // x's other readers and 1 + erf's must be the pattern's own.
    const mine = new Set([scale, m1, m2]);
    if (readers.filter((r) => !mine.has(r)).length > 0 || g.readersOf(onePlus).some((r) => !mine.has(r))) continue;
    return { nodes: [scale, erf, plus, m1, m2], output: m2.output?.[0] ?? '' };
  }
  return undefined;
}

export interface ShuffleMatch {
  readonly groups: number;
  /** The Transpose and the second Reshape (the first is the node the walk is at). */
  readonly rest: readonly onnx.INodeProto[];
  readonly output: string;
}

/** A Reshape target's dims for an input of non-batch dims `dims` (batch first, any value); undefined if unresolvable. */
function resolveTarget(target: readonly number[], dims: readonly number[]): number[] | undefined {
  const features = dims.reduce((p, d) => p * d, 1);
  const rest = target.slice(1).map((t, i) => (t === 0 ? dims[i] : t));
  if (rest.some((t) => t === undefined || !Number.isInteger(t) || t < -1)) return undefined;
  const known = (rest as number[]).filter((t) => t !== -1).reduce((p, d) => p * d, 1);
  const free = rest.filter((t) => t === -1).length;
  if (free > 1 || (free === 1 && target[0] === -1) || known === 0) return undefined;
  const out = (rest as number[]).map((t) => (t === -1 ? features / known : t));
  return out.every(Number.isInteger) && out.reduce((p, d) => p * d, 1) === features ? out : undefined;
}

/**
 * Reshape [N, C, H, W] → [N, g, C/g, H, W], Transpose perm [0, 2, 1, 3, 4], Reshape → [N, C, H, W]: channelShuffle
 * with g groups. `node` is the first Reshape; `chw` the input's [C, H, W].
 */
export function matchChannelShuffle(g: ImportGraph, node: onnx.INodeProto, chw: readonly [number, number, number]): ShuffleMatch | undefined {
  const [c, h, w] = chw;
  const first = knownValues(g, node.input?.[1]);
  const grouped = first && first.length === 5 ? resolveTarget(Array.from(first), chw) : undefined;
  if (!grouped || grouped[2] !== h || grouped[3] !== w || grouped[0]! * grouped[1]! !== c) return undefined;
  const mid = node.output?.[0];
  const t = mid ? g.soleReader(mid) : undefined;
  const perm = (t?.attribute ?? []).find((a) => a.name === 'perm')?.ints?.map(Number).join(',');
  if (t?.opType !== 'Transpose' || perm !== '0,2,1,3,4') return undefined;
  const swapped = t.output?.[0];
  const back = swapped ? g.soleReader(swapped) : undefined;
  const last = back?.opType === 'Reshape' && back.input?.[0] === swapped ? knownValues(g, back.input?.[1]) : undefined;
  const flat = last && last.length === 4 ? resolveTarget(Array.from(last), [grouped[1]!, grouped[0]!, h, w]) : undefined;
  if (!flat || flat[0] !== c || flat[1] !== h || flat[2] !== w) return undefined;
  return { groups: grouped[0]!, rest: [t, back!], output: back!.output?.[0] ?? '' };
}
