// Small graph models in the style of the example files, for the language-feature tests.
import type { TextEdit } from '../../../src/extension/editor/edits';

/** A model file with one layer per line, as the examples are written. */
export function modelText(layers: readonly string[], shape: readonly number[] = [32, 32, 3]): string {
  return [
    '{',
    '  "format": "cnn-studio/model@1",',
    '  "name": "graph",',
    `  "input": { "shape": [${shape.join(', ')}] },`,
    '  "layers": [',
    layers.map((l) => `    ${l}`).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

/** Non-overlapping edits of one text, applied together. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.offset - a.offset)) out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  return out;
}

/** The offset just after the first occurrence of `before` (optionally the nth). */
export function offsetAfter(text: string, before: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(before, at + 1);
  if (at < 0) throw new Error(`"${before}" not in the text`);
  return at + before.length;
}

export const STEM = '{ "name": "stem", "type": "conv2d", "filters": 16, "kernelSize": 3, "padding": "same", "activation": "relu" }';
/** 32×32×16 → 16×16×32, unnamed (default name conv2d_1 at index 1). */
export const DOWN = '{ "type": "conv2d", "filters": 32, "kernelSize": 3, "strides": 2, "padding": "same", "activation": "relu" }';
export const CONV2 = '{ "name": "block_conv2", "type": "conv2d", "filters": 32, "kernelSize": 3, "padding": "same" }';
