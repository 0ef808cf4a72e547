// The pure parts of "CNN: New Model from Pretrained…": the quick picks' items (where to cut, the input
// convention), the input size box, the checks and the message at the end. No VS Code, so they are unit-tested.
import type { ModelAnalysis } from '../../model/analysis';
import { formatCount } from '../../model/format';
import { formatInputSize, MAX_INPUT_SIDE, parseInputSize } from '../../model/inputSize';
import { formatDims } from '../../model/layers/base';
import { cutPoints, defaultCut, INPUT_CONVENTION_LABELS, INPUT_CONVENTIONS, type InputConvention } from '../../model/transfer';
import type { Layer } from '../../model/types';

export const DEFAULT_CUT_NOTE = '(default: last feature layer before the classifier)';

/** A quick pick item (structurally vscode.QuickPickItem) with the layer it cuts at. */
export interface CutItem {
  readonly label: string;
  readonly description: string;
  readonly index: number;
}

/** The stage boundaries (where `cnn transfer --list-cuts` lists) plus the default, the default first. */
export function cutItems(analysis: ModelAnalysis): CutItem[] {
  const fallback = defaultCut(analysis);
  const item = (c: ReturnType<typeof cutPoints>[number]): CutItem => ({
    label: c.name,
    description: `${c.type} → ${formatDims(c.outputShape)}${c.index === fallback ? ` ${DEFAULT_CUT_NOTE}` : ''}`,
    index: c.index,
  });
  const points = cutPoints(analysis);
  const first = points.find((c) => c.index === fallback);
  return [...(first ? [item(first)] : []), ...points.filter((c) => c.boundary && c.index !== fallback).map(item)];
}

export interface ConventionItem {
  readonly label: string;
  readonly description: string;
  readonly convention: InputConvention;
}

/** Every convention; an .onnx file most often comes from torchvision, so ImageNet's comes first for those. */
export function conventionItems(onnx: boolean): ConventionItem[] {
  const order: readonly InputConvention[] = onnx ? ['imagenet', '-1-1', '0-1'] : INPUT_CONVENTIONS;
  return order.map((c) => ({ label: INPUT_CONVENTION_LABELS[c], description: `--preprocess ${c}`, convention: c }));
}

const isPreprocessing = (layer: Layer | undefined): boolean => layer?.type === 'rescaling' || layer?.type === 'normalization';

/** Only an .onnx backbone is asked: a .cnn.json model carries its preprocessing as layers (or was trained on 0–1 pixels). */
export function asksForConvention(backbonePath: string, layers: readonly Layer[]): boolean {
  return /\.onnx$/i.test(backbonePath) && !isPreprocessing(layers[0]);
}

/** The input box's value: the backbone's height × width. */
export const sizePrefill = (shape: readonly number[]): string => formatInputSize([shape[0] ?? 0, shape[1] ?? 0]);

/** The input box's validation (as `cnn transfer --input-size`): undefined when valid, else why not. */
export function sizeProblem(text: string): string | undefined {
  return parseInputSize(text) ? undefined : `Height × width, e.g. 224 or 160x224, each 1 to ${MAX_INPUT_SIDE}`;
}

/** The size to ask writeTransfer for: undefined when it is the backbone's own (nothing changes). */
export function chosenSize(text: string, shape: readonly number[]): [number, number] | undefined {
  const size = parseInputSize(text);
  return size && (size[0] !== shape[0] || size[1] !== shape[1]) ? size : undefined;
}

/** Why a folder cannot train a classifier, or undefined when it has at least two class folders. */
export function classesProblem(folderName: string, classes: readonly string[]): string | undefined {
  if (classes.length >= 2) return undefined;
  const has = classes.length === 0 ? 'has no class folders' : `has one class folder (${classes[0]})`;
  return `Cannot train on ${folderName}: it ${has}; a classifier needs at least 2 (one subfolder of images per class).`;
}

export interface CreatedSummary {
  readonly modelFile: string;
  readonly backboneFile: string;
  readonly cutName: string;
  readonly frozen: number;
  readonly trainable: number;
  readonly classes: number;
}

/** "Created photos.cnn.json from mobilenet_v2.onnx (up to globalAvgPool2d_97): 52 frozen layers, 3,843 trainable parameters, 3 classes." */
export function createdMessage(s: CreatedSummary): string {
  const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;
  return (
    `Created ${s.modelFile} from ${s.backboneFile} (up to ${s.cutName}): ${plural(s.frozen, 'frozen layer')}, ` +
    `${plural(s.trainable, 'trainable parameter')}, ${plural(s.classes, 'class', 'classes')}.`
  );
}
