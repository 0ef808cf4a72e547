// `cnn predict <model.cnn.json> <image>…`: the top-k classes with probabilities for each PNG/JPEG. A bad image
// does not hide the others: every image gets its line (or JSON entry) in order, and the exit code is 1.
// --saliency / --gradcam write overlays of where the model looks (./overlays.ts).
import { loadImageFile } from '../node/datasets/load';
import { inputResize } from '../model/defaults';
import { TRAINING_SPEC } from '../model/modelSpec';
import { inferShapes } from '../model/shapes';
import type { Model } from '../model/types';
import { THREADS_OPTION } from './commonOptions';
import { loadTrainedModel, withThreads } from './evaluate';
import type { CliIo } from './io';
import { formatLimits, parseCommandLine, type CommandSpec, type OptionValues } from './options';
import { resolveClass, resolveLayer, writeOverlays, type OverlayResult } from './overlays';

export const spec = {
  name: 'predict',
  operands: [{ name: '<model.cnn.json>' }, { name: '<image>', repeated: true }],
  summary: 'the top classes of each PNG/JPEG image with their probabilities',
  options: {
    top: { kind: 'integer', ...formatLimits(TRAINING_SPEC.fields.topK), placeholder: 'K', help: 'show the K most likely classes; default 3, or training.topK if smaller' },
    saliency: { kind: 'string', placeholder: 'OUT.png', help: 'write the saliency map (gradient of the class score) over the image; with several images OUT-1.png, OUT-2.png, …' },
    gradcam: { kind: 'string', placeholder: 'OUT.png', help: 'write the Grad-CAM map over the image; with several images OUT-1.png, OUT-2.png, …' },
    class: { kind: 'string', placeholder: 'C', help: 'the class (name or index) the maps are for; default the predicted one' },
    'gradcam-layer': { kind: 'string', placeholder: 'NAME', help: 'the layer Grad-CAM looks at; default the last convolution (or activation) with a spatial output' },
    threads: THREADS_OPTION,
    json: { kind: 'boolean', help: 'print one JSON array with an entry per image' },
  },
} as const satisfies CommandSpec;

interface Ranked {
  readonly class: string;
  readonly index: number;
  readonly probability: number;
}

/** One image's outcome: its top classes (and overlays), or why it could not be read. */
type ImageResult = ({ readonly image: string; readonly top: readonly Ranked[] } & OverlayResult) | { readonly image: string; readonly error: string };

/** Turns the network's outputs into class probabilities: as they are after softmax, two classes after a sigmoid unit, else softmax. */
export function toProbabilities(model: Model, outputs: Float32Array): number[] {
  const last = model.layers[model.layers.length - 1];
  const activation = last && 'activation' in last ? last.activation : last?.type;
  if (activation === 'softmax') return [...outputs];
  if (outputs.length === 1) {
    const p = activation === 'sigmoid' ? outputs[0] : 1 / (1 + Math.exp(-outputs[0]));
    return [1 - p, p];
  }
  const max = outputs.reduce((m, v) => Math.max(m, v), -Infinity); // not a spread: outputs may have 1,048,576 units
  const exps = [...outputs].map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  return withThreads(values.threads, io, () => predict(values, operands, io));
}

async function predict(values: OptionValues<typeof spec.options>, operands: readonly string[], io: CliIo): Promise<number> {
  const [modelPath, ...images] = operands;
  const { model, network, classes } = await loadTrainedModel(modelPath, io);
  const k = values.top ?? Math.min(3, model.training?.topK ?? 3);
  const shape = model.input.shape;
  const overlays = values.saliency !== undefined || values.gradcam !== undefined;
  const analysis = inferShapes(model);
  const overlay = {
    saliency: values.saliency,
    gradcam: values.gradcam,
    classIndex: resolveClass(values.class, network, classes),
    layerIndex: resolveLayer(values['gradcam-layer'], analysis, modelPath!, values.gradcam !== undefined),
  };
  const predictOne = async (image: string, n: number): Promise<ImageResult> => {
    let x: Float32Array;
    try {
      x = await loadImageFile(image, shape, inputResize(model.input));
    } catch (e) {
      // Reading and decoding errors name the file already.
      return { image, error: e instanceof Error ? e.message : String(e) };
    }
    const probs = toProbabilities(model, network.forward({ shape: [1, ...shape], data: x }, false).data);
    const top = probs
      .map((p, i) => ({ class: classes?.[i] ?? String(i), index: i, probability: p }))
      .sort((a, b) => b.probability - a.probability || a.index - b.index)
      .slice(0, k);
    if (!overlays) return { image, top };
    const predicted = probs.reduce((best, p, i) => (p > probs[best]! ? i : best), 0);
    return { image, top, ...(await writeOverlays(overlay, model, network, analysis, x, predicted, n, images.length)) };
  };
  const results: ImageResult[] = [];
  for (const [i, image] of images.entries()) {
    const result = await predictOne(image, i + 1);
    results.push(result);
    if (!values.json) printResult(result, io);
  }
  if (values.json) io.out(JSON.stringify(results));
  return results.some((r) => 'error' in r) ? 1 : 0;
}

function printResult(r: ImageResult, io: CliIo): void {
  if ('error' in r) io.err(r.error);
  else {
    io.out(`${r.image}: ${r.top.map((t) => `${t.class} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`);
    if (r.saliency) io.out(`  saliency for class ${r.saliency.class} (${r.saliency.scoreKind} ${r.saliency.score.toPrecision(4)}): ${r.saliency.file}`);
    if (r.gradcam) io.out(`  Grad-CAM for class ${r.gradcam.class} on "${r.gradcam.layer}": ${r.gradcam.file}`);
  }
}
