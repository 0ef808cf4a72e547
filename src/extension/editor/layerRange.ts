// Where layer `index` is in the document text: the designer's selection shown in a text editor of the
// same document, and back: the layer under a text editor's cursor. Tolerant parse (the text may be mid-edit).
import { findNodeAtLocation, parseTree } from 'jsonc-parser';

export interface TextRange {
  readonly offset: number;
  readonly length: number;
}

export function layerRange(text: string, index: number): TextRange | undefined {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const layer = root ? findNodeAtLocation(root, ['layers', index]) : undefined;
  return layer ? { offset: layer.offset, length: layer.length } : undefined;
}

/** The layer whose text contains `offset` (a text editor's cursor); undefined outside every layer. */
export function layerAt(text: string, offset: number): number | undefined {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const layers = root ? findNodeAtLocation(root, ['layers']) : undefined;
  if (layers?.type !== 'array') return undefined;
  const i = (layers.children ?? []).findIndex((c) => offset >= c.offset && offset <= c.offset + c.length);
  return i >= 0 ? i : undefined;
}
