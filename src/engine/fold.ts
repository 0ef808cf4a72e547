// Inference graph optimisation, first step: a batch norm folded into the convolution (conv2d, depthwiseConv2d)
// or dense layer before it, and the activation layer after it fused into that layer's epilogue (also without a
// batch norm: conv → activation layer). In inference a batch norm is y = (x − mean)·s + β per channel with
// s = γ/√(var + ε), so conv → batch norm is one conv with
// W' = W·s (per output channel) and b' = (b − mean)·s + β; the batch norm's pass (and the activation's) is skipped.
// W' and b' live in buffers of their own in the network's memory (the trained params are never touched), computed
// on the first inference pass and again only when a param they come from was handed out since (ArenaParam.version:
// every writer, the optimizers and weight loading included, fetches `value`), so training never pays for it and
// inference always sees the current weights. Results equal the unoptimised graph's to float rounding
// (test/unit/engine/fold.test.ts states the tolerance).
import type { ActivationName } from '../model/types';
import { ActivationLayer } from './activations';
import { allocBuf, type Arena, type Buf } from './arena';
import type { ArenaParam, EngineLayer } from './layer';
import { BatchNorm } from './layers/batchNorm';
import { Conv2d } from './layers/conv2d';
import { Dense } from './layers/dense';
import { DepthwiseConv2d } from './layers/depthwiseConv2d';
import type { Tensor } from './tensor';

type Foldable = Conv2d | DepthwiseConv2d | Dense;

/** One folded run of layers: conv → batch norm (→ activation layer), or conv → activation layer (no batch norm:
 *  the conv's own weights, the activation fused), in file order conv < bn < last. */
export interface FoldGroup {
  readonly conv: number;
  readonly bn?: number;
  /** The group's last layer: the batch norm, or the activation layer fused after it. */
  readonly last: number;
  readonly act: ActivationName;
  readonly alpha: number;
}

/** Activations that the epilogues apply element by element (softmax works on whole rows). */
const FUSABLE = new Set<ActivationName>(['relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh', 'swish', 'hardSwish', 'hardSigmoid', 'gelu']);

function foldable(l: EngineLayer | undefined): l is Foldable {
  return (l instanceof Conv2d || l instanceof DepthwiseConv2d || l instanceof Dense) && l.activation === 'linear';
}

/**
 * The groups that can fold. `reads[i]`: the values layer i reads (0 the input, j + 1 layer j's output);
 * `live[i]`: layer i's output reaches the last layer. A group's output is the conv's own output buffer, which the
 * memory plan keeps from the conv's forward to the batch norm's backward (it reads its input there), past every
 * forward step: so the batch norm must be live. Every value inside a group has the group's next layer as its only
 * reader, and the model's last layer is never in a group (the loss reads its pre-activation).
 */
export function findFolds(layers: readonly EngineLayer[], reads: readonly (readonly number[])[], live: readonly boolean[]): FoldGroup[] {
  const L = layers.length;
  const readers = new Array<number[]>(L + 1);
  for (let v = 0; v <= L; v++) readers[v] = [];
  reads.forEach((r, i) => r.forEach((v) => readers[v]!.push(i)));
  const groups: FoldGroup[] = [];
  for (let b = 0; b < L - 1; b++) {
    const bn = layers[b];
    if (!(bn instanceof BatchNorm) || !live[b] || reads[b]!.length !== 1) continue;
    const conv = reads[b]![0]! - 1;
    if (conv < 0 || !foldable(layers[conv]) || readers[conv + 1]!.length !== 1) continue;
    let last = b, act: ActivationName = 'linear', alpha = 0;
    const next = readers[b + 1]!;
    const a = next.length === 1 ? layers[next[0]!] : undefined;
    if (a instanceof ActivationLayer && FUSABLE.has(a.activation) && next[0]! < L - 1) {
      last = next[0]!;
      act = a.activation;
      alpha = a.alpha;
    }
    groups.push({ conv, bn: b, last, act, alpha });
  }
  // A linear conv whose only reader is an activation layer (an imported network's Conv → Clip after its batch norms
  // were folded at import): the activation in the conv's epilogue. The same conditions as above, the activation
  // layer standing for the batch norm (its backward reads its input, so the conv's buffer outlives the forward).
  for (let a = 0; a < L - 1; a++) {
    const act = layers[a];
    if (!(act instanceof ActivationLayer) || !FUSABLE.has(act.activation) || !live[a] || reads[a]!.length !== 1) continue;
    const conv = reads[a]![0]! - 1;
    if (conv < 0 || !foldable(layers[conv]) || readers[conv + 1]!.length !== 1) continue;
    groups.push({ conv, last: a, act: act.activation, alpha: act.alpha });
  }
  return groups;
}

/** The folded weights of a network's groups, in its memory, current as of the last `update`. */
export class Folds {
  private kernels: (Buf | undefined)[] = [];
  private biases: (Buf | undefined)[] = [];
  /** Per group, the versions of its params its folded weights were computed from. */
  private versions: number[][] = [];
  /** Per group, how often its folded weights were computed: caches of them (Winograd's transformed filters) key on it. */
  private computed: number[] = [];
  /** Per layer: the group it starts (the conv), or that it is a later member of (skipped). */
  private readonly startsAt: (FoldGroup | undefined)[];
  private readonly inside: (FoldGroup | undefined)[];

  constructor(
    readonly groups: readonly FoldGroup[],
    private readonly layers: readonly EngineLayer[],
    private readonly arena: Arena,
  ) {
    this.startsAt = new Array<FoldGroup | undefined>(layers.length);
    this.inside = new Array<FoldGroup | undefined>(layers.length);
    for (const g of groups) {
      this.startsAt[g.conv] = g;
      if (g.bn !== undefined) this.inside[g.bn] = g;
      this.inside[g.last] = g;
    }
  }

  /** Allocates the folded weights' buffers (once): before the caller takes any view of the memory, which an
   *  allocation may move. */
  allocate(): void {
    if (this.kernels.length === this.groups.length) return;
    for (const g of this.groups) {
      const conv = this.layers[g.conv] as Foldable;
      // Without a batch norm the conv's own weights serve: nothing to allocate.
      const bn = g.bn === undefined ? undefined : (this.layers[g.bn] as BatchNorm);
      this.kernels.push(bn && allocBuf(this.arena, conv.kernel.valueBuf.length));
      this.biases.push(bn && allocBuf(this.arena, bn.gamma.valueBuf.length));
      this.versions.push([]);
      this.computed.push(0);
    }
  }

  /** Whether allocate ran: a pass folds only then (allocating during a pass would move the views it holds). */
  get ready(): boolean {
    return this.groups.length > 0 && this.kernels.length === this.groups.length;
  }

  /** Recomputes the folded weights of the groups whose params changed (see the file comment). After allocate. */
  update(): void {
    this.groups.forEach((g, k) => {
      const conv = this.layers[g.conv] as Foldable;
      const bn = g.bn === undefined ? undefined : (this.layers[g.bn] as BatchNorm);
      const params = [conv.kernel, conv.bias, bn?.gamma, bn?.beta, bn?.movingMean, bn?.movingVariance] as (ArenaParam | undefined)[];
      const now = params.map((p) => p?.version ?? 0);
      const was = this.versions[k]!;
      if (was.length === now.length && was.every((v, i) => v === now[i])) return;
      if (bn) foldInto(conv, bn, this.kernels[k]!.view(), this.biases[k]!.view());
      this.versions[k] = now;
      this.computed[k]!++;
    });
  }

  /** Whether layer i is folded away in a pass over layers [start, end). */
  skips(i: number, start: number, end: number): boolean {
    const g = this.inside[i];
    return g !== undefined && active(g, start, end);
  }

  /** Runs the group starting at layer i when it lies within [start, end): its output (every member's value), or
   *  undefined when layer i runs as usual. */
  run(i: number, x: Tensor, start: number, end: number): { readonly group: FoldGroup; readonly out: Tensor } | undefined {
    const g = this.startsAt[i];
    if (!g || !active(g, start, end)) return undefined;
    const k = this.groups.indexOf(g);
    const conv = this.layers[i] as Foldable;
    // Read through valueBuf: a pass must not count as a change of the weights.
    const kernel = this.kernels[k]?.view() ?? conv.kernel.valueBuf.view();
    const bias = g.bn === undefined ? conv.bias?.valueBuf.view() : this.biases[k]!.view();
    return { group: g, out: conv.forwardFolded(x, kernel, bias, g.act, g.alpha, this.computed[k]!) };
  }
}

function active(g: FoldGroup, start: number, end: number): boolean {
  return g.conv >= start && g.last < end;
}

/** W' = W·s and b' = (b − mean)·s + β, s = γ/√(var + ε) per output channel (the last axis of every kernel here,
 *  depthwise's [kh, kw, c, multiplier] included). Read through valueBuf: reading must not count as a change. */
function foldInto(conv: Foldable, bn: BatchNorm, kernel: Float32Array, bias: Float32Array): void {
  const w = conv.kernel.valueBuf.view();
  const b = conv.bias?.valueBuf.view();
  const gamma = bn.gamma.valueBuf.view(), beta = bn.beta.valueBuf.view();
  const mean = bn.movingMean.valueBuf.view(), variance = bn.movingVariance.valueBuf.view();
  const c = bias.length;
  const s = new Float64Array(c);
  for (let o = 0; o < c; o++) {
    s[o] = gamma[o]! / Math.sqrt(variance[o]! + bn.epsilon);
    bias[o] = ((b ? b[o]! : 0) - mean[o]!) * s[o]! + beta[o]!;
  }
  for (let i = 0, o = 0; i < w.length; i++) {
    kernel[i] = w[i]! * s[o]!;
    if (++o === c) o = 0;
  }
}
