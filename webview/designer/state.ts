// UI state: the last view from the host (document-derived, never edited here) plus small UI state
// (selection, scroll) that survives the webview being hidden via setState (DESIGN.md §5).
import type { DesignerView, Intent } from '../../src/protocol/designer';

export interface Persisted {
  readonly selected: number;
  readonly scrollTop: number;
  /** The other end of a range selection (Shift+click, Shift+↑/↓); absent: the range is the selected layer. */
  readonly anchor?: number;
  /** Layout of the panes and the diagram, as the person left it. */
  readonly ui?: UiState;
}

export interface UiState {
  /** Height of the diagram pane, px. */
  readonly diagramHeight?: number;
  /** Blocks expanded (true) or collapsed (false) by hand, by block key. */
  readonly blocks?: Readonly<Record<string, boolean>>;
  readonly paletteOpen?: boolean;
  readonly diagramMode?: 'graph' | 'volumes';
}

/** The selected layers, first ≤ last (both −1 when there are none). */
export interface Range {
  readonly first: number;
  readonly last: number;
}

/** What changed, so a selection change does not rebuild the table under the pointer (double-click). */
export type Change = 'view' | 'selection' | 'status';

export interface Status {
  readonly text: string;
  readonly kind: 'error' | 'info';
}

/** What views may do: send an intent or change the selection. */
export interface Actions {
  /** Sends the intent (made on the view shown); failures become the status line. `select` applies after the host confirmed. */
  send(intent: Intent, select?: number): void;
  /** `extend`: keep the other end of the range where it is (Shift). */
  select(index: number, focusRow?: boolean, extend?: boolean): void;
  /** Moves keyboard focus into the selected layer's first field (Enter on a row). */
  editSelected(): void;
  setStatus(status: Status | undefined): void;
}

export class Store {
  view: DesignerView | undefined;
  /** The document version `view` was built from: edit intents made on it carry it (0 before the first view). */
  documentVersion = 0;
  selected = -1;
  anchor = -1;
  scrollTop = 0;
  ui: UiState = {};
  status: Status | undefined;
  fatal: string | undefined;
  private readonly listeners = new Set<(change: Change) => void>();

  constructor(
    private readonly persist: (p: Persisted) => void,
    restored: unknown,
  ) {
    if (isPersisted(restored)) {
      this.selected = restored.selected;
      this.anchor = typeof restored.anchor === 'number' ? restored.anchor : restored.selected;
      this.scrollTop = restored.scrollTop;
      if (typeof restored.ui === 'object' && restored.ui !== null) this.ui = restored.ui;
    }
  }

  subscribe(listener: (change: Change) => void): void {
    this.listeners.add(listener);
  }

  setView(view: DesignerView, documentVersion: number): void {
    this.view = view;
    this.documentVersion = documentVersion;
    this.selected = clamp(this.selected, view.rows.length);
    this.anchor = clamp(this.anchor, view.rows.length);
    this.changed('view');
  }

  select(index: number, extend = false): void {
    const count = this.view?.rows.length ?? 0;
    const next = clamp(index, count);
    const anchor = extend ? clamp(this.anchor < 0 ? this.selected : this.anchor, count) : next;
    if (next === this.selected && anchor === this.anchor) return;
    this.selected = next;
    this.anchor = anchor;
    this.changed('selection');
  }

  get range(): Range {
    return { first: Math.min(this.selected, this.anchor), last: Math.max(this.selected, this.anchor) };
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
    this.save();
  }

  /** Remembers pane sizes and the like; re-renders nothing. */
  saveUi(ui: Partial<UiState>): void {
    this.ui = { ...this.ui, ...ui };
    this.save();
  }

  private save(): void {
    this.persist({ selected: this.selected, anchor: this.anchor, scrollTop: this.scrollTop, ui: this.ui });
  }

  private changed(change: Change): void {
    this.save();
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
