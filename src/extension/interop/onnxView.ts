// An `.onnx` file → what the read-only designer shows: the model imported in memory (src/interop/onnx/import.ts,
// which writes nothing), formatted as the `.cnn.json` text "Convert" would write, and the designer's one view
// model of that text, so layers, shapes and parameter counts are exactly those of the converted file. A file
// that cannot be converted becomes an error view listing every unsupported node; nothing partial is shown.
// Pure (no VS Code), so it is unit-tested.
import { encodeSafetensors, weightsMetadata } from '../../engine/weights';
import { importOnnx, OnnxImportError } from '../../interop/onnx/import';
import { formatModelText } from '../../interop/modelText';
import { TRAINING_DEFAULTS } from '../../model/defaults';
import { parseModelText } from '../../model/parse';
import type { DesignerView } from '../../protocol/designer';
import { buildView } from '../editor/viewModel';

/** What "Convert to .cnn.json" writes: the model text and its weights file. */
export interface OnnxConversion {
  /** `<file stem>.cnn.json`'s text, one layer per line like examples/. */
  readonly text: string;
  /** `<file stem>.safetensors`: the initializers in our layouts, with the usual metadata (fingerprint, classes). */
  readonly weights: Uint8Array;
}

export interface OnnxModelView {
  readonly view: DesignerView;
  /** Absent when the file cannot be converted (then `view.readOnly.importErrors` says why). */
  readonly conversion?: OnnxConversion;
}

/** "lenet5.onnx" → "lenet5". */
export function onnxStem(fileName: string): string {
  return fileName.replace(/\.onnx$/i, '') || 'model';
}

/** machineBytes: the machine's memory, for the training memory warning (as in the designer). */
export function onnxModelView(bytes: Uint8Array, fileName: string, machineBytes?: number): OnnxModelView {
  const stem = onnxStem(fileName);
  const convertTo = `${stem}.cnn.json`;
  let imported;
  try {
    imported = importOnnx(bytes, { name: stem });
  } catch (e) {
    // An importer bug must not leave an empty editor either: it is shown as what went wrong.
    const problems = e instanceof OnnxImportError ? e.problems : [`cannot read the model: ${e instanceof Error ? e.message : String(e)}`];
    return { view: errorView(stem, { file: fileName, convertTo, notes: [], importErrors: problems }) };
  }
  const { model, tensors, classes, notes } = imported;
  const text = formatModelText(model);
  // The text must read back as a valid model (the CLI's import checks the same), else it is not what we show.
  const parsed = parseModelText(text);
  if (!parsed.model) {
    const problems = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => `the converted model does not validate: ${d.message}`);
    return { view: errorView(stem, { file: fileName, convertTo, notes, importErrors: problems }) };
  }
  const metadata = weightsMetadata(model);
  if (classes) metadata.classes = JSON.stringify(classes);
  const view = buildView(text, stem, machineBytes);
  return {
    view: { ...view, editable: false, readOnly: { file: fileName, convertTo, notes } },
    conversion: { text, weights: encodeSafetensors(tensors, metadata) },
  };
}

function errorView(name: string, readOnly: NonNullable<DesignerView['readOnly']>): DesignerView {
  return { name, rows: [], layers: [], batchSize: TRAINING_DEFAULTS.batchSize, problems: [], editable: false, readOnly };
}

/** The error view of a file that cannot even be read (too large, gone). */
export function unreadableOnnxView(fileName: string, problem: string): OnnxModelView {
  const stem = onnxStem(fileName);
  return { view: errorView(stem, { file: fileName, convertTo: `${stem}.cnn.json`, notes: [], importErrors: [problem] }) };
}
