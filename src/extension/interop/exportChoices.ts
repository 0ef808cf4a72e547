// The pure parts of "CNN: Export Model…": the format choices, the model to export from the saved text, where
// each format goes, and the message naming what was written. No VS Code, so they are unit-tested.
import { basename, join } from 'node:path';
import { parseModelText } from '../../model/parse';
import { lineColumn } from '../../model/textPosition';
import type { Model } from '../../model/types';

/** Every format the command offers; the export function may support fewer (then the pick says so). */
export type FormatName = 'onnx' | 'pytorch' | 'keras';

export interface FormatChoice {
  readonly format: FormatName;
  readonly label: string;
  readonly description: string;
  /** How the output location is chosen: a file (save dialog) or a folder the export goes into. */
  readonly output: 'file' | 'folder';
}

export const FORMAT_CHOICES: readonly FormatChoice[] = [
  { format: 'onnx', label: 'ONNX', description: 'one .onnx file (opset 17) with the weights: ONNX Runtime, Netron, other tools', output: 'file' },
  { format: 'pytorch', label: 'PyTorch', description: 'a folder: model.py (nn.Module), train.py (torchrun on many GPUs), the weights', output: 'folder' },
  { format: 'keras', label: 'Keras', description: 'a Python file building the tf.keras model and loading the weights', output: 'file' },
];

/** Why a format cannot be exported by this build, or undefined when it can. */
export function unsupportedReason(choice: FormatChoice, supported: readonly string[]): string | undefined {
  if (supported.includes(choice.format)) return undefined;
  const can = FORMAT_CHOICES.filter((c) => supported.includes(c.format)).map((c) => c.label);
  return `${choice.label} export is not available in this version of CNN Studio yet${can.length ? `; it exports ${can.join(', ')}` : ''}.`;
}

/** The valid model of a file's saved text, or one message: how many errors and the first one, with its line. */
export function modelForExport(text: string, fileName: string): { readonly model: Model } | { readonly error: string } {
  const parsed = parseModelText(text);
  if (parsed.model) return { model: parsed.model };
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return { error: `${fileName} is not a valid model: fix it before exporting.` };
  const { line } = lineColumn(text, first.range.offset);
  const count = errors.length === 1 ? 'an error' : `${errors.length} errors`;
  return { error: `${fileName} has ${count} (line ${line}: ${first.message}): fix ${errors.length === 1 ? 'it' : 'them'} before exporting.` };
}

/** The PyTorch export's folder when the user picks `parent`: `<parent>/<default folder name>`, e.g. lenet5-pytorch. */
export function folderOutput(parent: string, defaultPath: string): string {
  return join(parent, basename(defaultPath));
}

/**
 * "Exported lenet5.cnn.json as ONNX: lenet5.onnx." plus the warnings (say, the seed's initial weights were
 * exported). `display` shortens a path for the message (relative to the workspace).
 */
export function exportedMessage(modelFile: string, label: string, files: readonly string[], warnings: readonly string[], display: (path: string) => string): string {
  const written = files.map(display).join(', ');
  const noted = warnings.length ? ` Note: ${warnings.join('; ')}.` : '';
  return `Exported ${basename(modelFile)} as ${label}: ${written}.${noted}`;
}

/** The folder to reveal after an export: the PyTorch folder itself, else the folder holding the first file. */
export function revealTarget(files: readonly string[], output: 'file' | 'folder', folder?: string): string {
  if (output === 'folder' && folder) return folder;
  return files[0] ?? folder ?? '.';
}
