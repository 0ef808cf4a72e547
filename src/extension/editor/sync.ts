// One DocumentSync per open document, shared by every designer panel showing it (DESIGN.md §5): the
// document text is the only state; panels get a fresh view whenever it changes. Echo guard: change events
// without content changes (dirty/save flips) and text we already broadcast (our own edit) are ignored.
// No VS Code import, so the echo rules are unit-testable; provider.ts feeds it the events.
import type { DesignerView, HostMessage } from '../../protocol/designer';

export interface PanelSink {
  /** False until the panel's `ready` arrived: the host never posts before it. */
  readonly isReady: () => boolean;
  readonly post: (msg: HostMessage) => void;
}

export class DocumentSync {
  private readonly panels = new Set<PanelSink>();
  /** Text of the last broadcast: the change event echoing our own edit carries exactly this text. */
  private lastBroadcast: string | undefined;
  private queue: Promise<void> = Promise.resolve();
  private cache: { readonly text: string; readonly view: DesignerView } | undefined;

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

  /** After our own edit was applied: broadcast now, and the change event that echoes it will be ignored. */
  wrote(text: string): void {
    this.broadcast(text);
  }

  /** From `onDidChangeTextDocument`. Returns whether it broadcast. */
  changed(text: string, contentChanges: number): boolean {
    if (contentChanges === 0) return false;
    if (text === this.lastBroadcast) return false;
    this.broadcast(text);
    return true;
  }

  private broadcast(text: string): void {
    this.lastBroadcast = text;
    const view = this.view(text);
    for (const p of this.panels) if (p.isReady()) p.post({ type: 'update', view });
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
