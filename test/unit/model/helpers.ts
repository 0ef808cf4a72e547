import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelText, type ParsedModel } from '../../../src/model/parse';

export const ROOT = join(__dirname, '..', '..', '..');

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

export function parseFile(path: string): ParsedModel & { text: string } {
  const text = readRepoFile(path);
  return { ...parseModelText(text), text };
}

/** A minimal valid model around the given layers. */
export function modelText(layers: unknown[], input: number[] = [28, 28, 1], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: 'cnn-studio/model@1', name: 't', input: { shape: input }, layers, ...extra }, null, 2);
}

export function textAt(text: string, range: { offset: number; length: number }): string {
  return text.slice(range.offset, range.offset + range.length);
}
