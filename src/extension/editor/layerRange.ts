// Where layer `index` is in the document text: the designer's selection shown in a text editor of the
// same document. Tolerant parse (the text may be mid-edit); undefined when there is no such layer.
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
