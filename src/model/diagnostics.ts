// Problems found in a model file, each with the exact text range it belongs to.
import type { ShapeError } from './analysis';

export interface TextRange {
  readonly offset: number;
  readonly length: number;
}

export type DiagnosticCode =
  | 'syntax'
  /** UTF-16 text, or JSON nested too deeply to parse (src/model/preflight.ts). */
  | 'encoding'
  | 'too-deep'
  | 'not-object'
  | 'unknown-field'
  | 'unknown-type'
  | 'missing-field'
  | 'wrong-type'
  | 'out-of-range'
  /** A file the model names beside itself is not there (found by the extension, which may touch the disk). */
  | 'missing-file'
  | ShapeError['code'];

export interface ModelDiagnostic {
  readonly message: string;
  readonly range: TextRange;
  readonly severity: 'error' | 'warning';
  readonly code: DiagnosticCode;
  /** JSON path of the node, e.g. ['layers', 2, 'kernelSize']. */
  readonly path: readonly (string | number)[];
  /** The replacement a "did you mean" quick fix would insert (a field name or a layer type). */
  readonly suggestion?: string;
  /** Set for problems inside one layer, so the designer can mark its row. */
  readonly layerIndex?: number;
}
