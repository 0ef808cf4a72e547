// Problems that need the file system, so they stay out of the pure parse (src/model): files the model names
// beside itself. Node-only, no VS Code, so it is unit-tested directly; diagnostics.ts adds these to the parse's.
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { findNodeAtLocation } from 'jsonc-parser';
import { besideModel } from '../../node/checkpoint/initialWeights';
import type { ModelDiagnostic } from '../../model/diagnostics';
import type { ParsedModel } from '../../model/parse';

/** What is at a path (an unreadable path is missing: training could not read it either). */
export type PathKind = 'file' | 'folder' | 'missing';
export type StatPath = (path: string) => PathKind;

const statPath: StatPath = (path) => {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    return !s ? 'missing' : s.isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
};

/** A missing `training.initialWeights`, on its value, so the editor says what `cnn train` would refuse. */
export function fileDiagnostics(modelPath: string, parsed: ParsedModel, stat: StatPath = statPath): ModelDiagnostic[] {
  const node = parsed.root ? findNodeAtLocation(parsed.root, ['training', 'initialWeights']) : undefined;
  // A value of the wrong type is the parse's diagnostic already.
  if (node?.type !== 'string' || typeof node.value !== 'string') return [];
  const file = node.value;
  const kind = file === '' ? 'missing' : stat(besideModel(modelPath, file));
  if (kind === 'file') return [];
  const problem =
    file === '' ? 'names no file'
    : kind === 'folder' ? `${file} is a folder, not a weights file`
    : `${file} does not exist${isAbsolute(file) ? '' : ' beside the model'}`;
  return [{
    message: `training.initialWeights: ${problem} (cnn transfer writes it; train from the seed by removing this field)`,
    range: { offset: node.offset, length: node.length },
    severity: 'error',
    code: 'missing-file',
    path: ['training', 'initialWeights'],
  }];
}
