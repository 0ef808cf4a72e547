// An `.onnx` file → what its view shows: every node of the graph (src/interop/onnx/inspect.ts), whether or not
// CNN Studio converts it, and — only when nothing is unsupported — the conversion "Convert to .cnn.json" writes:
// the model as the `.cnn.json` text and its weights. A file that cannot be read is one line. Pure (no VS Code), so
// it is unit-tested.
import type { ReadExternalData } from '../../interop/onnx/externalData';
import { encodeSafetensors, weightsMetadata } from '../../engine/weights';
import { inspectOnnx } from '../../interop/onnx/inspect';
import { formatModelText } from '../../interop/modelText';
import { parseModelText } from '../../model/parse';
import type { OnnxView } from '../../protocol/onnxView';

/** What "Convert to .cnn.json" writes: the model text and its weights file. */
export interface OnnxConversion {
  /** `<file stem>.cnn.json`'s text, one layer per line like examples/. */
  readonly text: string;
  /** `<file stem>.safetensors`: the initializers in our layouts, with the usual metadata (fingerprint, classes). */
  readonly weights: Uint8Array;
}

export interface OnnxModelView {
  readonly view: OnnxView;
  /** Present exactly when the view offers "Convert to .cnn.json". */
  readonly conversion?: OnnxConversion;
}

/** "lenet5.onnx" → "lenet5". */
export function onnxStem(fileName: string): string {
  return fileName.replace(/\.onnx$/i, '') || 'model';
}

export function onnxModelView(bytes: Uint8Array, fileName: string, readExternal?: ReadExternalData): OnnxModelView {
  const stem = onnxStem(fileName);
  const convertTo = `${stem}.cnn.json`;
  const result = inspectOnnx(bytes, { name: stem, readExternal });
  if (!result.ok) return unreadableOnnxView(fileName, result.problem);
  const { inspection, imported } = result;
  if (!imported) return { view: { kind: 'graph', file: fileName, convertTo, convertible: false, graph: inspection } };
  const text = formatModelText(imported.model);
  // The text must read back as a valid model (the CLI's import checks the same), else there is nothing to convert.
  const parsed = parseModelText(text);
  if (!parsed.model) {
    const problems = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => `the converted model does not validate: ${d.message}`);
    return { view: { kind: 'graph', file: fileName, convertTo, convertible: false, graph: { ...inspection, problems: [...inspection.problems, ...problems] } } };
  }
  const metadata = weightsMetadata(imported.model);
  if (imported.classes) metadata.classes = JSON.stringify(imported.classes);
  return {
    view: { kind: 'graph', file: fileName, convertTo, convertible: true, graph: inspection },
    conversion: { text, weights: encodeSafetensors(imported.tensors, metadata) },
  };
}

/** The view of a file that cannot be read (not ONNX, truncated, too large, gone): one line. */
export function unreadableOnnxView(fileName: string, problem: string): OnnxModelView {
  return { view: { kind: 'unreadable', file: fileName, problem } };
}

/** Why a view offers no conversion, one line each: every unsupported node and the model's own problems. */
export function conversionProblems(view: OnnxView): string[] {
  if (view.kind === 'unreadable') return [view.problem];
  const nodes = view.graph.nodes.filter((n) => n.status === 'unsupported').map((n) => `${n.opType} (node ${n.name ? `"${n.name}"` : `#${n.index}`}): ${n.reason ?? 'not supported'}`);
  return [...view.graph.problems, ...nodes];
}
