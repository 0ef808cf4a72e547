// `cnn predict <model.cnn.json> <image>…`: the top-k classes with probabilities for each PNG/JPEG.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadImageFile } from '../data/load';
import type { Model } from '../model/types';
import { loadTrainedModel } from './evaluate';
import { UserError, type CliIo } from './io';
import { intOption } from './progress';

const USAGE = 'usage: cnn predict <model.cnn.json> <image.png|jpg>… [--top K] [--json]';

/** Turns the network's outputs into class probabilities: as they are after softmax, two classes after a sigmoid unit, else softmax. */
export function toProbabilities(model: Model, outputs: Float32Array): number[] {
  const last = model.layers[model.layers.length - 1];
  const activation = last && 'activation' in last ? last.activation : last?.type;
  if (activation === 'softmax') return [...outputs];
  if (outputs.length === 1) {
    const p = activation === 'sigmoid' ? outputs[0] : 1 / (1 + Math.exp(-outputs[0]));
    return [1 - p, p];
  }
  const max = Math.max(...outputs);
  const exps = [...outputs].map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { top: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (e) {
    throw new UserError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length < 2) throw new UserError(USAGE);
  const [modelPath, ...images] = positionals;
  const { model, network, classes } = await loadTrainedModel(modelPath, io);
  const k = intOption(values.top, '--top', 1) ?? Math.min(3, model.training?.topK ?? 3);
  const shape = model.input.shape;
  const results: { image: string; top: { class: string; index: number; probability: number }[] }[] = [];
  for (const image of images) {
    if (!existsSync(image)) throw new UserError(`${image}: no such file`);
    let x: Float32Array;
    try {
      x = await loadImageFile(image, shape);
    } catch (e) {
      throw new UserError(e instanceof Error ? e.message : String(e));
    }
    const probs = toProbabilities(model, network.forward({ shape: [1, ...shape], data: x }, false).data);
    const top = probs
      .map((p, i) => ({ class: classes?.[i] ?? String(i), index: i, probability: p }))
      .sort((a, b) => b.probability - a.probability || a.index - b.index)
      .slice(0, k);
    results.push({ image, top });
  }
  if (values.json) {
    io.out(JSON.stringify(results));
    return 0;
  }
  for (const r of results) {
    io.out(`${r.image}: ${r.top.map((t) => `${t.class} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`);
  }
  return 0;
}
