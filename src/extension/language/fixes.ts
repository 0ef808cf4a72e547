// The repair for each diagnostic where it is obvious, as text edits of the document. Pure (no VS Code):
// quickFixes.ts turns these into code actions. Every code is listed, so a new one is a decision here.
import { assertNever } from '../../model/assertNever';
import type { ModelDiagnostic } from '../../model/diagnostics';
import { formatDims } from '../../model/format';
import type { ParsedModel } from '../../model/parse';
import { intentEdit, minimalEdit, type EditIntent, type TextEdit } from '../editor/edits';
import { memberInsertion, setValue } from '../editor/jsonText';
import { NAME_AFTER } from '../editor/layerNames';
import { projectShortcut } from '../editor/projectShortcut';
import { inputsNode, layerValues, unnamedLayerCalled } from './inputRefs';

export interface Fix {
  readonly title: string;
  /** Non-overlapping edits of the text the diagnostic came from, applied together (one undo step). */
  readonly edits: readonly TextEdit[];
}

export function fixFor(text: string, parsed: ParsedModel, d: ModelDiagnostic): Fix | undefined {
  switch (d.code) {
    case 'unknown-type':
    case 'unknown-field':
      if (!d.suggestion) return undefined;
      return { title: `Change to "${d.suggestion}"`, edits: [{ ...d.range, content: JSON.stringify(d.suggestion) }] };
    case 'needs-flatten':
      if (d.layerIndex === undefined) return undefined;
      return designerFix(text, 'Insert a flatten layer before this dense layer', { type: 'insertLayer', index: d.layerIndex, layerType: 'flatten' });
    case 'kernel-too-large':
      if (d.layerIndex === undefined) return undefined;
      return designerFix(text, 'Use "same" padding', { type: 'editField', path: ['layers', d.layerIndex, 'padding'], value: 'same' });
    case 'bad-reference':
      return referenceFix(text, parsed, d);
    case 'shape-mismatch': {
      const [, at, , element] = d.path;
      if (typeof at !== 'number' || typeof element !== 'number') return undefined;
      const p = projectShortcut(text, at, element, parsed);
      if (!p) return undefined;
      return { title: `Project the shortcut with a 1×1 convolution ("${p.shortcut}" ${formatDims(p.from)} → ${formatDims(p.to)})`, edits: [p.edit] };
    }
    case 'no-effect': {
      const [, at, field] = d.path;
      if (typeof at !== 'number' || typeof field !== 'string') return undefined;
      return designerFix(text, `Remove "${field}"`, { type: 'editField', path: ['layers', at, field] });
    }
    case 'zero-learning-rate':
      return freezeFix(text, d);
    // No one-step fix: the message says what to change.
    case 'syntax':
    case 'encoding':
    case 'too-deep':
    case 'not-object':
    case 'missing-field':
    case 'wrong-type':
    case 'out-of-range':
    case 'missing-file':
    case 'needs-spatial':
    case 'indivisible-groups':
    case 'too-large':
    case 'bad-input':
    // Which inputs to merge, which name to change, or which branch to use is the author's choice.
    case 'input-count':
    case 'duplicate-name':
    case 'dead-branch':
      return undefined;
    default:
      return assertNever(d.code, 'diagnostic code');
  }
}

/**
 * A misspelt name becomes the suggestion; a layer known only by its default name gets that name written into it
 * (both, when the suggestion is such a layer).
 */
function referenceFix(text: string, parsed: ParsedModel, d: ModelDiagnostic): Fix | undefined {
  const [, at, , element] = d.path;
  if (typeof at !== 'number' || typeof element !== 'number') return undefined;
  const node = inputsNode(parsed, at)?.children?.[element];
  if (node?.type !== 'string') return undefined;
  const ref = d.suggestion ?? (node.value as string);
  const unnamed = unnamedLayerCalled(parsed, ref, at);
  // Spliced into the tolerant tree's node: the text need not be strict JSON elsewhere.
  const layer = unnamed === undefined ? undefined : layerValues(parsed)[unnamed];
  const naming = layer?.type === 'object' ? memberInsertion(text, layer, 'name', ref, NAME_AFTER) : undefined;
  const edits: TextEdit[] = [];
  if (naming) edits.push(naming);
  if (d.suggestion !== undefined) edits.push({ offset: node.offset, length: node.length, content: JSON.stringify(d.suggestion) });
  if (edits.length === 0) return undefined;
  const title =
    d.suggestion === undefined
      ? `Name layer ${unnamed} "${ref}"`
      : naming
        ? `Change to "${ref}" (and name layer ${unnamed} "${ref}")`
        : `Change to "${ref}"`;
  return { title, edits };
}

/** learningRateMultiplier 0 → "trainable": false: the same parameters stay unchanged, without their gradient work. */
function freezeFix(text: string, d: ModelDiagnostic): Fix | undefined {
  const [, at] = d.path;
  if (typeof at !== 'number') return undefined;
  let after: string;
  try {
    after = setValue(setValue(text, ['layers', at, 'learningRateMultiplier'], undefined), ['layers', at, 'trainable'], false);
  } catch {
    return undefined;
  }
  const change = minimalEdit(text, after);
  return change ? { title: 'Freeze the layer ("trainable": false) instead', edits: [change] } : undefined;
}

/** The same minimal, style-keeping text edit the designer makes for that gesture. */
function designerFix(text: string, title: string, intent: EditIntent): Fix | undefined {
  let change: TextEdit | undefined;
  try {
    change = intentEdit(text, intent);
  } catch {
    return undefined; // the text cannot take the edit (e.g. a syntax error elsewhere): no fix offered
  }
  return change ? { title, edits: [change] } : undefined;
}
