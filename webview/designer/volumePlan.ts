// The "Volumes" picture of a small network (the AlexNet-figure / NN-SVG style), as numbers: every tensor
// H×W×C a box — height by H, depth (drawn obliquely) by W, thickness by C, each log-scaled so 224 and 7 both
// read — every vector (flatten, dense) a thin column by its length; a convolution's or a pooling's window
// drawn on the face of the volume it slides over. Layers that keep the shape without a window (activations,
// batch norm, dropout) get no box of their own: they join the caption of the one before. Left to right in
// file order; an input from further back than the previous box is an arc. No DOM: unit-tested.

/** What the plan reads of a layer (RowView has these). */
export interface VolumeRow {
  readonly index: number;
  readonly type: string;
  readonly outputShape?: readonly number[];
  readonly inputs: readonly { readonly index?: number }[];
}

export interface VolumeItem {
  /** The layer it shows (−1: the model input). */
  readonly row: number;
  readonly kind: 'volume' | 'vector';
  readonly shape: readonly number[];
  /** Layer types drawn in it: its own and those that kept its shape after it. */
  readonly types: readonly string[];
  /** The layers it stands for (its own and the shape-keeping ones after it). */
  readonly rows: readonly number[];
  /** Left edge of the front face, and its size: w across (channels), h up (H), d the oblique depth (W). */
  readonly x: number;
  readonly w: number;
  readonly h: number;
  readonly d: number;
  /** The window this layer slides over its input volume (kernel or pool size), on that volume's side face. */
  readonly window?: { readonly from: number; readonly kh: number; readonly kw: number };
  /** Items (by position in the plan) it reads besides the one just before it. */
  readonly skips: readonly number[];
}

export interface VolumePlan {
  readonly items: readonly VolumeItem[];
  readonly width: number;
  readonly height: number;
  /** The line the boxes' centres sit on. */
  readonly midY: number;
}

/** Above this many layers the Volumes view is not offered: the graph view is for big networks. */
export const VOLUMES_MAX_LAYERS = 30;
const GAP = 46;
const MARGIN = 24;
/** The oblique depth drawn at 45°: this share of its length goes right, and the same up. */
export const OBLIQUE = 0.5;
/** Shape-keeping layers without a window: no box of their own. */
const PASS_THROUGH = new Set(['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'hardSwish', 'hardSigmoid', 'gelu', 'softmax', 'batchNorm', 'layerNormalization', 'dropout', 'rescaling', 'normalization']);

/** Pixels for a spatial size: log-scaled so 7 and 224 both read. */
export const spatial = (n: number): number => 10 + 13 * Math.log2(Math.max(1, n));
/** Pixels for a channel count. */
export const thickness = (n: number): number => 3 + 4.5 * Math.log2(Math.max(1, n));
/** Pixels for a vector's length. */
export const vectorLength = (n: number): number => Math.min(220, 14 + 16 * Math.log2(Math.max(1, n)));

/** Whether the picture can be drawn: few enough layers, every shape known. */
export function volumesAvailable(rows: readonly VolumeRow[], inputShape: readonly number[] | undefined): boolean {
  return rows.length > 0 && rows.length <= VOLUMES_MAX_LAYERS && !!inputShape && rows.every((r) => r.outputShape !== undefined);
}

/** `settings(i)`: the raw layer object, for its kernelSize or poolSize. */
export function planVolumes(rows: readonly VolumeRow[], inputShape: readonly number[], settings: (index: number) => unknown): VolumePlan {
  const items: Mutable[] = [];
  /** The item that shows each layer's output (−1 → the input's). */
  const itemOf = new Map<number, number>();
  const add = (row: number, type: string, shape: readonly number[]): void => {
    const volume = shape.length === 3;
    const [H = 1, W = 1, C = 1] = shape;
    const size = volume ? { kind: 'volume' as const, w: thickness(C), h: spatial(H), d: spatial(W) } : { kind: 'vector' as const, w: 8, h: vectorLength(shape.reduce((a, b) => a * b, 1)), d: 8 };
    items.push({ row, shape, types: [type], rows: [row], x: 0, skips: [], ...size });
    itemOf.set(row, items.length - 1);
  };
  add(-1, 'input', inputShape);
  for (const r of rows) {
    const shape = r.outputShape ?? [];
    const from = r.inputs[0]?.index ?? r.index - 1;
    const prev = itemOf.get(from);
    const window = windowOf(r.type, settings(r.index));
    const sameShape = prev !== undefined && sameDims(items[prev]!.shape, shape);
    if (PASS_THROUGH.has(r.type) && sameShape && prev === items.length - 1 && r.inputs.length <= 1) {
      const item = items[prev]!;
      item.types = [...item.types, r.type];
      item.rows = [...item.rows, r.index];
      itemOf.set(r.index, prev);
      continue;
    }
    add(r.index, r.type, shape);
    const me = items[items.length - 1]!;
    if (window && prev !== undefined && items[prev]!.kind === 'volume') me.window = { from: prev, ...window };
    const reads = new Set(r.inputs.map((i) => itemOf.get(i.index ?? -2)).filter((i): i is number => i !== undefined));
    me.skips = [...reads].filter((i) => i !== items.length - 2);
  }
  let x = MARGIN;
  let top = 0;
  let bottom = 0;
  for (const item of items) {
    item.x = x;
    const ox = item.d * OBLIQUE;
    x += item.w + ox + GAP;
    top = Math.max(top, item.h / 2 + ox);
    bottom = Math.max(bottom, item.h / 2);
  }
  // Room above for the captions and the arcs of shortcuts, below for the shapes.
  const arcs = items.some((i) => i.skips.length > 0) ? 40 : 0;
  const midY = MARGIN + 30 + arcs + top;
  return { items, width: x - GAP + MARGIN, height: midY + bottom + 44 + MARGIN, midY };
}

type Mutable = { -readonly [K in keyof VolumeItem]: VolumeItem[K] };

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The kernel or pool window of a sliding layer, [height, width]. */
export function windowOf(type: string, raw: unknown): { kh: number; kw: number } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  const v = type === 'maxPool2d' || type === 'avgPool2d' ? (o.poolSize ?? 2) : type === 'conv2d' || type === 'depthwiseConv2d' || type === 'separableConv2d' ? o.kernelSize : undefined;
  if (typeof v === 'number' && v > 0) return { kh: v, kw: v };
  if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number') return { kh: v[0], kw: v[1] };
  return undefined;
}
