// `cnn transfer <backbone> --data DIR`: a new model from a pretrained network (a .cnn.json with its weights, or an
// .onnx) cut at a layer, frozen, with a new head for the folder's classes; `--list-cuts` shows where it can be cut.
import { formatCount } from '../model/format';
import { formatDims } from '../model/layers/base';
import { MAX_INPUT_SIDE, parseInputSize } from '../model/inputSize';
import { cutPoints, defaultCut, INPUT_CONVENTIONS, resolveCut, TransferError, type InputConvention } from '../model/transfer';
import { RESIZE_POLICIES } from '../model/resize';
import type { ResizePolicy } from '../model/types';
import { inferShapes } from '../model/shapes';
import { readBackbone, writeTransfer } from '../node/transfer';
import { UsageError, UserError, type CliIo } from './io';
import { parseCommandLine, type CommandSpec } from './options';

export const spec = {
  name: 'transfer',
  operands: [{ name: '<backbone.cnn.json|backbone.onnx>' }],
  summary: 'a new model from a pretrained network: its layers up to a cut, frozen, and a new head for a folder of photos',
  options: {
    data: { kind: 'string', placeholder: 'DIR', help: 'the training folder (one subfolder of images per class): its classes make the head' },
    test: { kind: 'string', placeholder: 'DIR', help: 'a test folder with the same classes (evaluated only)' },
    cut: { kind: 'string', placeholder: 'LAYER', help: 'the last backbone layer kept, by name or index (default: the last feature layer before the classifier)' },
    'list-cuts': { kind: 'boolean', help: 'list the layers the backbone can be cut at, with their output shapes, and stop' },
    output: { kind: 'string', short: 'o', placeholder: 'PATH', help: 'the model file to write (default: <data folder>.cnn.json beside the data folder)' },
    'input-size': { kind: 'string', placeholder: 'H[xW]', help: "the input's height and width (default the backbone's; a convolutional backbone takes any size)" },
    resize: { kind: 'string', placeholder: RESIZE_POLICIES.join('|'), help: "how photos of another aspect ratio are fitted (default the backbone's)" },
    preprocess: { kind: 'string', placeholder: INPUT_CONVENTIONS.join('|'), help: 'the input convention the backbone was trained with, as a layer in front (default 0-1: none)' },
    dropout: { kind: 'positiveNumber', max: 0.99, placeholder: 'RATE', help: 'dropout before the new dense layer' },
    epochs: { kind: 'integer', min: 1, max: 100000, placeholder: 'N', help: 'training.epochs of the new model (default 50)' },
    'validation-split': { kind: 'positiveNumber', max: 0.9, placeholder: 'F', help: 'training.validationSplit of the new model (default none)' },
    force: { kind: 'boolean', help: 'replace the model file and its weights when they exist' },
  },
} as const satisfies CommandSpec;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, operands } = parseCommandLine(spec, args);
  const backbonePath = operands[0]!;
  const resize = values.resize === undefined ? undefined : choice<ResizePolicy>('resize', values.resize, RESIZE_POLICIES);
  const convention = values.preprocess === undefined ? undefined : choice<InputConvention>('preprocess', values.preprocess, INPUT_CONVENTIONS);
  const inputSize = values['input-size'] === undefined ? undefined : parseSize(values['input-size']);
  if (!values['list-cuts'] && values.data === undefined) throw new UsageError('cnn transfer: --data DIR is required (the folder of class subfolders to train on)');
  try {
    const backbone = await readBackbone(backbonePath);
    for (const n of backbone.notes) io.err(`${backbonePath}: note: ${n}`);
    const analysis = backbone.analysis;
    const fallback = defaultCut(analysis);
    if (values['list-cuts']) {
      io.out(`${backbonePath}: ${analysis.layers.length} layers; stage boundaries (any layer may be cut; * the default):`);
      for (const c of cutPoints(analysis)) {
        if (c.boundary || c.index === fallback) io.out(`${c.index === fallback ? '*' : ' '} ${String(c.index).padStart(4)}  ${c.name.padEnd(32)} ${c.type.padEnd(18)} ${formatDims(c.outputShape)}`);
      }
      return 0;
    }
    const cut = values.cut === undefined ? fallback : resolveCut(analysis, values.cut);
    const r = await writeTransfer(
      {
        backbone,
        dataDir: values.data!,
        ...(values.test !== undefined ? { testDir: values.test } : {}),
        ...(values.output !== undefined ? { output: values.output } : {}),
        ...(inputSize ? { inputSize } : {}),
        ...(resize ? { resize } : {}),
        ...(convention ? { convention } : {}),
        ...(values.dropout !== undefined ? { dropout: values.dropout } : {}),
        ...(values.epochs !== undefined ? { epochs: values.epochs } : {}),
        ...(values['validation-split'] !== undefined ? { validationSplit: values['validation-split'] } : {}),
        force: values.force ?? false,
      },
      cut,
    );
    const totals = inferShapes(r.model).totals;
    const cutInfo = analysis.layers[cut]!;
    io.out(
      `wrote ${r.modelPath}: ${backbone.model.name} up to ${cutInfo.name} (${formatDims(cutInfo.outputShape ?? [])}; ${r.kept.length} layers, ${r.frozen} with weights, all frozen) ` +
        `+ ${r.head.join(', ')} for ${r.classes.length} classes (${listed(r.classes)}); ${formatCount(totals.trainable)} trainable of ${formatCount(totals.params)} parameters`,
    );
    io.out(`wrote ${r.weightsPath} (the backbone's weights, "training.initialWeights"); next: cnn train ${r.modelPath}`);
    if (!convention && /\.onnx$/i.test(backbonePath) && !startsWithPreprocessing(r.model.layers[0]?.type)) {
      io.err(`note: the images reach ${backboneName(backbonePath)} as 0–1 pixels; a torchvision backbone expects --preprocess imagenet, a Keras MobileNet --preprocess -1-1`);
    }
    return 0;
  } catch (e) {
    if (e instanceof TransferError) throw new UserError(`cnn transfer: ${e.message}`);
    throw e;
  }
}

const startsWithPreprocessing = (type: string | undefined): boolean => type === 'rescaling' || type === 'normalization';
const backboneName = (path: string): string => path.split(/[\\/]/).pop() ?? path;
const listed = (names: readonly string[]): string => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', '));

function choice<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`cnn transfer: --${option} must be one of ${allowed.join(', ')} (got "${value}")`);
}

/** "224" or "160x224" (height × width), each 1…4096. */
function parseSize(text: string): [number, number] {
  const size = parseInputSize(text);
  if (!size) throw new UsageError(`cnn transfer: --input-size must be H or HxW, each 1 to ${MAX_INPUT_SIDE} (got "${text}")`);
  return size;
}
