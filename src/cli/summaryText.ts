// The text of `cnn summary` for one parsed model: a Keras-style table, the totals and the training memory estimate.
// Pure (no I/O), so tests and property tests call it directly. Loops, not spreads: a model may have 200,000 layers.
import type { LayerInfo, ModelAnalysis } from '../model/analysis';
import { TRAINING_DEFAULTS } from '../model/defaults';
import { formatBytes, formatCompact, formatCount, formatDims, learningRateMark } from '../model/format';
import { estimateTrainingMemory } from '../engine/plan/memory';
import { memoryLine, memoryVerdict } from '../engine/plan/memoryVerdict';
import type { ParsedModel } from '../model/parse';
import { isFrozen } from '../model/types';

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

/** A table row: layer, output shape, parameters, multiply-adds, and the inputs ("Connected to", one per line). */
interface Row {
  readonly cells: readonly [string, string, string, string];
  readonly connected: readonly string[];
}

/** "conv (conv2d)"; Keras' show_trainable column and the learning-rate multiplier folded into it, only where they
 *  change something: "conv (conv2d, frozen)", "conv (conv2d, lr ×0.1)". */
function nameCell(info: LayerInfo): string {
  const rate = learningRateMark(info.layer.learningRateMultiplier, info.params.trainable);
  return `${info.name} (${info.type}${isFrozen(info.layer) && info.params.nonTrainable > 0 ? ', frozen' : ''}${rate ? `, ${rate}` : ''})`;
}

function table(a: ModelAnalysis, parsed: ParsedModel): string[] {
  // As Keras: a Sequential summary has no "Connected to", a functional one does. Here: when any layer names its inputs.
  const graph = parsed.layers.some((node) => node.fields.has('inputs'));
  const rows: (Row | string)[] = [{ cells: ['input', formatDims(a.inputShape), '0', '0'], connected: [] }];
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
    const entry = a.entries[node.index];
    // A reference that does not resolve is marked; its error is printed below the row.
    const connected = graph && entry ? entry.inputs.map((i) => (i.index === undefined ? `${i.name} (?)` : i.name)) : [];
    rows.push({
      cells: info
        ? [
            nameCell(info),
            info.outputShape ? formatDims(info.outputShape) : '?',
            formatCount(info.params.trainable + info.params.nonTrainable),
            formatCompact(info.macs),
          ]
        : [`layers[${node.index}]`, '?', '?', '?'],
      connected,
    });
    for (const message of problems.get(node.index) ?? []) rows.push(`${PROBLEM}${message}`);
  }
  const header: Row = { cells: ['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds'], connected: graph ? ['Connected to'] : [] };
  const widths = [0, 0, 0, 0, 0];
  for (const r of [header, ...rows]) {
    if (typeof r === 'string') continue;
    for (let c = 0; c < 4; c++) widths[c] = Math.max(widths[c]!, r.cells[c]!.length);
    for (const name of r.connected) widths[4] = Math.max(widths[4]!, name.length + 1);
  }
  // Where "Connected to" starts: four columns and their three gaps, then one more gap.
  const left = widths[0]! + widths[1]! + widths[2]! + widths[3]! + 8;
  const line = '━'.repeat(graph ? left + widths[4]! : left - 2);
  const out = [line];
  const emit = (r: Row | string): void => {
    if (typeof r === 'string') {
      out.push(r);
      return;
    }
    const [name, shape, params, macs] = r.cells;
    const cells = [name.padEnd(widths[0]!), shape.padEnd(widths[1]!), params.padStart(widths[2]!), macs.padStart(widths[3]!)].join('  ');
    // Keras lists a merge's inputs one per line, each but the last followed by a comma.
    const last = r.connected.length - 1;
    if (last < 0) out.push(cells);
    for (let k = 0; k <= last; k++) {
      const input = `${r.connected[k]}${k < last ? ',' : ''}`;
      out.push(k === 0 ? `${cells}  ${input}` : `${' '.repeat(left)}${input}`);
    }
  };
  emit(header);
  out.push(line);
  for (const r of rows) emit(r);
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
