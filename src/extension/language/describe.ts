// What hover and inlay hints say about a layer and its inputs, from the one shape analysis. Pure (no VS Code).
import type { InvalidLayerInfo, LayerInfo, LayerInput, ModelAnalysis } from '../../model/analysis';
import type { ModelDiagnostic } from '../../model/diagnostics';
import { formatCompact, formatCount, formatDims, learningRateMark } from '../../model/format';
import { implicitInput, type Shape } from '../../model/types';

type Problem = Pick<ModelDiagnostic, 'message' | 'severity'>;

const dims = (shape: Shape | undefined): string => (shape ? formatDims(shape) : '?');

/** A chain layer reads `in` → `out`; a layer with `inputs` names each one with its shape. */
export function layerHoverMarkdown(info: LayerInfo | undefined, problems: readonly Problem[], analysis?: ModelAnalysis): string {
  const lines: string[] = [];
  if (info) {
    const output = `\`${dims(info.outputShape)}\``;
    const flow =
      info.layer.inputs === undefined
        ? `\`${dims(info.inputShape)}\` → ${output}`
        : `${info.inputs.length === 1 ? 'Input' : 'Inputs'}: ${info.inputs.map(describeInput).join(', ')} → ${output}`;
    lines.push(`**${info.name}** \`${info.type}\``, '', flow, '');
    const { trainable, nonTrainable } = info.params;
    const params = trainable + nonTrainable;
    const split = nonTrainable ? ` (${formatCount(trainable)} trainable, ${formatCount(nonTrainable)} non-trainable)` : '';
    const rate = learningRateMark(info.layer.learningRateMultiplier, trainable);
    lines.push(`Parameters: **${formatCount(params)}**${split}  `, ...(rate ? [`Learning rate: **×${info.layer.learningRateMultiplier}** (learningRateMultiplier)  `] : []), `Multiply-adds: **${formatCount(info.macs)}** (${formatCompact(info.macs)})`);
    // Only where the graph is not a plain chain: in a chain, the one reader is the layer that reads this one implicitly.
    const readers = info.consumers;
    if (analysis && (readers.length > 1 || (readers.length === 1 && implicitInput(readers[0]!) !== info.index))) {
      lines.push('', `Output read by: ${readers.map((j) => `**${analysis.entries[j]?.name ?? j}**`).join(', ')}`);
    }
  }
  return [...lines, ...problemLines(problems)].join('\n');
}

function describeInput(input: LayerInput): string {
  return `**${input.name}** \`${dims(input.shape)}\``;
}

/** Hover on one element of `inputs`: what it names, where that is (and its line), and the shape it gives. */
export function inputHoverMarkdown(input: LayerInput, analysis: ModelAnalysis, problems: readonly Problem[], line?: number): string {
  const source = input.index === undefined || input.index < 0 ? undefined : analysis.entries[input.index];
  const head =
    input.index === -1
      ? `**${input.name}** (the model input) → \`${formatDims(analysis.inputShape)}\``
      : source
        ? `**${source.name}** ${typeLabel(source)} (layer ${source.index}${line !== undefined ? `, line ${line}` : ''}) → \`${dims(input.shape)}\``
        : `**${input.name}**`;
  return [head, ...problemLines(problems)].join('\n');
}

function problemLines(problems: readonly Problem[]): string[] {
  return problems.flatMap((p) => ['', `$(${p.severity === 'warning' ? 'warning' : 'error'}) ${p.message}`]);
}

function typeLabel(source: LayerInfo | InvalidLayerInfo): string {
  return 'invalid' in source ? '(invalid layer)' : `\`${source.type}\``;
}

/** After each layer: `→ 28×28×6`; a layer with several inputs shows them: `32×32×16 + 32×32×16 → 32×32×16`. */
export function inlayText(info: LayerInfo): string {
  const out = `→ ${dims(info.outputShape)}`;
  if (info.inputs.length < 2) return out;
  const join = info.type === 'add' ? ' + ' : info.type === 'multiply' ? ' × ' : ', ';
  return `${info.inputs.map((i) => dims(i.shape)).join(join)} ${out}`;
}
