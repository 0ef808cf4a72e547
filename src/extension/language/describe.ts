// What hover and inlay hints say about a layer, from the one shape analysis.
import type { LayerInfo } from '../../model/analysis';
import { formatCompact, formatCount, formatDims } from '../../model/format';

export function layerHoverMarkdown(info: LayerInfo | undefined, errors: readonly string[]): string {
  const lines: string[] = [];
  if (info) {
    const input = info.inputShape ? formatDims(info.inputShape) : '?';
    const output = info.outputShape ? formatDims(info.outputShape) : '?';
    lines.push(`**${info.name}** \`${info.type}\``, '', `\`${input}\` → \`${output}\``, '');
    const { trainable, nonTrainable } = info.params;
    const params = trainable + nonTrainable;
    const split = nonTrainable ? ` (${formatCount(trainable)} trainable, ${formatCount(nonTrainable)} non-trainable)` : '';
    lines.push(`Parameters: **${formatCount(params)}**${split}  `, `Multiply-adds: **${formatCount(info.macs)}** (${formatCompact(info.macs)})`);
  }
  for (const e of errors) lines.push('', `$(error) ${e}`);
  return lines.join('\n');
}

export function inlayText(info: LayerInfo): string {
  return info.outputShape ? `→ ${formatDims(info.outputShape)}` : '→ ?';
}
