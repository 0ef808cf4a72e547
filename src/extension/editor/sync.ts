// One DocumentSync per open document, shared by every designer panel showing it (DESIGN.md §5): the
// document text is the only state; panels get a fresh view, with the document version it was built from,
// whenever the document changes, as a patch of the view each was sent last (designerPatch.ts). Echo guard: a
// version already broadcast (our own edit, whose change event and applyEdit both report it; dirty/save flips,
// which change no content) is not sent again.
// Edit intents run here, one after another, each refused when made on another version than the current
// one: its indices name the layers of a text that is gone. No VS Code import, so both are unit-testable;
// provider.ts feeds it the events and the document.
import { handshake, type DesignerView, type HostMessage, type IntentReply, type ReadyMessage, type VersionedEditIntent, type ViewPatch } from '../../protocol/designer';
import { diffView } from '../../protocol/designerPatch';
import type { StaleIntent } from '../../protocol/designerGuard';
import { intentEdit, type TextEdit } from './edits';

export interface PanelSink {
  /** False until the panel's `ready` arrived: the host never posts before it. */
  readonly isReady: () => boolean;
  readonly post: (msg: HostMessage) => void;
}

/** The document as edits need it: VS Code's TextDocument behind a small interface (provider.ts). */
export interface SyncedDocument {
  /** Goes up with every change of the text (VS Code's TextDocument.version). */
  readonly version: number;
  getText(): string;
  /** Applies the edit as one undo step; false when the editor refused it. */
  apply(edit: TextEdit): PromiseLike<boolean>;
}

/** The reply to an intent made on another version than the document's: nothing was changed. */
export class StaleIntentError extends Error {
  constructor(made: number, current: number) {
    super(`the model changed before this edit arrived (made on version ${made}, the document is at ${current}): nothing was changed`);
  }
}

export class DocumentSync {
  private readonly panels = new Set<PanelSink>();
  /** The document version of the last broadcast: the events echoing it carry it again. */
  private lastBroadcast: number | undefined;
  private queue: Promise<void> = Promise.resolve();
  private cache: { readonly text: string; readonly view: DesignerView } | undefined;
  /** What each panel was sent last, and its document version: the next view goes to it as a patch of that. */
  private readonly sent = new WeakMap<PanelSink, { readonly version: number; readonly view: DesignerView }>();

  constructor(
    private readonly render: (text: string) => DesignerView,
    /** Called when the last panel goes, so the owner can drop this sync and its listeners. */
    private readonly onEmpty: () => void,
  ) {}

  /** Intents run one after another, each on the text the previous one left (no edit on stale offsets). */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Runs an edit intent in turn. Checked when its turn comes, not when it arrived: an intent queued behind
   * another edit is stale by then. A stale one (or one the guard found stale) is refused, and `panel` is
   * sent the current view so that it re-renders; otherwise the intent is applied as one edit.
   */
  edit(doc: SyncedDocument, intent: VersionedEditIntent | StaleIntent, panel: PanelSink): Promise<IntentReply> {
    return this.enqueue(async () => {
      if (intent.type === 'stale' || intent.documentVersion !== doc.version) {
        panel.post(this.message(panel, doc.getText(), doc.version, new Map()));
        throw new StaleIntentError(intent.documentVersion, doc.version);
      }
      const edit = intentEdit(doc.getText(), intent);
      if (!edit) return { applied: false };
      if (!(await doc.apply(edit))) throw new Error('VS Code refused the edit');
      this.wrote(doc.getText(), doc.version);
      return { applied: true };
    });
  }

  get panelCount(): number {
    return this.panels.size;
  }

  /** Returns the detach function. */
  attach(panel: PanelSink): () => void {
    this.panels.add(panel);
    return () => {
      if (this.panels.delete(panel) && this.panels.size === 0) this.onEmpty();
    };
  }

  /** The view for `text`, computed once per distinct text. */
  view(text: string): DesignerView {
    if (this.cache?.text !== text) this.cache = { text, view: this.render(text) };
    return this.cache.view;
  }

  /** After our own edit was applied: broadcast now (unless its change event did), and its echo will be ignored. */
  wrote(text: string, version: number): void {
    if (version !== this.lastBroadcast) this.broadcast(text, version);
  }

  /** From `onDidChangeTextDocument`. Returns whether it broadcast. */
  changed(text: string, version: number, contentChanges: number): boolean {
    if (contentChanges === 0 || version === this.lastBroadcast) return false;
    this.broadcast(text, version);
    return true;
  }

  /** The answer to `panel`'s `ready` (again after a reload of its page): what the panel shows from then on. */
  ready(panel: PanelSink, msg: Omit<ReadyMessage, 'type'>, text: string, version: number): HostMessage {
    const view = this.view(text);
    const reply = handshake(msg, view, version);
    if (reply.type === 'init') this.sent.set(panel, { version, view });
    else this.sent.delete(panel);
    return reply;
  }

  /**
   * The message that brings `panel` to the view of `text`: a patch of the view it was sent last, else the whole
   * view. `patches`: the patches made in this broadcast, by the view they start from (panels share them).
   */
  private message(panel: PanelSink, text: string, version: number, patches: Map<DesignerView, ViewPatch>): HostMessage {
    const view = this.view(text);
    const base = this.sent.get(panel);
    this.sent.set(panel, { version, view });
    if (!base) return { type: 'update', documentVersion: version, view };
    let patch = patches.get(base.view);
    if (!patch) patches.set(base.view, (patch = diffView(base.view, view)));
    return { type: 'patch', documentVersion: version, base: base.version, patch };
  }

  private broadcast(text: string, version: number): void {
    this.lastBroadcast = version;
    const patches = new Map<DesignerView, ViewPatch>();
    for (const p of this.panels) if (p.isReady()) p.post(this.message(p, text, version, patches));
  }
}

/** Owns the syncs by document key (the URI string). */
export class SyncRegistry {
  private readonly syncs = new Map<string, DocumentSync>();

  constructor(private readonly render: (key: string, text: string) => DesignerView) {}

  get(key: string): DocumentSync | undefined {
    return this.syncs.get(key);
  }

  getOrCreate(key: string, onCreate?: (sync: DocumentSync) => () => void): DocumentSync {
    let sync = this.syncs.get(key);
    if (!sync) {
      const hooks: { cleanup?: () => void } = {};
      const created = new DocumentSync(
        (text) => this.render(key, text),
        () => {
          this.syncs.delete(key);
          hooks.cleanup?.();
        },
      );
      this.syncs.set(key, created);
      hooks.cleanup = onCreate?.(created);
      sync = created;
    }
    return sync;
  }

  get size(): number {
    return this.syncs.size;
  }
}
