// The arithmetic of one explained cell, per layer kind, as the engine reported it: convolution patches ⊙ kernels
// channel by channel, their sums plus bias, the activation with its plot; pooling windows; dense layers' largest
// contributions; softmax's logits → exponentials → probabilities; batch norm; merges. Every number shows a few
// digits and its exact value on hover (title); the final line sets the breakdown's result beside the engine's.
import { assertNever } from '../../src/model/assertNever';
import type {
  ActivationStep,
  CellExplanation,
  CellSource,
  ConvChannelTerm,
  SeparableChannelTerm,
  SoftmaxStep,
  TapWindow,
} from '../../src/protocol/explain';
import { h } from '../shared/dom';
import { activationPlot } from './plot';

/** A few significant digits, plain or exponential, without trailing zeros. */
export function fmt(v: number, digits = 4): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(digits))) : v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** A number: rounded in the text, exact on hover and in data-exact (tests read it). */
export function num(v: number, attrs: Record<string, string> = {}, digits = 4): HTMLElement {
  return h('span', { class: 'n', title: String(v), 'data-exact': String(v), ...attrs }, fmt(v, digits));
}

const op = (s: string): HTMLElement => h('span', { class: 'op' }, s);

/** The value the breakdown arrives at (float64), to set beside the engine's `value`. */
export function breakdownResult(e: CellExplanation): number {
  switch (e.kind) {
    case 'conv':
    case 'separable':
    case 'dense':
    case 'activation':
      return e.activation.softmax ? e.activation.softmax.probabilities[e.activation.softmax.index] : e.activation.output;
    case 'pool':
    case 'batchNorm':
    case 'affine':
      return e.output;
    case 'softmax':
      return e.softmax.probabilities[e.softmax.index];
    case 'add':
      return e.sum;
    case 'product':
      return e.product;
    case 'copy':
      return e.source?.value ?? 0;
    default:
      return assertNever(e, 'explanation');
  }
}

/** kh×kw numbers as a small table, shaded by sign and size; padding taps greyed. */
function valueGrid(values: readonly number[], rows: number, cols: number, caption: string, inside?: readonly boolean[], kept?: number): HTMLElement {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const body = Array.from({ length: rows }, (_, i) =>
    h(
      'tr',
      {},
      Array.from({ length: cols }, (_, j) => {
        const k = i * cols + j;
        const v = values[k];
        if (inside && !inside[k]) return h('td', { class: 'pad', title: 'padding: outside the input (0, not counted by pooling)' }, '·');
        const td = h('td', { class: k === kept ? 'kept' : undefined, title: String(v), 'data-exact': String(v) }, fmt(v, 3));
        if (maxAbs > 0 && v !== 0) td.style.backgroundColor = `color-mix(in srgb, var(${v > 0 ? '--vscode-charts-blue' : '--vscode-charts-red'}) ${Math.round((55 * Math.abs(v)) / maxAbs)}%, transparent)`;
        return td;
      }),
    ),
  );
  return h('figure', { class: 'num-grid' }, h('table', { 'aria-label': caption }, h('tbody', {}, body)), h('figcaption', {}, caption));
}

function windowText(w: TapWindow, input: string): string {
  const step = w.rowStep === 1 && w.colStep === 1 ? '' : `, every ${w.rowStep === w.colStep ? w.rowStep : `${w.rowStep}×${w.colStep}`} (stride or dilation)`;
  return `${w.rows}×${w.cols} window of ${input} at row ${w.rowStart}, column ${w.colStart}${step}`;
}

function channelCard(t: ConvChannelTerm | SeparableChannelTerm, w: TapWindow, title: string, separable: boolean): HTMLElement {
  const rest: HTMLElement[] = [h('div', { class: 'card-sum' }, 'Σ products ', op('='), ' ', num(t.partialSum, { class: 'n partial' }))];
  if (separable && 'pointwiseWeight' in t) {
    rest.push(h('div', { class: 'card-sum' }, num(t.partialSum), ' ', op('×'), ' pointwise weight ', num(t.pointwiseWeight), ' ', op('='), ' ', num(t.contribution, { class: 'n contribution' })));
  }
  return h(
    'div',
    { class: 'term-card', 'data-channel': t.inputChannel },
    h('div', { class: 'card-title' }, title),
    h('div', { class: 'card-grids' }, valueGrid(t.patch, w.rows, w.cols, 'input patch', t.inside), op('⊙'), valueGrid(t.kernel, w.rows, w.cols, separable ? 'depthwise kernel' : 'kernel'), op('='), valueGrid(t.products, w.rows, w.cols, 'products')),
    rest,
  );
}

/** Cards for the first channels (all when asked), then the sum over every channel's share. */
function channelTerms(terms: readonly (ConvChannelTerm | SeparableChannelTerm)[], w: TapWindow, o: BreakdownOptions, separable: boolean, bias: number, useBias: boolean, z: number): (HTMLElement | null)[] {
  const shown = o.allChannels ? terms : terms.slice(0, o.firstChannels);
  const cards = shown.map((t) =>
    channelCard(t, w, separable && 'depthwiseChannel' in t ? `input channel ${t.inputChannel} → depthwise channel ${t.depthwiseChannel}` : `input channel ${t.inputChannel}`, separable, ),
  );
  const more = terms.length > shown.length ? h('button', { class: 'link-button', type: 'button', id: 'explain-all-channels' }, `Show all ${terms.length} channels`) : null;
  more?.addEventListener('click', () => o.showAllChannels());
  const share = (t: ConvChannelTerm | SeparableChannelTerm): number => ('contribution' in t ? t.contribution : t.partialSum);
  const parts: HTMLElement[] = [];
  terms.forEach((t, i) => {
    if (i > 0) parts.push(op('+'));
    parts.push(h('span', { class: 'share', title: `input channel ${t.inputChannel}` }, num(share(t))));
  });
  return [
    h('div', { class: 'cards' }, cards),
    more,
    h('p', { class: 'sum-line', id: 'explain-sum-line' }, separable ? 'Σ contributions: ' : 'Σ over input channels: ', parts, ' ', op('+'), ' bias ', useBias ? num(bias) : h('span', { class: 'n' }, '0 (no bias)'), ' ', op('='), ' ', num(z, { id: 'explain-preactivation' }), h('span', { class: 'meta' }, ' (pre-activation z)')),
  ];
}

function softmaxTable(s: SoftmaxStep, labels?: readonly string[]): HTMLElement {
  const rows = s.logits.map((z, i) =>
    h('tr', { class: i === s.index ? 'current' : undefined }, h('td', {}, labels?.[i] ?? String(i)), h('td', { class: 'num' }, num(z)), h('td', { class: 'num' }, num(s.exps[i])), h('td', { class: 'num' }, num(s.probabilities[i]))),
  );
  return h(
    'table',
    { class: 'softmax-table', 'aria-label': 'Softmax' },
    h('thead', {}, h('tr', {}, h('th', {}, labels ? 'class' : 'unit'), h('th', {}, 'logit z'), h('th', {}, `exp(z − ${fmt(s.max)})`), h('th', {}, 'probability'))),
    h('tbody', {}, rows),
    h('tfoot', {}, h('tr', {}, h('td', {}, 'Σ'), h('td', {}), h('td', { class: 'num' }, num(s.sum)), h('td', { class: 'num' }, '1'))),
  );
}

/** z → f(z): the plot for a function of one value, the whole row for softmax, one line for none. */
function activationBlock(a: ActivationStep, labels?: readonly string[]): HTMLElement {
  if (a.softmax) {
    return h('div', { class: 'activation-step softmax' }, h('p', {}, 'softmax over the row: each exponential divided by their sum'), softmaxTable(a.softmax, labels));
  }
  if (a.activation === 'softmax') return h('p', { class: 'activation-step' }, 'softmax ', op('='), ' ', num(a.output));
  if (a.activation === 'linear') return h('p', { class: 'activation-step' }, 'no activation: output ', op('='), ' z ', op('='), ' ', num(a.output));
  const name = a.activation === 'leakyRelu' || a.activation === 'hardSigmoid' ? `${a.activation}(α = ${a.alpha ?? 0.3})` : a.activation;
  return h(
    'div',
    { class: 'activation-step' },
    activationPlot(a.activation, a.alpha ?? 0.3, a.input, a.output),
    h('p', {}, `${name}(`, num(a.input), ') ', op('='), ' ', num(a.output)),
  );
}

const where = (s: CellSource): string => (s.position.row === 0 && s.position.col === 0 && s.index >= 0 ? `${s.name}[${s.position.channel}]` : `${s.name} (${s.position.row}, ${s.position.col}, ${s.position.channel})`);

export interface BreakdownOptions {
  /** Channel cards drawn before "Show all". */
  readonly firstChannels: number;
  readonly allChannels: boolean;
  showAllChannels(): void;
  /** Class names when the layer is the model's output. */
  readonly labels?: readonly string[];
}

/** The body of the explanation: the arithmetic for its kind. */
export function breakdown(e: CellExplanation, o: BreakdownOptions): (HTMLElement | null)[] {
  const input = e.inputs[0]?.name ?? 'input';
  switch (e.kind) {
    case 'conv':
      return [
        h('p', { class: 'meta' }, windowText(e.window, input), e.layerType === 'depthwiseConv2d' ? ' — depthwise: one input channel, its own kernel' : ''),
        ...channelTerms(e.channels, e.window, o, false, e.bias, e.useBias, e.preActivation),
        activationBlock(e.activation),
      ];
    case 'separable':
      return [
        h('p', { class: 'meta' }, windowText(e.window, input), ` — depthwise (multiplier ${e.depthMultiplier}) per input channel, then a pointwise 1×1 sum`),
        ...channelTerms(e.channels, e.window, o, true, e.bias, e.useBias, e.preActivation),
        activationBlock(e.activation),
      ];
    case 'pool': {
      const taps = e.window.rows * e.window.cols;
      const grid = taps <= 400 ? valueGrid(e.values, e.window.rows, e.window.cols, e.op === 'max' ? 'window (kept value outlined)' : 'window', e.inside, e.keptIndex) : null;
      const line =
        e.op === 'max'
          ? h('p', { class: 'sum-line' }, `max over the ${e.inside.filter(Boolean).length} values in the window `, op('='), ' ', num(e.output), e.keptIndex !== undefined ? h('span', { class: 'meta' }, ` (tap ${Math.floor(e.keptIndex / e.window.cols)}, ${e.keptIndex % e.window.cols})`) : null)
          : h('p', { class: 'sum-line' }, 'Σ ', num(e.sum ?? 0), ' ', op('÷'), ` ${e.count ?? 0} ${e.countsPadding ? 'cells, padding included' : 'values'} `, op('='), ' mean ', num(e.output));
      return [h('p', { class: 'meta' }, windowText(e.window, input)), grid, line];
    }
    case 'dense': {
      const rows = e.top.map((t, i) =>
        h('tr', {}, h('td', { class: 'num' }, String(i + 1)), h('td', {}, `${input}[${t.index}]`), h('td', { class: 'num' }, num(t.input)), h('td', { class: 'num' }, num(t.weight)), h('td', { class: 'num' }, num(t.product))),
      );
      return [
        h('p', { class: 'meta' }, `The ${e.top.length} largest of ${e.inputFeatures} contributions (weight × input), largest |product| first`),
        h(
          'table',
          { class: 'dense-table', 'aria-label': 'Largest contributions' },
          h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'input'), h('th', {}, 'value'), h('th', {}, 'weight'), h('th', {}, 'product'))),
          h('tbody', {}, rows),
        ),
        h(
          'p',
          { class: 'sum-line', id: 'explain-sum-line' },
          'Σ top ',
          num(e.top.reduce((s, t) => s + t.product, 0)),
          ' ',
          op('+'),
          ` the other ${e.restCount} `,
          num(e.restSum),
          ' ',
          op('+'),
          ' bias ',
          e.useBias ? num(e.bias) : h('span', { class: 'n' }, '0 (no bias)'),
          ' ',
          op('='),
          ' ',
          num(e.preActivation, { id: 'explain-preactivation' }),
          h('span', { class: 'meta' }, ' (pre-activation z)'),
        ),
        activationBlock(e.activation, o.labels),
      ];
    }
    case 'softmax':
      return [h('p', {}, `softmax of ${input}: each exponential divided by their sum`), softmaxTable(e.softmax, o.labels)];
    case 'batchNorm':
      return [
        h('p', { class: 'meta' }, e.layerType === 'batchNorm' ? 'Inference uses the moving statistics learnt in training' : "Mean and variance of this position's channels"),
        h('p', { class: 'sum-line' }, '(x ', num(e.x), ' − mean ', num(e.mean), ') ', op('÷'), ' √(variance ', num(e.variance), ' + ε ', num(e.epsilon), ') ', op('='), ' ', num(e.normalized)),
        h('p', { class: 'sum-line' }, 'γ ', num(e.gamma), ' ', op('×'), ' ', num(e.normalized), ' ', op('+'), ' β ', num(e.beta), ' ', op('='), ' ', num(e.output)),
      ];
    case 'add': {
      const parts: HTMLElement[] = [];
      e.terms.forEach((t, i) => {
        if (i > 0) parts.push(op('+'));
        parts.push(h('span', { class: 'share', title: where(t) }, `${t.name} `, num(t.value)));
      });
      return [h('p', { class: 'sum-line', id: 'explain-sum-line' }, parts, ' ', op('='), ' ', num(e.sum))];
    }
    case 'product': {
      const parts: HTMLElement[] = [];
      e.terms.forEach((t, i) => {
        if (i > 0) parts.push(op('×'));
        parts.push(h('span', { class: 'share', title: where(t) }, `${t.name} `, num(t.value)));
      });
      return [h('p', { class: 'sum-line', id: 'explain-sum-line' }, parts, ' ', op('='), ' ', num(e.product))];
    }
    case 'activation':
      return [h('p', {}, 'reads ', where(e.source), ' ', op('='), ' ', num(e.source.value)), activationBlock(e.activation)];
    case 'affine':
      return [
        e.layerType === 'rescaling'
          ? h('p', { class: 'sum-line' }, 'x ', num(e.source.value), ' ', op('×'), ' scale ', num(e.scale), ' ', op('+'), ' offset ', num(e.offset), ' ', op('='), ' ', num(e.output))
          : h(
              'p',
              { class: 'sum-line' },
              '(x ', num(e.source.value), ' − mean ', num(e.mean), ') ', op('÷'), ' max(√variance ', num(e.variance), ', ε) ', num(e.divisor), ' ', op('='), ' ', num(e.output),
            ),
        h('p', { class: 'meta' }, 'Fixed preprocessing from the model file: no learned parameters'),
      ];
    case 'copy':
      return [
        e.source
          ? h('p', {}, `${e.layerType} moves values without arithmetic: this is `, where(e.source), ' ', op('='), ' ', num(e.source.value))
          : h('p', {}, 'This cell lies in the zero padding: its value is 0'),
      ];
    default:
      return assertNever(e, 'explanation');
  }
}
