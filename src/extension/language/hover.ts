// Hover on a layer object: its input(s) → output shape, parameters and multiply-adds, who reads its output in a
// graph, and its problems. Hover on an `inputs` element: the layer it names, where it is, and its output shape.
import * as vscode from 'vscode';
import { formatCount, formatDims } from '../../model/format';
import { inputHoverMarkdown, layerHoverMarkdown } from './describe';
import { contains, inputElementAt, isInvalid } from './inputRefs';
import { parsedModel, toRange } from './modelCache';

export const hoverProvider: vscode.HoverProvider = {
  provideHover(doc, position) {
    const parsed = parsedModel(doc);
    const offset = doc.offsetAt(position);
    const a = parsed.analysis;
    const ref = inputElementAt(parsed, offset);
    if (ref?.input && a) {
      const source = ref.input.index !== undefined && ref.input.index >= 0 ? parsed.layers[ref.input.index] : undefined;
      const line = source ? doc.positionAt(source.range.offset).line + 1 : undefined;
      const problems = parsed.diagnostics.filter((d) => d.range.offset === ref.range.offset && d.range.length === ref.range.length);
      const md = new vscode.MarkdownString(inputHoverMarkdown(ref.input, a, problems, line), true);
      return new vscode.Hover(md, toRange(doc, ref.range));
    }
    const layer = parsed.layers.find((l) => contains(l.range, offset));
    if (layer) {
      const entry = a?.entries[layer.index];
      const info = entry && !isInvalid(entry) ? entry : undefined;
      const problems = parsed.diagnostics.filter((d) => d.layerIndex === layer.index);
      const md = new vscode.MarkdownString(layerHoverMarkdown(info, problems, a), true);
      return new vscode.Hover(md, toRange(doc, layer.range));
    }
    if (parsed.inputRange && contains(parsed.inputRange, offset) && a) {
      const md = new vscode.MarkdownString(
        `**input** \`${formatDims(a.inputShape)}\`\n\nModel: ${formatCount(a.totals.params)} parameters, ${formatCount(a.totals.macs)} multiply-adds per sample` +
          (a.outputShape ? `, output \`${formatDims(a.outputShape)}\`` : ''),
      );
      return new vscode.Hover(md);
    }
    return undefined;
  },
};
