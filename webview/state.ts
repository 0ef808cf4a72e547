// UI state: the last view from the host (document-derived, never edited here) plus small UI state
// (selection, scroll) that survives the webview being hidden via setState (DESIGN.md §5).
import type { DesignerView, IntentMessage } from '../src/protocol/webview';

export interface Persisted {
  readonly selected: number;
  readonly scrollTop: number;
}

/** What changed, so a selection change does not rebuild the table under the pointer (double-click). */
export type Change = 'view' | 'selection' | 'status';

export interface Status {
  readonly text: string;
  readonly kind: 'error' | 'info';
}

/** What views may do: send an intent or change the selection. */
export interface Actions {
  /** Sends the intent; failures become the status line. `select` applies after the host confirmed. */
  send(intent: IntentMessage, select?: number): void;
  select(index: number, focusRow?: boolean): void;
  /** Moves keyboard focus into the selected layer's first field (Enter on a row). */
  editSelected(): void;
  setStatus(status: Status | undefined): void;
}

export class Store {
  view: DesignerView | undefined;
  selected = -1;
  scrollTop = 0;
  status: Status | undefined;
  fatal: string | undefined;
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(
    private readonly persist: (p: Persisted) => void,
    restored: unknown,
  ) {
    if (isPersisted(restored)) {
      this.selected = restored.selected;
      this.scrollTop = restored.scrollTop;
    }
  }

  subscribe(listener: (change: Change) => void): void {
    this.listeners.add(listener);
  }

  setView(view: DesignerView): void {
    this.view = view;
    this.selected = clamp(this.selected, view.rows.length);
    this.changed('view');
  }

  select(index: number): void {
    const next = clamp(index, this.view?.rows.length ?? 0);
    if (next === this.selected) return;
    this.selected = next;
    this.changed('selection');
  }

  setStatus(status: Status | undefined): void {
    if (status === this.status) return;
    this.status = status;
    this.changed('status');
  }

  setFatal(message: string): void {
    this.fatal = message;
    this.changed('view');
  }

  saveScroll(scrollTop: number): void {
    this.scrollTop = scrollTop;
    this.persist({ selected: this.selected, scrollTop });
  }

  private changed(change: Change): void {
    this.persist({ selected: this.selected, scrollTop: this.scrollTop });
    for (const l of this.listeners) l(change);
  }
}

/** -1 (nothing) for an empty model, otherwise within the rows. */
function clamp(index: number, count: number): number {
  if (count === 0) return -1;
  return Math.max(0, Math.min(count - 1, index));
}

function isPersisted(v: unknown): v is Persisted {
  const p = v as Partial<Persisted> | null;
  return typeof p === 'object' && p !== null && typeof p.selected === 'number' && typeof p.scrollTop === 'number';
}
