// The text of `cnn summary` for one parsed model: a Keras-style table, the totals and the training memory estimate.
// Pure (no I/O), so tests and property tests call it directly. Loops, not spreads: a model may have 200,000 layers.
import type { ModelAnalysis } from '../model/analysis';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { formatBytes, formatCompact, formatCount, formatDims } from '../model/format';
import { estimateTrainingMemory } from '../model/memory';
import { memoryLine, memoryVerdict } from '../model/memoryVerdict';
import type { ParsedModel } from '../model/parse';

/** machineBytes: the machine's memory (os.totalmem()), for the warning when training would not fit. */
export function renderSummary(file: string, parsed: ParsedModel, machineBytes?: number): string {
  const name = (parsed.model?.name ?? nameFromTree(parsed)) || file;
  const analysis = parsed.analysis;
  if (!analysis) return `Model "${name}": no summary (the input or layers cannot be read)\n`;
  const lines = [`Model: "${name}"`];
  for (const l of table(analysis, parsed)) lines.push(l);
  for (const l of totals(analysis, parsed, machineBytes)) lines.push(l);
  return lines.join('\n') + '\n';
}

const PROBLEM = '  ✗ ';

function table(a: ModelAnalysis, parsed: ParsedModel): string[] {
  const rows: string[][] = [['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds']];
  rows.push(['input', formatDims(a.inputShape), '0', '0']);
  const byIndex = new Map(a.layers.map((info) => [info.index, info]));
  const problems = new Map<number, string[]>();
  for (const d of parsed.diagnostics) {
    if (d.layerIndex === undefined) continue;
    const list = problems.get(d.layerIndex);
    if (list) list.push(d.message);
    else problems.set(d.layerIndex, [d.message]);
  }
  for (const node of parsed.layers) {
    const info = byIndex.get(node.index);
    rows.push(
      info
        ? [
            `${info.name} (${info.type})`,
            info.outputShape ? formatDims(info.outputShape) : '?',
            formatCount(info.params.trainable + info.params.nonTrainable),
            formatCompact(info.macs),
          ]
        : [`layers[${node.index}]`, '?', '?', '?'],
    );
    for (const message of problems.get(node.index) ?? []) rows.push([`${PROBLEM}${message}`, '', '', '']);
  }
  const widths = [0, 0, 0, 0];
  for (const r of rows) {
    if (r[0]!.startsWith(PROBLEM)) continue;
    for (let c = 0; c < 4; c++) widths[c] = Math.max(widths[c]!, r[c]!.length);
  }
  const line = '━'.repeat(widths[0]! + widths[1]! + widths[2]! + widths[3]! + 6);
  const fmt = (r: string[]): string =>
    r[0]!.startsWith(PROBLEM) ? r[0]! : [r[0]!.padEnd(widths[0]!), r[1]!.padEnd(widths[1]!), r[2]!.padStart(widths[2]!), r[3]!.padStart(widths[3]!)].join('  ');
  const out = [line, fmt(rows[0]!), line];
  for (let i = 1; i < rows.length; i++) out.push(fmt(rows[i]!));
  out.push(line);
  return out;
}

function totals(a: ModelAnalysis, parsed: ParsedModel, machineBytes: number | undefined): string[] {
  const t = a.totals;
  const training = parsed.model?.training;
  const batch = training?.batchSize ?? TRAINING_DEFAULTS.batchSize;
  const lines = [
    ` Total params: ${formatCount(t.params)} (${formatBytes(t.weightBytes)})`,
    ` Trainable params: ${formatCount(t.trainable)}`,
    ` Non-trainable params: ${formatCount(t.nonTrainable)}`,
    ` Multiply-adds per sample: ${formatCount(t.macs)} (${formatCompact(t.macs)})`,
    ` Activation memory: ${formatBytes(t.activationBytesPerSample)} per sample, ${formatBytes(t.activationBytesPerSample * batch)} per batch of ${batch}`,
  ];
  // Only a model whose every shape is known can be trained, and so estimated.
  if (a.ok) {
    const estimate = estimateTrainingMemory(a, training);
    lines.push(` ${memoryLine(estimate)}`);
    const verdict = machineBytes !== undefined ? memoryVerdict(estimate, machineBytes) : undefined;
    if (verdict?.message) lines.push(`warning: ${verdict.message}`);
  }
  return lines;
}

function nameFromTree(parsed: ParsedModel): string {
  const nameNode = parsed.root?.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1];
  return typeof nameNode?.value === 'string' ? nameNode.value : '';
}
