// Field text → JSON value, by the spec's kind. No DOM, so the rules are unit-tested in Node.
import { assertNever } from '../../src/model/assertNever';
import type { FieldSpec } from '../../src/model/spec';
import type { JsonValue } from '../../src/protocol/designer';

/** Text → JSON value, `undefined` to remove the field, or an error message. */
export type Parsed = { readonly ok: true; readonly value: JsonValue | undefined } | { readonly ok: false; readonly error: string };

export function parseField(spec: FieldSpec, text: string, required: boolean): Parsed {
  const t = text.trim();
  if (t === '') return required ? { ok: false, error: 'required' } : { ok: true, value: undefined };
  switch (spec.kind) {
    case 'int':
      return /^-?\d+$/.test(t) ? { ok: true, value: Number(t) } : { ok: false, error: 'enter a whole number' };
    case 'number': {
      const n = Number(t);
      return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: 'enter a number' };
    }
    case 'intOrPair': {
      const parts = t.replace(/^\[|\]$/g, '').split(/\s*[,×x*]\s*|\s+/).filter((p) => p !== '');
      if (parts.length < 1 || parts.length > 2 || !parts.every((p) => /^-?\d+$/.test(p))) return { ok: false, error: 'enter a whole number or two ("3" or "3, 5")' };
      const nums = parts.map(Number);
      return { ok: true, value: nums.length === 1 ? nums[0]! : nums };
    }
    case 'numberRange': {
      const parts = t.replace(/^\[|\]$/g, '').split(/\s*[,;]\s*|\s+/).filter((p) => p !== '');
      const nums = parts.map(Number);
      const ok = parts.length === 2 && parts.every((p) => /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(p)) && nums.every(Number.isFinite);
      return ok ? { ok: true, value: nums } : { ok: false, error: 'enter two numbers, low and high ("0.8, 1.2")' };
    }
    case 'numberOrList': {
      const parts = t.replace(/^\[|\]$/g, '').split(/\s*[,;]\s*|\s+/).filter((p) => p !== '');
      const nums = parts.map(Number);
      const ok = parts.length >= 1 && parts.every((p) => /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(p)) && nums.every(Number.isFinite);
      if (!ok) return { ok: false, error: 'enter a number, or one per channel ("0.485, 0.456, 0.406")' };
      return { ok: true, value: nums.length === 1 ? nums[0]! : nums };
    }
    case 'shape3': {
      const parts = t.replace(/^\[|\]$/g, '').split(/\s*[,×x*]\s*|\s+/);
      return parts.length === 3 && parts.every((p) => /^\d+$/.test(p)) ? { ok: true, value: parts.map(Number) } : { ok: false, error: 'enter height, width, channels' };
    }
    case 'string':
    case 'dataSource':
      return { ok: true, value: t };
    case 'enum':
      return spec.values.includes(t) ? { ok: true, value: t } : { ok: false, error: `enter ${spec.values.map((v) => `"${v}"`).join(' or ')}` };
    case 'bool':
      return t === 'true' || t === 'false' ? { ok: true, value: t === 'true' } : { ok: false, error: 'enter true or false' };
    case 'padding2d':
      return sides(t);
    case 'windowPadding': {
      // "valid", "same", or padding2d's forms.
      const word = t.replace(/^"|"$/g, '').toLowerCase();
      if (spec.values.includes(word)) return { ok: true, value: word };
      const parsed = sides(t);
      return parsed.ok ? parsed : { ok: false, error: `enter ${spec.values.map((v) => `"${v}"`).join(', ')}, n, "h, w" or "top, bottom, left, right"` };
    }
    case 'object':
    case 'tagged':
    case 'array':
    case 'layerRefs':
      return { ok: true, value: t };
    default:
      return assertNever(spec, 'field kind');
  }
}

/** Keras' three forms: n, "h, w" (top = bottom, left = right) or "top, bottom, left, right". */
function sides(t: string): Parsed {
  const parts = t.replace(/[[\]]/g, ' ').split(/[\s,×x*]+/).filter((p) => p !== '');
  if (!parts.every((p) => /^\d+$/.test(p)) || ![1, 2, 4].includes(parts.length)) return { ok: false, error: 'enter n, "h, w" or "top, bottom, left, right"' };
  const n = parts.map(Number);
  return { ok: true, value: n.length === 1 ? n[0]! : n.length === 2 ? n : [[n[0]!, n[1]!], [n[2]!, n[3]!]] };
}
