// Messages from the webview are untrusted (DESIGN.md §4): check every field's type, and every index
// against the document as it is now. An edit intent made on another version of the document is not
// checked field by field: its indices name the layers of that version, so it is stale as a whole.
// Returns the typed message, the stale intent, or the reason it was refused.
import { assertNever } from '../model/assertNever';
import { WEBVIEW_COMMANDS, isEditIntentType, type EditIntent, type EditIntentType, type JsonValue, type WebviewMessage } from './designer';

export interface GuardContext {
  /** The document's version right now: an edit intent made on any other is stale. */
  readonly documentVersion: number;
  /** Layers in the document right now. */
  readonly layerCount: number;
  /** Known layer types (the model's table, passed in because protocol/ imports no other room). */
  readonly layerTypes: readonly string[];
  /** Elements of each layer's `inputs` field right now (0 without one); missing entries count as 0. */
  readonly inputCounts?: readonly number[];
}

/** An edit intent made on another version of the document: refused whole (only its type and version are read). */
export interface StaleIntent {
  readonly type: 'stale';
  readonly intent: EditIntentType;
  readonly documentVersion: number;
}

export type GuardedMessage = WebviewMessage | StaleIntent;

/** Top-level keys the designer may edit with `editField`; `format` is deliberately not one of them. */
const EDITABLE_ROOTS = ['name', 'description', 'input', 'layers', 'training'];
const MAX_PATH = 8;
const MAX_LAYER_INDEX = 1_000_000;
/** A 16,384-px-wide PNG of a 2,000-layer graph, base64: well under this. */
const MAX_IMAGE = 96 * 1024 * 1024;
const MAX_JSON_DEPTH = 8;
const MAX_STRING = 10_000;

export function guardWebviewMessage(raw: unknown, ctx: GuardContext): GuardedMessage | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'message is not an object';
  const m = raw as Record<string, unknown>;
  if (isEditIntentType(m.type)) {
    const version = m.documentVersion;
    if (!isInt(version, 0, Number.MAX_SAFE_INTEGER)) return `${m.type}: bad documentVersion`;
    if (version !== ctx.documentVersion) return { type: 'stale', intent: m.type, documentVersion: version };
    const edit = guardEdit(m, m.type, ctx);
    return typeof edit === 'string' ? edit : { ...edit, documentVersion: version };
  }
  switch (m.type) {
    case 'ready':
      return isInt(m.protocolVersion, 0, Number.MAX_SAFE_INTEGER) ? { type: 'ready', protocolVersion: m.protocolVersion } : 'ready: bad protocolVersion';
    case 'openAsText':
      return { type: 'openAsText' };
    case 'revealLayer':
      // Checked against the document when it runs: the selection may be a moment older than the text.
      return isInt(m.index, 0, MAX_LAYER_INDEX) ? { type: 'revealLayer', index: m.index } : 'revealLayer: bad index';
    case 'exportImage': {
      const data = m.data;
      if (typeof data !== 'string' || data.length === 0 || data.length > MAX_IMAGE) return 'exportImage: no image, or one too large';
      if (m.format === 'svg') return /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(data.slice(0, 200)) ? { type: 'exportImage', format: 'svg', data } : 'exportImage: not an SVG document';
      if (m.format === 'png') return /^[A-Za-z0-9+/]+={0,2}$/.test(data) ? { type: 'exportImage', format: 'png', data } : 'exportImage: the PNG is not base64';
      return 'exportImage: format must be "svg" or "png"';
    }
    case 'runCommand': {
      const command = WEBVIEW_COMMANDS.find((c) => c === m.command);
      return command ? { type: 'runCommand', command } : 'runCommand: command not allowed';
    }
    default:
      return `unknown message type ${JSON.stringify(m.type)}`;
  }
}

/** The fields of an edit intent of the current version, against the document now. */
function guardEdit(m: Record<string, unknown>, type: EditIntentType, ctx: GuardContext): EditIntent | string {
  const count = ctx.layerCount;
  switch (type) {
    case 'insertLayer':
      if (!isInt(m.index, 0, count)) return `insertLayer: index must be 0…${count}`;
      if (typeof m.layerType !== 'string' || !ctx.layerTypes.includes(m.layerType)) return 'insertLayer: unknown layer type';
      return { type: 'insertLayer', index: m.index, layerType: m.layerType };
    case 'deleteLayer':
    case 'duplicateLayer':
      if (!isInt(m.index, 0, count - 1)) return `${type}: no layer ${String(m.index)}`;
      return { type, index: m.index };
    case 'moveLayer':
      if (!isInt(m.from, 0, count - 1) || !isInt(m.to, 0, count - 1)) return 'moveLayer: index out of range';
      return { type: 'moveLayer', from: m.from, to: m.to };
    case 'editField': {
      const reason = checkPath(m.path, count);
      if (reason) return `editField: ${reason}`;
      if (!('value' in m) || m.value === undefined) return { type: 'editField', path: m.path as (string | number)[] };
      if (!isJson(m.value, 0)) return 'editField: value is not plain JSON';
      return { type: 'editField', path: m.path as (string | number)[], value: m.value };
    }
    case 'editInput': {
      const s = m.shape;
      if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => isInt(d, 1, Number.MAX_SAFE_INTEGER))) {
        return 'editInput: shape must be three positive integers';
      }
      return { type: 'editInput', shape: [s[0], s[1], s[2]] };
    }
    case 'connectInput':
      if (!isInt(m.index, 0, count - 1)) return `connectInput: no layer ${String(m.index)}`;
      if (!isInt(m.from, -1, m.index - 1)) return 'connectInput: a layer reads only earlier layers or the model input';
      return { type: 'connectInput', index: m.index, from: m.from };
    case 'disconnectInput': {
      if (!isInt(m.index, 0, count - 1)) return `disconnectInput: no layer ${String(m.index)}`;
      const inputs = ctx.inputCounts?.[m.index] ?? 0;
      if (!isInt(m.element, 0, inputs - 1)) return `disconnectInput: layer ${m.index} has no input ${String(m.element)}`;
      return { type: 'disconnectInput', index: m.index, element: m.element };
    }
    case 'setInputs': {
      if (!isInt(m.index, 0, count - 1)) return `setInputs: no layer ${String(m.index)}`;
      const index = m.index;
      const from = m.from;
      if (!Array.isArray(from) || from.length > index + 1 || !from.every((f) => isInt(f, -1, index - 1)) || new Set(from).size !== from.length) {
        return 'setInputs: inputs must be distinct earlier layers or the model input';
      }
      return { type: 'setInputs', index, from: [...(from as number[])] };
    }
    case 'addResidual':
      if (!isInt(m.first, 0, count - 1) || !isInt(m.last, m.first, count - 1)) return 'addResidual: not a range of layers';
      return { type: 'addResidual', first: m.first, last: m.last };
    case 'freezeUpTo':
      if (!isInt(m.index, 0, count - 1)) return `freezeUpTo: no layer ${String(m.index)}`;
      return { type: 'freezeUpTo', index: m.index };
    case 'unfreezeAll':
      return { type: 'unfreezeAll' };
    default:
      return assertNever(type, 'edit intent type');
  }
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

function checkPath(path: unknown, layerCount: number): string | undefined {
  if (!Array.isArray(path) || path.length === 0 || path.length > MAX_PATH) return 'bad path';
  if (!path.every((p) => (typeof p === 'string' && p.length > 0 && p.length < 100 && p !== '__proto__') || isInt(p, 0, 1_000_000))) return 'bad path element';
  if (!EDITABLE_ROOTS.includes(String(path[0])) || typeof path[0] !== 'string') return `"${String(path[0])}" is not editable`;
  if (path[0] === 'layers') {
    if (!isInt(path[1], 0, layerCount - 1)) return `no layer ${String(path[1])}`;
    if (path.length < 3) return 'path must name a layer field';
  }
  return undefined;
}

function isJson(v: unknown, depth: number): v is JsonValue {
  if (depth > MAX_JSON_DEPTH) return false;
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'string') return v.length <= MAX_STRING;
  if (Array.isArray(v)) return v.length <= 1000 && v.every((x) => isJson(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.entries(v as Record<string, unknown>).every(([k, x]) => k.length < 100 && k !== '__proto__' && isJson(x, depth + 1));
  }
  return false;
}
