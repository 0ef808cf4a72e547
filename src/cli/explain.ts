// `cnn explain <model.cnn.json> <image> --layer NAME --at ROW,COL[,CHANNEL]`: how the engine computed one output
// cell of one layer for one image, from the trained weights (as `cnn predict`, it refuses a model without them):
// the terms, their sum, the bias, the activation and the engine's own value; --json prints the structure.
import { explainCell, positionProblem } from '../engine/explain';
import { loadImageFile } from '../node/datasets/load';
import { inputResize } from '../model/defaults';
import { inferShapes } from '../model/shapes';
import { suggest } from '../model/suggest';
import type { LayerInfo } from '../model/analysis';
import { THREADS_OPTION } from './commonOptions';
import { loadTrainedModel, withThreads } from './evaluate';
import { formatExplanation } from './explainText';
import { UsageError, UserError, type CliIo } from './io';
import { parseCommandLine, usageLine, type CommandSpec, type OptionValues } from './options';

export const spec = {
  name: 'explain',
  operands: [{ name: '<model.cnn.json>' }, { name: '<image>' }],
  summary: 'how one output cell of one layer was computed for an image: the terms, their sum, the activation',
  options: {
    layer: { kind: 'string', placeholder: 'NAME', help: 'the layer, by name (as `cnn summary` lists them); required' },
    at: { kind: 'string', placeholder: 'ROW,COL[,CHANNEL]', help: 'the output cell, from 0 (channel 0 if left out); a flat output takes its feature alone, e.g. --at 7; required' },
    threads: THREADS_OPTION,
    json: { kind: 'boolean', help: 'print the explanation as one JSON object' },
  },
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  for (const name of ['layer', 'at'] as const) {
    if (values[name] === undefined) throw new UsageError(`cnn explain: --${name} is required (usage: ${usageLine(spec)})`);
  }
  return withThreads(values.threads, io, () => explain(values, operands, io));
}

/** ROW,COL[,CHANNEL], or FEATURE for a rank-1 output; a usage error naming the layer's output shape otherwise. */
export function parsePosition(text: string, info: LayerInfo): { row: number; col: number; channel: number } {
  const shape = info.outputShape ?? [];
  const flat = shape.length === 1;
  const want = flat ? `FEATURE (or 0,0,FEATURE): "${info.name}" gives ${shape.join('×')} features` : `ROW,COL[,CHANNEL]: "${info.name}" gives ${shape.join('×')}`;
  const parts = /^[0-9]+(,[0-9]+){0,2}$/.test(text) ? text.split(',').map(Number) : undefined;
  if (!parts || (flat && parts.length === 2) || (!flat && parts.length === 1)) throw new UsageError(`cnn explain: --at must be ${want}, got "${text}"`);
  const position = parts.length === 1 ? { row: 0, col: 0, channel: parts[0]! } : { row: parts[0]!, col: parts[1]!, channel: parts[2] ?? 0 };
  const problem = positionProblem(info, position);
  if (problem) throw new UsageError(`cnn explain: --at ${text}: ${problem}`);
  return position;
}

async function explain(values: OptionValues<typeof spec.options>, operands: readonly string[], io: CliIo): Promise<number> {
  const [modelPath, imagePath] = operands as [string, string];
  const { model, network } = await loadTrainedModel(modelPath, io);
  const analysis = inferShapes(model);
  const name = values.layer!;
  const index = analysis.layers.findIndex((l) => l.name === name);
  if (index < 0) {
    const names = analysis.layers.map((l) => l.name);
    const near = suggest(name, names);
    throw new UsageError(`cnn explain: ${modelPath} has no layer "${name}"${near ? `; did you mean "${near}"?` : ''} (its layers: ${names.join(', ')})`);
  }
  const info = analysis.layers[index]!;
  const { row, col, channel } = parsePosition(values.at!, info);
  let data: Float32Array;
  try {
    data = await loadImageFile(imagePath, model.input.shape, inputResize(model.input));
  } catch (e) {
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
  const e = explainCell(network, analysis, { shape: model.input.shape, data }, index, row, col, channel);
  if (values.json) io.out(JSON.stringify({ image: imagePath, ...e }));
  else for (const line of formatExplanation(e)) io.out(line);
  return 0;
}
