// The arithmetic of a windowed list: rows of one fixed height in a scroller, only those in sight (and a
// margin either side) in the document, spacers standing in for the rest. Pure, so it is tested without a DOM.

/** Rows [first, end) are drawn; `before` and `after` px of spacer stand in for the others. */
export interface RowWindow {
  readonly first: number;
  readonly end: number;
  readonly before: number;
  readonly after: number;
}

export interface Geometry {
  readonly count: number;
  /** Every row's height, px (> 0). */
  readonly rowHeight: number;
  /** The scroller's scrollTop and visible height, px. */
  readonly scrollTop: number;
  readonly viewHeight: number;
  /** Content above the first row inside the scroller (a table's header), px. */
  readonly offset?: number;
  /** Rows drawn beyond each edge of the visible ones. */
  readonly overscan?: number;
}

export function rowWindow({ count, rowHeight, scrollTop, viewHeight, offset = 0, overscan = 0 }: Geometry): RowWindow {
  if (count <= 0 || !(rowHeight > 0)) return { first: 0, end: 0, before: 0, after: 0 };
  const top = Math.max(0, scrollTop - offset);
  const first = Math.min(count, Math.max(0, Math.floor(top / rowHeight) - overscan));
  const end = Math.max(first, Math.min(count, Math.ceil((top + Math.max(0, viewHeight)) / rowHeight) + overscan));
  return { first, end, before: first * rowHeight, after: (count - end) * rowHeight };
}

/**
 * The scrollTop that brings row `index` whole into sight below a sticky header of `header` px, or undefined
 * when it already is. A row above the view goes to its top, one below to its bottom (the least movement).
 */
export function scrollToRow(index: number, g: Omit<Geometry, 'count' | 'overscan'> & { readonly header?: number }): number | undefined {
  const offset = g.offset ?? 0;
  const header = g.header ?? 0;
  const top = offset + index * g.rowHeight;
  const bottom = top + g.rowHeight;
  if (top < g.scrollTop + header) return Math.max(0, top - header);
  if (bottom > g.scrollTop + g.viewHeight) return bottom - g.viewHeight;
  return undefined;
}
