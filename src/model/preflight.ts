// Checks of the raw text before the JSON parser sees it: the encoding (a UTF-16 file read as UTF-8 would give
// hundreds of syntax errors) and the nesting depth (jsonc-parser's parseTree recurses once per level, so a few
// thousand brackets overflow the call stack). Each problem is one diagnostic, and parsing is skipped.
import { createScanner } from 'jsonc-parser';
import type { TextRange } from './diagnostics';

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read: its values, from its typings.
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const EOF = 17;

/** Deepest nesting accepted. A model file needs 5 levels (the root object → layers → a layer → zeroPadding2D's [[top, bottom], …]). */
export const MAX_JSON_DEPTH = 64;
const MODEL_FILE_DEPTH = 5;

export interface TextProblem {
  readonly code: 'encoding' | 'too-deep';
  readonly message: string;
  readonly range: TextRange;
}

/** One problem that makes parsing pointless or unsafe, or undefined when the text can be parsed. */
export function preflight(text: string): TextProblem | undefined {
  return utf16Problem(text) ?? depthProblem(text, MAX_JSON_DEPTH);
}

/** The text with a leading byte-order mark turned into a space: same length, so every offset stays the same. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
}

/**
 * UTF-16 as it arrives here: bytes decoded as UTF-8 (NUL beside every ASCII character, and U+FFFD U+FFFD for an
 * FF FE or FE FF byte-order mark), or decoded by an editor that guessed wrong. JSON allows no raw NUL anywhere, so a
 * NUL among the first two characters cannot be a model file in UTF-8.
 */
function utf16Problem(text: string): TextProblem | undefined {
  const bom = text.startsWith('\uFFFD\uFFFD') ? 2 : text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.charCodeAt(bom) !== 0 && text.charCodeAt(bom + 1) !== 0) return undefined;
  return { code: 'encoding', message: 'the file is UTF-16; save it as UTF-8', range: { offset: 0, length: Math.min(text.length, bom + 2) } };
}

/**
 * The first bracket that opens a level past `limit`, scanned with the parser's own tokenizer (so strings and
 * escapes count as it counts them). A close only pops its own kind, as the parser only leaves a container at its
 * own close: this count never falls below the parser's depth.
 */
function depthProblem(text: string, limit: number): TextProblem | undefined {
  const scanner = createScanner(text, true);
  const open: number[] = [];
  for (let token: number = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      open.push(token);
      if (open.length > limit) {
        return {
          code: 'too-deep',
          message: `JSON nested deeper than ${limit} levels: a model file needs at most ${MODEL_FILE_DEPTH}`,
          range: { offset: scanner.getTokenOffset(), length: 1 },
        };
      }
    } else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) {
      if (open[open.length - 1] === token - 1) open.pop(); // each close is its own open + 1
    }
  }
  return undefined;
}
