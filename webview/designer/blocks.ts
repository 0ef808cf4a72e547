// Repeated blocks, found from the graph's structure so a 370-layer DenseNet reads as a few stages: runs of
// back-to-back identical units — the same layer types and settings, wired the same way relative to the
// unit's start (inputs inside the unit by offset, any inputs before it as one "outside") — become one
// block, "denseblock2: 12 × dense layer", named from the layer names its members share, else by order.
// No DOM: unit-tested on real model structures (ResNet-20, MobileNetV2, torchvision's DenseNet-121).

/** What block detection reads of a layer (RowView has these). */
export interface BlockRow {
  readonly index: number;
  readonly type: string;
  readonly name: string;
  readonly summary: string;
  readonly inputs: readonly { readonly index?: number }[];
}

export interface Block {
  /** First and last layer index, inclusive. */
  readonly first: number;
  readonly last: number;
  /** Layers per repeat. */
  readonly unit: number;
  readonly count: number;
  /** What one repeat is: "residual block", "dense layer", "conv2d + relu", … */
  readonly kind: string;
  /** "denseblock2: 12 × dense layer" */
  readonly label: string;
  /** Stable across edits elsewhere that leave the block as it is: remembers whether it is expanded. */
  readonly key: string;
}

/** Longest repeat unit looked for, in layers (a torchvision bottleneck is 10, an Inception module ~20). */
const MAX_UNIT = 40;

/** What two layers must share to stand at the same place in two repeats (with their wiring, inputsKey). */
export function blockHead(row: BlockRow): string {
  return `${row.type}|${row.summary}`;
}

/**
 * Whether blocks found on `before` still hold for `after`, the same layers and wiring whose heads differ at
 * `changed` only, without searching again: when each changed layer's head, old and new, equals no head within
 * MAX_UNIT layers of it. A layer in a run of repeats equals the one a unit (≤ MAX_UNIT) before or after it, so such
 * a layer is in no run, before or after; every comparison the search makes that involves it fails both times (a
 * unit is like the run's first only if its layers equal those one unit back), so the search finds the same runs,
 * and a block's name and kind come from its own layers. Unit-tested against findBlocks on random edits.
 */
export function blocksStillValid(before: readonly string[], after: readonly string[], changed: readonly number[]): boolean {
  const alone = (heads: readonly string[], i: number): boolean => {
    for (let d = 1; d <= MAX_UNIT; d++) if (heads[i - d] === heads[i] || heads[i + d] === heads[i]) return false;
    return true;
  };
  return before.length === after.length && changed.every((i) => alone(before, i) && alone(after, i));
}
/** Smallest block worth collapsing, in layers. */
const MIN_BLOCK_LAYERS = 4;

/**
 * A layer's inputs as seen from a unit starting at `start`: an input inside the unit as its offset, any
 * number before it as one "x" (a DenseNet concatenation reads all earlier features: 2 of them in the first
 * dense layer, 3 in the next — the same kind of unit).
 */
function inputsKey(row: BlockRow, start: number): string {
  let key = '';
  let outside = false;
  for (const x of row.inputs) {
    if (x.index === undefined) key += '?,';
    else if (x.index >= start) key += `${x.index - start},`;
    else if (!outside) {
      outside = true;
      key += 'x,';
    }
  }
  return key;
}

/** Back-to-back repeats of the unit of `length` layers at `start` (1: none); `memo` makes a run's later starts O(1). */
function repeats(rows: readonly BlockRow[], heads: readonly string[], start: number, length: number, memo: Map<number, number>): number {
  const key = start * (MAX_UNIT + 1) + length;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let count = 1;
  for (;;) {
    const next = start + count * length;
    if (next + length > rows.length) break;
    let same = true;
    for (let j = 0; j < length && same; j++) {
      const a = start + j;
      const b = next + j;
      same = heads[a] === heads[b] && inputsKey(rows[a]!, start) === inputsKey(rows[b]!, next);
    }
    if (!same) break;
    count++;
  }
  // The same run seen from its later units: one repeat fewer each.
  for (let r = 1; r < count; r++) memo.set((start + r * length) * (MAX_UNIT + 1) + length, count - r);
  memo.set(key, count);
  return count;
}

interface Candidate {
  readonly first: number;
  readonly unit: number;
  readonly count: number;
}

const layersOf = (c: Candidate): number => c.unit * c.count;
const overlaps = (a: Candidate, b: Candidate): boolean => a.first < b.first + layersOf(b) && b.first < a.first + layersOf(a);

/**
 * The repeated blocks, in file order, none overlapping: the best run from every layer (most layers, then
 * the shorter unit), then the runs that cover most, first; among overlapping runs that cover as much
 * (relu, [conv … add] repeating or [conv … add, relu]) the one whose repeats share most of their names.
 */
export function findBlocks(rows: readonly BlockRow[]): Block[] {
  const heads = rows.map(blockHead);
  const memo = new Map<number, number>();
  const candidates: Candidate[] = [];
  for (let k = 0; k < rows.length; k++) {
    let best: Candidate | undefined;
    for (let length = 1; length <= MAX_UNIT && k + 2 * length <= rows.length; length++) {
      if (heads[k] !== heads[k + length]) continue;
      const count = repeats(rows, heads, k, length, memo);
      if (count >= 2 && count * length >= MIN_BLOCK_LAYERS && (!best || count * length > layersOf(best))) best = { first: k, unit: length, count };
    }
    if (best) candidates.push(best);
  }
  candidates.sort((a, b) => layersOf(b) - layersOf(a) || a.first - b.first);
  const chosen: Candidate[] = [];
  const free = (c: Candidate): boolean => !chosen.some((x) => overlaps(x, c));
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (!free(c)) continue;
    let pick = c;
    let score = nameCoherence(rows, c);
    for (let j = i + 1; j < candidates.length && layersOf(candidates[j]!) === layersOf(c); j++) {
      const other = candidates[j]!;
      if (!overlaps(other, c) || !free(other)) continue;
      const sc = nameCoherence(rows, other);
      if (sc > score) {
        pick = other;
        score = sc;
      }
    }
    chosen.push(pick);
    if (pick !== c) i--; // c may still fit beside the pick
  }
  chosen.sort((a, b) => a.first - b.first);
  return chosen.map((b, ordinal) => {
    const last = b.first + layersOf(b) - 1;
    const unit = rows.slice(b.first, b.first + b.unit);
    const kind = unitKind(unit, b.first);
    const prefix = commonNamePrefix(rows.slice(b.first, last + 1).map((r) => r.name), unit.map((r) => r.type));
    const name = prefix || `stage ${ordinal + 1}`;
    return { first: b.first, last, unit: b.unit, count: b.count, kind, label: `${name}: ${b.count} × ${kind}`, key: `${b.first}:${b.unit}:${b.count}:${kind}` };
  });
}

/** Name parts shared within each repeat, summed over the repeats. */
function nameCoherence(rows: readonly BlockRow[], c: Candidate): number {
  let score = 0;
  for (let r = 0; r < c.count; r++) score += sharedParts(rows.slice(c.first + r * c.unit, c.first + (r + 1) * c.unit).map((x) => x.name));
  return score;
}

/** How many leading name parts (split at / . _) all names share ("features.denseblock1" and its members: 2). */
function sharedParts(names: readonly string[]): number {
  const split = names.map((n) => n.split(/[/._]/));
  const first = split[0] ?? [];
  let shared = 0;
  while (shared < first.length && split.every((s) => s.length > shared && s[shared] === first[shared])) shared++;
  return shared;
}

/** A name for one repeat, from what it is made of. */
export function unitKind(unit: readonly BlockRow[], first: number): string {
  const types = unit.map((r) => r.type);
  const readsOutside = (type: string): boolean => unit.some((r) => r.type === type && r.inputs.some((i) => i.index !== undefined && i.index < first));
  const convs = types.filter((t) => t === 'conv2d' || t === 'depthwiseConv2d').length;
  if (readsOutside('add')) {
    if (types.includes('depthwiseConv2d')) return 'inverted residual';
    return convs >= 3 ? 'bottleneck' : 'residual block';
  }
  if (readsOutside('concatenate')) return 'dense layer';
  const distinct = [...new Set(types)];
  if (distinct.length === 1) return distinct[0]!;
  return types.length <= 3 ? types.join(' + ') : 'block';
}

/**
 * The last name part every member shares ("features.denseblock2.denselayer3.conv1", … → "denseblock2");
 * none when that is only a layer type or a number (default names "conv2d_3").
 */
export function commonNamePrefix(names: readonly string[], types: readonly string[]): string {
  const shared = sharedParts(names);
  const last = shared > 0 ? names[0]!.split(/[/._]/)[shared - 1]! : '';
  return types.includes(last) || /^\d+$/.test(last) ? '' : last;
}

/** The name shown on a node: the last segment of a path-like imported name (the full one is the tooltip). */
export function shortName(name: string, max = 20): string {
  const slash = name.slice(name.lastIndexOf('/') + 1);
  if (slash.length <= max || !slash.includes('.')) return slash;
  // "features.denseblock1.denselayer1.conv1" → "denselayer1.conv1": the trailing parts that fit.
  const parts = slash.split('.');
  let out = parts.pop()!;
  while (parts.length && out.length + parts[parts.length - 1]!.length + 1 <= max) out = `${parts.pop()!}.${out}`;
  return out;
}
