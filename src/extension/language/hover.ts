// Hover anywhere on a layer object: its input → output shape, parameters and multiply-adds.
import * as vscode from 'vscode';
import { formatCount, formatDims } from '../../model/format';
import { layerHoverMarkdown } from './describe';
import { parsedModel } from './modelCache';

function contains(range: { offset: number; length: number }, offset: number): boolean {
  return offset >= range.offset && offset <= range.offset + range.length;
}

export const hoverProvider: vscode.HoverProvider = {
  provideHover(doc, position) {
    const parsed = parsedModel(doc);
    const offset = doc.offsetAt(position);
    const layer = parsed.layers.find((l) => contains(l.range, offset));
    if (layer) {
      const info = parsed.analysis?.layers.find((l) => l.index === layer.index);
      const errors = parsed.diagnostics.filter((d) => d.layerIndex === layer.index).map((d) => d.message);
      const md = new vscode.MarkdownString(layerHoverMarkdown(info, errors), true);
      return new vscode.Hover(md, new vscode.Range(doc.positionAt(layer.range.offset), doc.positionAt(layer.range.offset + layer.range.length)));
    }
    if (parsed.inputRange && contains(parsed.inputRange, offset) && parsed.analysis) {
      const a = parsed.analysis;
      const md = new vscode.MarkdownString(
        `**input** \`${formatDims(a.inputShape)}\`\n\nModel: ${formatCount(a.totals.params)} parameters, ${formatCount(a.totals.macs)} multiply-adds per sample` +
          (a.outputShape ? `, output \`${formatDims(a.outputShape)}\`` : ''),
      );
      return new vscode.Hover(md);
    }
    return undefined;
  },
};
