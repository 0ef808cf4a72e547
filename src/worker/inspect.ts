// Looking inside a network for the training view: every layer's output for one sample (in file order, also for
// graph models), the first conv layer's kernels and every weight layer's (kernelViews.ts), the class
// probabilities; and the saved weights of a model for predictions.
import { dirname } from 'node:path';
import { readSampleFloats, type Dataset } from '../engine/dataset';
import type { Network } from '../engine/network';
import { loadDataSource, loadImageFile } from '../node/datasets/load';
import { loadTrainedNetwork } from '../node/checkpoint/trainedNetwork';
import { inputResize } from '../model/defaults';
import { parseModelText } from '../model/parse';
import { inferShapes } from '../model/shapes';
import type { Model } from '../model/types';
import type { FeatureMapsView, MapView, Prediction, SampleRef } from '../protocol/worker';
import { kernelViews } from './kernelViews';

/** The model text as the host sent it, or an Error with its first problem. */
export function parseSnapshot(text: string, modelPath: string): Model {
  const parsed = parseModelText(text);
  if (!parsed.model) {
    const first = parsed.diagnostics.find((d) => d.severity === 'error');
    throw new Error(`${modelPath}: the model has errors; fix them first${first ? ` (${first.message})` : ''}`);
  }
  return parsed.model;
}


export interface SampleSource {
  readonly train?: Dataset;
  readonly test?: Dataset;
}

/** The input values and a caption of a sample; loads only as many samples as needed when no data is at hand. */
export async function sampleInput(ref: SampleRef, model: Model, modelPath: string, have: SampleSource): Promise<{ x: Float32Array; caption: string; classes?: readonly string[] }> {
  if (ref.kind === 'file') return { x: await loadImageFile(ref.path, model.input.shape, inputResize(model.input)), caption: ref.path.replace(/^.*[\\/]/, '') };
  const sources = model.training?.data;
  const split = ref.split === 'test' && (have.test || sources?.test !== undefined) ? 'test' : 'train';
  let ds = split === 'test' ? have.test : have.train;
  if (!ds) {
    const source = split === 'test' ? sources?.test : sources?.train;
    if (source === undefined) throw new Error('the model has no training data to pick a sample from');
    ds = await loadDataSource(source, dirname(modelPath), model.input.shape, { limit: ref.index + 1, policy: inputResize(model.input) });
  }
  if (!Number.isInteger(ref.index) || ref.index < 0 || ref.index >= ds.count) throw new Error(`no ${split} sample #${ref.index} (there are ${ds.count})`);
  const x = await readSampleFloats(ds, ref.index);
  const label = ds.classes[ds.labels[ref.index]] ?? String(ds.labels[ref.index]);
  return { x, caption: `${split} #${ref.index} (label ${label})`, classes: ds.classes };
}

function mapView(name: string, shape: readonly number[], data: Float32Array, inputs?: readonly string[], type?: string): MapView {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { name, ...(type ? { type } : {}), ...(inputs ? { inputs: [...inputs] } : {}), shape: [...shape], data, min: data.length ? min : 0, max: data.length ? max : 0 };
}

/**
 * Every layer's output for one sample, in file order, named as the shape function names them (the file's names in
 * a graph, with the inputs the file names); every weight layer's kernels; the class probabilities (the last layer is the
 * model's output, in a graph too).
 */
export function featureMaps(network: Network, model: Model, x: Float32Array, sample: SampleRef, caption: string, epoch: number, classes: readonly string[]): FeatureMapsView {
  // A network was built from the model, so every layer validated: layers[i] is the file's layer i.
  const infos = inferShapes(model).layers;
  const outputs = network.featureMaps({ shape: [...network.inputShape], data: x });
  if (outputs.length !== model.layers.length) throw new Error(`the network has ${outputs.length} layers, the model ${model.layers.length}`);
  const layers = outputs.map((t, i) => mapView(infos[i]!.name, t.shape, t.data, model.layers[i]?.inputs, model.layers[i]?.type));
  const last = outputs[outputs.length - 1];
  const units = last ? last.data.length : 0;
  const names = classes.length >= units ? classes : Array.from({ length: units }, (_, i) => classes[i] ?? String(i));
  return {
    sample,
    caption,
    epoch,
    input: mapView('input', network.inputShape, x),
    layers,
    layerKernels: kernelViews(network, infos),
    probabilities: last ? last.data.slice() : new Float32Array(0),
    classes: names.slice(0, units),
  };
}

/** Top-k classes of one image file under the saved weights. */
export async function predictFile(modelPath: string, model: Model, file: string, top: number): Promise<Prediction> {
  const { network, classes } = await loadTrainedNetwork(modelPath, model);
  const x = await loadImageFile(file, model.input.shape, inputResize(model.input));
  const out = network.forward({ shape: [1, ...network.inputShape], data: x }, false).data;
  const names = Array.from({ length: out.length }, (_, i) => classes?.[i] ?? String(i));
  const order = names.map((_, i) => i).sort((a, b) => out[b] - out[a]);
  return { classes: names, top: order.slice(0, Math.max(1, top)).map((i) => ({ label: names[i], probability: out[i] })) };
}
