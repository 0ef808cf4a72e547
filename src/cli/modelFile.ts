// Reads and checks a model file for every command; prints `path:line:col: error: message` for VS Code's problem matchers.
import { FileError, MAX_MODEL_BYTES, readRegularFileSync } from '../node/files';
import { parseModelText, type ParsedModel } from '../model/parse';
import { lineColumn } from '../model/textPosition';
import type { Model } from '../model/types';
import { UserError, type CliIo } from './io';

/** The model file's text; a directory, pipe, missing or huge file is a one-line UserError. */
export function readModelText(path: string): string {
  try {
    return readRegularFileSync(path, { maxBytes: MAX_MODEL_BYTES, what: 'a model file' }).toString('utf8');
  } catch (e) {
    if (e instanceof FileError) throw new UserError(e.message);
    throw e;
  }
}

/** Prints every diagnostic; returns the parse result (model set only when there are no errors). */
export function checkModelFile(path: string, io: CliIo): { parsed: ParsedModel; text: string } {
  const text = readModelText(path);
  const parsed = parseModelText(text);
  for (const d of parsed.diagnostics) {
    const { line, column } = lineColumn(text, d.range.offset);
    io.err(`${path}:${line}:${column}: ${d.severity}: ${d.message}`);
  }
  return { parsed, text };
}

/** For commands that need a valid model (train, evaluate, predict, export). */
export function loadValidModel(path: string, io: CliIo): Model {
  const { parsed } = checkModelFile(path, io);
  if (!parsed.model) throw new UserError(`${path}: the model has errors; fix them first`);
  return parsed.model;
}
