// Reads and checks a model file for every command; prints `path:line:col: error: message` for VS Code's problem matchers.
import { readFileSync, statSync } from 'node:fs';
import { parseModelText, type ParsedModel } from '../model/parse';
import { lineColumn } from '../model/textPosition';
import type { Model } from '../model/types';
import { UserError, type CliIo } from './io';

/** Model files beyond this are not models someone wrote; refuse rather than parse for minutes. */
const MAX_MODEL_BYTES = 64 * 1024 * 1024;

export function readModelText(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UserError(`${path}: no such file`);
  }
  if (size > MAX_MODEL_BYTES) throw new UserError(`${path}: ${size} bytes is too large for a model file`);
  return readFileSync(path, 'utf8');
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
