// A view as the difference from the one the webview shows (DESIGN.md §4): each keystroke in a text editor
// beside the designer rebuilds the view (the analysis is whole-model), but only the rows and layers that
// differ travel; a 2,000-layer model's view is over a megabyte, an edit of one layer's name a few hundred
// bytes. applyPatch(base, diffView(base, next)) equals `next`, field for field (unit- and property-tested);
// rows and layers that did not change keep their objects. This file imports no other room.
import type { DesignerView, ViewField, ViewPatch } from './designer';

export type { ViewPatch } from './designer';

type Field = ViewField;
type Fields = { -readonly [K in Field]?: DesignerView[K] };

/** What changed from `base` to `next`. */
export function diffView(base: DesignerView, next: DesignerView): ViewPatch {
  const set: Fields = {};
  const removed: Field[] = [];
  const keys = new Set([...Object.keys(base), ...Object.keys(next)] as (keyof DesignerView)[]);
  for (const key of keys) {
    if (key === 'rows' || key === 'layers') continue;
    if (!(key in next)) removed.push(key);
    else if (!(key in base) || !sameJson(base[key], next[key])) (set as Record<Field, unknown>)[key] = next[key];
  }
  return {
    set,
    removed,
    rowCount: next.rows.length,
    rows: changedItems(base.rows, next.rows),
    layerCount: next.layers.length,
    layers: changedItems(base.layers, next.layers),
  };
}

/** `base` with `patch` applied: a new view, sharing the unchanged rows and layers with `base`. */
export function applyPatch(base: DesignerView, patch: ViewPatch): DesignerView {
  const view: Record<string, unknown> = { ...base, ...patch.set };
  for (const key of patch.removed) delete view[key];
  view.rows = withItems(base.rows, patch.rowCount, patch.rows);
  view.layers = withItems(base.layers, patch.layerCount, patch.layers);
  return view as unknown as DesignerView;
}

/**
 * What a webview showing the view of document version `shown` (undefined: none yet) does with a patch: apply it
 * when it patches that view (an empty one too: the host re-sends the view after refusing a stale gesture), ask for
 * the whole view when it is of a newer one the page lacks (the page reloaded while the host kept sending), and
 * drop one older than the view shown (sent before such a request was answered). Versions only go up.
 */
export function patchAction(shown: number | undefined, msg: { readonly base: number; readonly documentVersion: number }): 'apply' | 'resync' | 'ignore' {
  if (shown !== undefined && msg.base === shown) return 'apply';
  return shown === undefined || msg.documentVersion > shown ? 'resync' : 'ignore';
}

function changedItems<T>(base: readonly T[], next: readonly T[]): (readonly [number, T])[] {
  const out: (readonly [number, T])[] = [];
  next.forEach((item, i) => {
    if (i >= base.length || !sameJson(base[i], item)) out.push([i, item]);
  });
  return out;
}

function withItems<T>(base: readonly T[], count: number, changed: readonly (readonly [number, T])[]): T[] {
  const out = base.slice(0, count);
  for (const [i, item] of changed) out[i] = item;
  return out;
}

/** Deep equality of JSON-like values (plain objects, arrays, primitives); key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ob = b as Record<string, unknown>;
  const oa = a as Record<string, unknown>;
  for (const k of ka) if (!Object.hasOwn(ob, k) || !sameJson(oa[k], ob[k])) return false;
  return true;
}
