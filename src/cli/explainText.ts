// The readable form of a cell's explanation for `cnn explain`: each breakdown laid out so that the numbers can be
// added up by eye (the terms, their sum, the bias, the pre-activation, the activation, the engine's value).
import type {
  ActivationStep, CellExplanation, CellSource, ConvChannelTerm, ConvExplanation, DenseExplanation, PoolExplanation,
  SeparableExplanation, SoftmaxStep, TapWindow,
} from '../engine/explain';
import { assertNever } from '../model/assertNever';

/** Six significant digits: enough to see the terms add up. */
export function num(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(6))) : v.toExponential(5);
}

function cell(e: { readonly outputShape: readonly number[]; readonly position: CellExplanation['position'] }): string {
  const { row, col, channel } = e.position;
  return e.outputShape.length === 1 ? `feature ${channel}` : `row ${row}, column ${col}, channel ${channel}`;
}

function source(s: CellSource): string {
  const p = s.position;
  return `"${s.name}" at row ${p.row}, column ${p.col}, channel ${p.channel}`;
}

function span(start: number, count: number, step: number): string {
  const end = start + (count - 1) * step;
  return `${start}–${end}${step > 1 ? ` (every ${step})` : ''}`;
}

function windowLine(win: TapWindow, input: string): string {
  return `window on "${input}": rows ${span(win.rowStart, win.rows, win.rowStep)}, columns ${span(win.colStart, win.cols, win.colStep)} (${win.rows}×${win.cols}; "pad" = padding)`;
}

/** Rows of equal-width cells. */
function grid(values: readonly string[], cols: number): string[] {
  const width = Math.max(...values.map((v) => v.length));
  const rows: string[] = [];
  for (let r = 0; r * cols < values.length; r++) rows.push(values.slice(r * cols, r * cols + cols).map((v) => v.padStart(width)).join(' '));
  return rows;
}

/** patch | kernel | products side by side, then the partial sum. */
function channelBlock(t: ConvChannelTerm, cols: number, title: string): string[] {
  const patch = grid(t.patch.map((v, k) => (t.inside[k] ? num(v) : 'pad')), cols);
  const kernel = grid(t.kernel.map(num), cols);
  const products = grid(t.products.map(num), cols);
  const w = [patch[0]!.length, kernel[0]!.length, products[0]!.length].map((n, k) => Math.max(n, ['patch', 'kernel', 'patch × kernel'][k]!.length));
  const line = (a: string, b: string, c: string): string => `      ${a.padEnd(w[0]!)}   ${b.padEnd(w[1]!)}   ${c}`;
  return [
    `    ${title}`,
    line('patch', 'kernel', 'patch × kernel'),
    ...patch.map((p, r) => line(p, kernel[r]!, products[r]!)),
    `      sum of the products = ${num(t.partialSum)}`,
  ];
}

function softmaxLines(s: SoftmaxStep, indent: string): string[] {
  return [
    `${indent}logits z:            ${s.logits.map(num).join(', ')}`,
    `${indent}exp(z − ${num(s.max)}):   ${s.exps.map(num).join(', ')}`,
    `${indent}sum of the exps:     ${num(s.sum)}`,
    `${indent}probabilities:       ${s.probabilities.map(num).join(', ')}`,
    `${indent}entry ${s.index}: ${num(s.exps[s.index]!)} / ${num(s.sum)} = ${num(s.probabilities[s.index]!)}`,
  ];
}

function activationLines(a: ActivationStep): string[] {
  if (a.softmax) return ['  softmax over the last axis:', ...softmaxLines(a.softmax, '    ')];
  const f = a.activation === 'leakyRelu' || a.activation === 'hardSigmoid' ? `${a.activation}(α = ${num(a.alpha ?? 0)})` : a.activation;
  return [`  ${f}(${num(a.input)}) = ${num(a.output)}`];
}

function sumLines(terms: string, termsSum: number, bias: number, useBias: boolean, pre: number): string[] {
  return [
    `  ${terms.padEnd(32)} ${num(termsSum)}`,
    `  ${(useBias ? '+ bias' : '+ bias (useBias false)').padEnd(32)} ${num(bias)}`,
    `  ${'= pre-activation'.padEnd(32)} ${num(pre)}`,
  ];
}

function conv(e: ConvExplanation | SeparableExplanation): string[] {
  const lines = [`  ${windowLine(e.window, e.inputs[0]!.name)}`];
  let termsSum = 0;
  if (e.kind === 'conv') {
    for (const t of e.channels) {
      lines.push(...channelBlock(t, e.window.cols, `input channel ${t.inputChannel}:`));
      termsSum += t.partialSum;
    }
    lines.push(...sumLines(`Σ of ${e.channels.length} channel sum${e.channels.length === 1 ? '' : 's'}`, termsSum, e.bias, e.useBias, e.preActivation));
  } else {
    for (const t of e.channels) {
      lines.push(...channelBlock(t, e.window.cols, `input channel ${t.inputChannel}, depthwise channel ${t.depthwiseChannel}:`));
      lines.push(`      × pointwise weight ${num(t.pointwiseWeight)} = ${num(t.contribution)}`);
      termsSum += t.contribution;
    }
    lines.push(...sumLines(`Σ of ${e.channels.length} pointwise products`, termsSum, e.bias, e.useBias, e.preActivation));
  }
  return [...lines, ...activationLines(e.activation)];
}

function dense(e: DenseExplanation): string[] {
  const lines = [`  the ${e.top.length} largest of ${e.inputFeatures} products (input × weight):`];
  let topSum = 0;
  for (const t of e.top) {
    lines.push(`    input[${t.index}] ${num(t.input)} × ${num(t.weight)} = ${num(t.product)}`);
    topSum += t.product;
  }
  lines.push(`  ${`Σ of those ${e.top.length}`.padEnd(32)} ${num(topSum)}`);
  if (e.restCount > 0) lines.push(`  ${`+ Σ of the other ${e.restCount}`.padEnd(32)} ${num(e.restSum)}`);
  lines.push(
    `  ${(e.useBias ? '+ bias' : '+ bias (useBias false)').padEnd(32)} ${num(e.bias)}`,
    `  ${'= pre-activation'.padEnd(32)} ${num(e.preActivation)}`,
  );
  return [...lines, ...activationLines(e.activation)];
}

function pool(e: PoolExplanation): string[] {
  const values = grid(e.values.map((v, k) => (e.inside[k] ? num(v) : 'pad')), e.window.cols).map((r) => `    ${r}`);
  const lines = [`  ${windowLine(e.window, e.inputs[0]!.name)}`, ...values];
  if (e.op === 'max') {
    const k = e.keptIndex!;
    const r = e.window.rowStart + Math.floor(k / e.window.cols) * e.window.rowStep;
    const c = e.window.colStart + (k % e.window.cols) * e.window.colStep;
    lines.push(`  kept the maximum, ${num(e.output)}, at row ${r}, column ${c} (padding is not counted)`);
  } else {
    lines.push(`  mean = ${num(e.sum!)} / ${e.count} values = ${num(e.output)} (${e.countsPadding ? 'padded cells counted as zeros: countIncludePad' : 'padding is not counted'})`);
  }
  return lines;
}

function body(e: CellExplanation): string[] {
  switch (e.kind) {
    case 'conv':
    case 'separable':
      return conv(e);
    case 'dense':
      return dense(e);
    case 'pool':
      return pool(e);
    case 'softmax':
      return ['  softmax over the last axis:', ...softmaxLines(e.softmax, '    ')];
    case 'batchNorm':
      return [
        e.layerType === 'batchNorm'
          ? `  x = ${num(e.x)}; moving mean ${num(e.mean)}, moving variance ${num(e.variance)}, ε ${num(e.epsilon)}`
          : `  x = ${num(e.x)}; this position's channels: mean ${num(e.mean)}, variance ${num(e.variance)}; ε ${num(e.epsilon)}`,
        `  (x − mean) / √(variance + ε) = ${num(e.normalized)}`,
        `  × γ ${num(e.gamma)} + β ${num(e.beta)} = ${num(e.output)}`,
      ];
    case 'affine':
      return [
        `  x = ${num(e.source.value)} from ${source(e.source)}`,
        e.layerType === 'rescaling'
          ? `  x × scale ${num(e.scale)} + offset ${num(e.offset)} = ${num(e.output)}`
          : `  (x − mean ${num(e.mean)}) / max(√variance ${num(e.variance)}, ε) ${num(e.divisor)} = ${num(e.output)}`,
      ];
    case 'add':
      return [...e.terms.map((t, k) => `  ${k === 0 ? ' ' : '+'} ${num(t.value).padEnd(14)} from ${source(t)}`), `  = ${num(e.sum)}`];
    case 'product':
      return [...e.terms.map((t, k) => `  ${k === 0 ? ' ' : '×'} ${num(t.value).padEnd(14)} from ${source(t)}`), `  = ${num(e.product)}`];
    case 'activation':
      return [`  input ${num(e.source.value)} from ${source(e.source)}`, ...activationLines(e.activation)];
    case 'copy':
      return e.source
        ? [`  copied from ${source(e.source)}: ${num(e.source.value)}`]
        : ['  zero padding: 0 (no input value)'];
    default:
      return assertNever(e, 'explanation');
  }
}

export function formatExplanation(e: CellExplanation): string[] {
  const rf = e.receptiveField;
  const field = rf.rows[1] < rf.rows[0] ? 'none (the cell is padding)' : `rows ${rf.rows[0]}–${rf.rows[1]}, columns ${rf.cols[0]}–${rf.cols[1]}`;
  return [
    `${e.layerName} (${e.layerType}), output ${e.outputShape.join('×')}: ${cell(e)}`,
    `  reads ${e.inputs.map((i) => `"${i.name}"`).join(', ')}; receptive field in the input image: ${field}`,
    ...body(e),
    `  engine's value: ${num(e.value)}`,
  ];
}
