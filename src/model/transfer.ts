// Transfer learning's model surgery (`cnn transfer`, "CNN: New Model from Pretrained…"): a backbone cut at one
// layer, frozen, with a new head for the data's classes. Pure: the node room reads the files and writes the result.
import type { LayerInfo, ModelAnalysis } from './analysis';
import { paramDefs } from './layers';
import type { Layer, Model, ResizePolicy, Shape, TrainingConfig } from './types';
import { defaultLayerName, MODEL_FORMAT, MODEL_INPUT } from './types';

/** Layers that carry nothing forward from the classifier when walking back from the output to find it. */
const CLASSIFIER_TAIL = new Set<string>(['flatten', 'dropout', 'softmax', 'globalAvgPool2d', 'globalMaxPool2d', 'relu', 'relu6', 'sigmoid', 'tanh', 'swish', 'hardSwish', 'hardSigmoid', 'gelu', 'leakyRelu', 'activation']);

/** The input conventions backbones expect, as preprocessing layers in front of them (0–1 pixels come in). */
export const INPUT_CONVENTIONS = ['0-1', '-1-1', 'imagenet'] as const;
export type InputConvention = (typeof INPUT_CONVENTIONS)[number];

export const INPUT_CONVENTION_LABELS: Readonly<Record<InputConvention, string>> = {
  '0-1': 'pixels 0–1 (no preprocessing layer)',
  '-1-1': 'pixels −1–1 (rescaling: scale 2, offset −1; Keras MobileNet, Inception)',
  imagenet: "ImageNet mean/std (normalization; torchvision's pretrained networks)",
};

/** The preprocessing layer for a convention (none for 0–1, which is what the data pipeline delivers). */
export function conventionLayer(convention: InputConvention, name: string): Layer | undefined {
  switch (convention) {
    case '0-1':
      return undefined;
    case '-1-1':
      return { type: 'rescaling', name, scale: 2, offset: -1 };
    case 'imagenet':
      return { type: 'normalization', name, mean: [0.485, 0.456, 0.406], variance: [0.229 ** 2, 0.224 ** 2, 0.225 ** 2].map((v) => Number(v.toPrecision(6))) };
  }
}

const hasParams = (info: LayerInfo): boolean => paramDefs(info).length > 0;

export interface CutPoint {
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly outputShape: Shape;
  /** Nothing before it is read after it: a stage boundary (every layer can be cut, these are the natural ones). */
  readonly boundary: boolean;
}

/** Every layer with its output shape, and whether it is a boundary of the graph (the quick pick lists these). */
export function cutPoints(analysis: ModelAnalysis): CutPoint[] {
  const layers = analysis.layers;
  // earliest[k]: the smallest value index read by any layer after k (values: −1 input, i layer i's output).
  const readAfter = new Array<number>(layers.length).fill(Number.POSITIVE_INFINITY);
  let earliest = Number.POSITIVE_INFINITY;
  for (let k = layers.length - 1; k >= 0; k--) {
    readAfter[k] = earliest;
    for (const inp of layers[k]!.inputs) earliest = Math.min(earliest, inp.index ?? -1);
  }
  return layers.flatMap((l, k) => (l.outputShape ? [{ index: k, name: l.name, type: l.type, outputShape: l.outputShape, boundary: readAfter[k]! >= k }] : []));
}

/**
 * The last feature layer before the classifier: walking back from the output over activations, dropout, flatten
 * and global pooling to the last layer with parameters (the classifier), then over the dropout in front of it.
 * A backbone whose output is still spatial has no classifier: its last layer is the cut.
 */
export function defaultCut(analysis: ModelAnalysis): number {
  const layers = analysis.layers;
  const last = layers.length - 1;
  if (last < 0) throw new TransferError('the backbone has no layers');
  if ((analysis.outputShape?.length ?? 0) === 3 && spatial(analysis.outputShape!)) return last;
  let k = last;
  while (k >= 0 && !hasParams(layers[k]!) && CLASSIFIER_TAIL.has(layers[k]!.type)) k = single(layers[k]!);
  if (k < 0 || !hasParams(layers[k]!)) return last;
  let cut = single(layers[k]!);
  while (cut >= 0 && layers[cut]!.type === 'dropout') cut = single(layers[cut]!);
  if (cut < 0) throw new TransferError(`the backbone's only layer with parameters (${layers[k]!.name}) is its classifier: there are no features to keep`);
  return cut;
}

const single = (info: LayerInfo): number => (info.inputs.length === 1 ? (info.inputs[0]!.index ?? -1) : -1);
const spatial = (shape: Shape): boolean => shape.length === 3 && shape[0]! * shape[1]! > 1;

/** The cut given by name or 0-based index, or a message listing what there is. */
export function resolveCut(analysis: ModelAnalysis, cut: string): number {
  const byName = analysis.layers.findIndex((l) => l.name === cut);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(cut) && Number(cut) < analysis.layers.length) return Number(cut);
  const close = analysis.layers.filter((l) => l.name.toLowerCase().includes(cut.toLowerCase())).slice(0, 5).map((l) => l.name);
  throw new TransferError(
    `the backbone has no layer "${cut}" (give a name or an index 0…${analysis.layers.length - 1}${close.length ? `; names containing it: ${close.join(', ')}` : ''}; cnn transfer <backbone> --list-cuts lists them)`,
  );
}

export class TransferError extends Error {}

export interface TransferOptions extends TransferSettings {
  readonly backbone: Model;
  readonly analysis: ModelAnalysis;
  /** Index of the layer whose output the head reads. */
  readonly cut: number;
  readonly classes: readonly string[];
  readonly name: string;
  /** The training folder, relative to the new model file ('/' separators). */
  readonly trainData: string;
  readonly testData?: string;
  /** The weights file the backbone's tensors are written to, relative to the new model file. */
  readonly initialWeights: string;
  readonly description?: string;
}

/** What the user chooses besides the backbone, the cut and the data (CLI options, VS Code's questions). */
export interface TransferSettings {
  readonly inputSize?: readonly [number, number];
  readonly resize?: ResizePolicy;
  readonly convention?: InputConvention;
  /** Dropout rate before the new dense layer (0: none). */
  readonly dropout?: number;
  readonly epochs?: number;
  readonly validationSplit?: number;
}

export interface TransferredModel {
  readonly model: Model;
  /** Original layer index → the kept layer's name (its parameters keep their names: "<name>.kernel"). */
  readonly kept: readonly LayerInfo[];
  /** Kept layers with parameters (all frozen). */
  readonly frozen: number;
  readonly head: readonly string[];
}

/** The backbone up to `cut` (only what the cut depends on), frozen, then pooling if spatial, dropout and a dense softmax. */
export function transferModel(o: TransferOptions): TransferredModel {
  const layers = o.analysis.layers;
  if (!o.analysis.ok || layers.length !== o.backbone.layers.length) throw new TransferError('the backbone has errors: fix them before transferring from it');
  if (o.cut < 0 || o.cut >= layers.length) throw new TransferError(`no layer ${o.cut} in the backbone`);
  if (o.classes.length < 2) {
    throw new TransferError(`the data has ${o.classes.length === 0 ? 'no class folders' : `one class (${o.classes[0]})`}: a classifier needs at least 2 classes (one subfolder of images per class)`);
  }
  const needed = ancestors(layers, o.cut);
  const keptInfos = layers.filter((l) => needed.has(l.index));
  const names = new Set(keptInfos.map((l) => l.name));
  const unique = (base: string): string => {
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  // A kept layer keeps its name, so its parameters keep theirs; an unnamed one is named when its index changes.
  const shifted = keptInfos.some((l, i) => l.index !== i);
  let frozen = 0;
  const body = keptInfos.map((info): Layer => {
    let layer: Layer = info.layer;
    if (shifted && layer.name === undefined) layer = { ...layer, name: info.name };
    if (hasParams(info)) {
      frozen++;
      layer = { ...layer, trainable: false };
    }
    return layer;
  });
  const cutShape = layers[o.cut]!.outputShape!;
  const head: Layer[] = [];
  if (cutShape.length === 3) head.push(spatial(cutShape) ? { type: 'globalAvgPool2d', name: unique('head_pool') } : { type: 'flatten', name: unique('head_flatten') });
  if (o.dropout) head.push({ type: 'dropout', name: unique('head_dropout'), rate: o.dropout });
  head.push({ type: 'dense', name: unique('head'), units: o.classes.length, activation: 'softmax' });
  const input = o.inputSize ? { ...o.backbone.input, shape: [o.inputSize[0], o.inputSize[1], o.backbone.input.shape[2]] as const } : o.backbone.input;
  const training: TrainingConfig = {
    data: { train: o.trainData, ...(o.testData !== undefined ? { test: o.testData } : {}) },
    initialWeights: o.initialWeights,
    optimizer: { type: 'adam', learningRate: 0.001 },
    loss: 'categoricalCrossentropy',
    // Teachable Machine's numbers for a few images per class; later epochs cost only the head (frozen features).
    batchSize: 16,
    epochs: o.epochs ?? 50,
    ...(o.validationSplit ? { validationSplit: o.validationSplit } : {}),
    seed: 1,
  };
  const cutModel: Model = {
    format: MODEL_FORMAT,
    name: o.name,
    description: o.description ?? `${o.backbone.name} up to ${layers[o.cut]!.name} (frozen), with a new head for ${o.classes.length} classes: ${o.classes.slice(0, 10).join(', ')}${o.classes.length > 10 ? ', …' : ''}`,
    input: o.resize ? { ...input, resize: o.resize } : input,
    layers: [...body, ...head],
    training,
  };
  const model = o.convention ? withInputConvention(cutModel, o.convention) : cutModel;
  return { model, kept: keptInfos, frozen, head: head.map((l) => l.name!) };
}

/** The layers the output of `cut` depends on (itself included). */
function ancestors(layers: readonly LayerInfo[], cut: number): Set<number> {
  const seen = new Set<number>();
  const stack = [cut];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (k < 0 || seen.has(k)) continue;
    seen.add(k);
    for (const inp of layers[k]!.inputs) stack.push(inp.index ?? -1);
  }
  return seen;
}

/** The model with its input convention as a preprocessing layer in front (`cnn import --preprocess`, `cnn transfer
 *  --preprocess`). Every layer keeps its name (unnamed ones get the name their old index gave them, so their weights
 *  keep theirs), and what read the image reads the preprocessed image. */
export function withInputConvention(model: Model, convention: InputConvention): Model {
  const names = new Set(model.layers.map((l, i) => l.name ?? defaultLayerName(l.type, i)));
  let name = 'preprocess';
  for (let i = 2; names.has(name); i++) name = `preprocess_${i}`;
  const pre = conventionLayer(convention, name);
  if (!pre) return model;
  const first = model.layers[0];
  if (first && (first.type === 'rescaling' || first.type === 'normalization')) {
    throw new TransferError(`the model already starts with a ${first.type} layer (${first.name ?? defaultLayerName(first.type, 0)}): it carries its input convention, leave out the preprocessing option`);
  }
  const channels = model.input.shape[2];
  if (convention === 'imagenet' && channels !== 3) throw new TransferError(`ImageNet's mean and std are per RGB channel, but the model takes ${channels} channel${channels === 1 ? '' : 's'}`);
  const layers = model.layers.map((l, i): Layer => {
    let layer: Layer = l.name === undefined ? { ...l, name: defaultLayerName(l.type, i) } : l;
    if (layer.inputs?.includes(MODEL_INPUT)) layer = { ...layer, inputs: layer.inputs.map((n) => (n === MODEL_INPUT ? name : n)) };
    return layer;
  });
  return { ...model, layers: [pre, ...layers] };
}
