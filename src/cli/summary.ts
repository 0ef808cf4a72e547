// `cnn summary`: a Keras-style table of every layer with shapes, parameters and multiply-adds, then totals.
import type { ModelAnalysis } from '../model/analysis';
import { formatBytes, formatCompact, formatCount, formatDims } from '../model/format';
import type { ParsedModel } from '../model/parse';
import type { CliIo } from './io';
import { checkModelFile } from './modelFile';

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length === 0) {
    io.err('usage: cnn summary <model.cnn.json>…');
    return 2;
  }
  let status = 0;
  for (const file of files) {
    const { parsed } = checkModelFile(file, io);
    io.out(renderSummary(file, parsed));
    if (parsed.diagnostics.some((d) => d.severity === 'error')) status = 1;
  }
  return status;
}

export function renderSummary(file: string, parsed: ParsedModel): string {
  const name = (parsed.model?.name ?? nameFromTree(parsed)) || file;
  const analysis = parsed.analysis;
  if (!analysis) return `Model "${name}": no summary (the input or layers cannot be read)\n`;
  return [`Model: "${name}"`, ...table(analysis, parsed), ...totals(analysis, parsed)].join('\n') + '\n';
}

function table(a: ModelAnalysis, parsed: ParsedModel): string[] {
  const rows: string[][] = [['Layer (type)', 'Output Shape', 'Param #', 'Mult-Adds']];
  rows.push(['input', formatDims(a.inputShape), '0', '0']);
  const byIndex = new Map(a.layers.map((info) => [info.index, info]));
  const problems = new Map<number, string[]>();
  for (const d of parsed.diagnostics) {
    if (d.layerIndex !== undefined) problems.set(d.layerIndex, [...(problems.get(d.layerIndex) ?? []), d.message]);
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
    for (const message of problems.get(node.index) ?? []) rows.push([`  ✗ ${message}`, '', '', '']);
  }
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.filter((r) => !r[0].startsWith('  ✗')).map((r) => r[c].length)));
  const line = (ch: string) => ch.repeat(widths.reduce((s, w) => s + w, 0) + 6);
  const fmt = (r: string[]) =>
    r[0].startsWith('  ✗') ? r[0] : [r[0].padEnd(widths[0]), r[1].padEnd(widths[1]), r[2].padStart(widths[2]), r[3].padStart(widths[3])].join('  ');
  return [line('━'), fmt(rows[0]), line('━'), ...rows.slice(1).map(fmt), line('━')];
}

function totals(a: ModelAnalysis, parsed: ParsedModel): string[] {
  const t = a.totals;
  const batch = parsed.model?.training?.batchSize ?? 32;
  return [
    ` Total params: ${formatCount(t.params)} (${formatBytes(t.weightBytes)})`,
    ` Trainable params: ${formatCount(t.trainable)}`,
    ` Non-trainable params: ${formatCount(t.nonTrainable)}`,
    ` Multiply-adds per sample: ${formatCount(t.macs)} (${formatCompact(t.macs)})`,
    ` Activation memory: ${formatBytes(t.activationBytesPerSample)} per sample, ${formatBytes(t.activationBytesPerSample * batch)} per batch of ${batch}`,
  ];
}

function nameFromTree(parsed: ParsedModel): string {
  const nameNode = parsed.root?.children?.find((p) => p.children?.[0]?.value === 'name')?.children?.[1];
  return typeof nameNode?.value === 'string' ? nameNode.value : '';
}
