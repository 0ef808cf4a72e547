// Document sync: echo guard, broadcast to every ready panel of the document, clean-up when the last goes;
// edit intents applied in turn, and refused (with a fresh view for the panel) when made on another version.
import { strict as assert } from 'node:assert';
import { applyTextEdit, type TextEdit } from '../../../src/extension/editor/edits';
import { StaleIntentError, SyncRegistry, type PanelSink, type SyncedDocument } from '../../../src/extension/editor/sync';
import type { DesignerView, HostMessage } from '../../../src/protocol/designer';

const render = (_key: string, text: string): DesignerView => ({ name: text, rows: [], layers: [], batchSize: 32, problems: [], editable: true });

function panel(ready = true): PanelSink & { got: HostMessage[] } {
  const got: HostMessage[] = [];
  return { got, isReady: () => ready, post: (m) => got.push(m) };
}

describe('document sync', () => {
  it('broadcasts changes to every ready panel, never to one before its ready', () => {
    const reg = new SyncRegistry(render);
    const sync = reg.getOrCreate('file:///a.cnn.json');
    const [p1, p2, early] = [panel(), panel(), panel(false)];
    sync.attach(p1);
    sync.attach(p2);
    sync.attach(early);
    assert.equal(sync.changed('v1', 1, 1), true);
    assert.deepEqual(p1.got, [{ type: 'update', documentVersion: 1, view: render('', 'v1') }]);
    assert.equal(p2.got.length, 1);
    assert.equal(early.got.length, 0);
  });

  it('ignores empty change events and the echo of its own edit, whichever reports it first', () => {
    const sync = new SyncRegistry(render).getOrCreate('k');
    const p = panel();
    sync.attach(p);
    assert.equal(sync.changed('v0', 1, 0), false, 'dirty-flag change without content');
    sync.wrote('mine', 2);
    assert.equal(p.got.length, 1);
    assert.equal(sync.changed('mine', 2, 1), false, 'echo of our own edit');
    assert.equal(p.got.length, 1);
    assert.equal(sync.changed('theirs', 3, 1), true);
    assert.equal(p.got.length, 2);
    // VS Code fires the change event before applyEdit resolves: the edit is then broadcast once.
    assert.equal(sync.changed('mine again', 4, 1), true);
    sync.wrote('mine again', 4);
    assert.equal(p.got.length, 3);
    // The same text at a new version (an edit that replaced text with itself) is news: the view's version moves on.
    assert.equal(sync.changed('mine again', 5, 1), true);
    assert.deepEqual(p.got.map((m) => m.type === 'update' && m.documentVersion), [2, 3, 4, 5]);
  });

  it('renders each distinct text once', () => {
    let renders = 0;
    const sync = new SyncRegistry((k, t) => (renders++, render(k, t))).getOrCreate('k');
    sync.view('a');
    sync.view('a');
    sync.view('b');
    assert.equal(renders, 2);
  });

  it('drops the sync and its listener when the last panel detaches', () => {
    const reg = new SyncRegistry(render);
    let cleaned = 0;
    const sync = reg.getOrCreate('k', () => () => cleaned++);
    const d1 = sync.attach(panel());
    const d2 = sync.attach(panel());
    d1();
    assert.equal(reg.size, 1);
    d2();
    d2();
    assert.equal(reg.size, 0);
    assert.equal(cleaned, 1);
  });

  it('runs queued intents one after another, even after a failure', async () => {
    const sync = new SyncRegistry(render).getOrCreate('k');
    const order: number[] = [];
    const slow = sync.enqueue(async () => { await new Promise((r) => setTimeout(r, 10)); order.push(1); });
    const failing = sync.enqueue(async () => { order.push(2); throw new Error('x'); });
    const last = sync.enqueue(async () => { order.push(3); });
    await slow;
    await assert.rejects(failing);
    await last;
    assert.deepEqual(order, [1, 2, 3]);
  });

  describe('edit intents', () => {
    const TWO = '{"input": {"shape": [8, 8, 1]}, "layers": [\n  {"type": "conv2d", "filters": 4, "kernelSize": 3},\n  {"type": "flatten"}\n]}';

    /** A TextDocument: its version goes up with every change, from the designer or from elsewhere. */
    class Doc implements SyncedDocument {
      version = 1;
      readonly applied: TextEdit[] = [];
      constructor(private text: string) {}
      getText(): string {
        return this.text;
      }
      /** An edit from elsewhere (the text editor). */
      type(text: string): void {
        this.text = text;
        this.version++;
      }
      apply(edit: TextEdit): Promise<boolean> {
        this.applied.push(edit);
        this.type(applyTextEdit(this.text, edit));
        return Promise.resolve(true);
      }
    }

    function setup(): { sync: ReturnType<SyncRegistry['getOrCreate']>; doc: Doc; p: ReturnType<typeof panel>; other: ReturnType<typeof panel> } {
      const sync = new SyncRegistry(render).getOrCreate('k');
      const [p, other] = [panel(), panel()];
      sync.attach(p);
      sync.attach(other);
      return { sync, doc: new Doc(TWO), p, other };
    }

    it('applies an intent made on the current version, and broadcasts the new view', async () => {
      const { sync, doc, p, other } = setup();
      assert.deepEqual(await sync.edit(doc, { type: 'deleteLayer', index: 1, documentVersion: 1 }, p), { applied: true });
      assert.equal(doc.applied.length, 1);
      assert.doesNotMatch(doc.getText(), /flatten/);
      for (const q of [p, other]) assert.deepEqual(q.got, [{ type: 'update', documentVersion: 2, view: render('', doc.getText()) }]);
    });

    it('refuses an intent made before a text edit: no edit, and the panel gets the current view to re-render', async () => {
      const { sync, doc, p, other } = setup();
      // The designer shows version 1 and the user deletes layer 1 (flatten); meanwhile a layer is typed in at the top.
      doc.type(TWO.replace('[\n', '[\n  {"type": "relu"},\n'));
      const edited = doc.getText();
      await assert.rejects(sync.edit(doc, { type: 'deleteLayer', index: 1, documentVersion: 1 }, p), StaleIntentError);
      assert.equal(doc.getText(), edited, 'layer 1 is now the conv2d: it must not be deleted');
      assert.equal(doc.applied.length, 0);
      assert.deepEqual(p.got, [{ type: 'update', documentVersion: 2, view: render('', edited) }]);
      assert.equal(other.got.length, 0, 'only the panel that sent it');
    });

    it('refuses what the guard found stale on arrival, and an intent that went stale in the queue', async () => {
      const { sync, doc, p } = setup();
      await assert.rejects(sync.edit(doc, { type: 'stale', intent: 'deleteLayer', documentVersion: 0 }, p), StaleIntentError);
      // Two gestures made on version 1: the first edits the document, so the second, run after it, is stale.
      const first = sync.edit(doc, { type: 'deleteLayer', index: 0, documentVersion: 1 }, p);
      const second = sync.edit(doc, { type: 'deleteLayer', index: 0, documentVersion: 1 }, p);
      assert.deepEqual(await first, { applied: true });
      await assert.rejects(second, StaleIntentError);
      assert.equal(doc.applied.length, 1);
      assert.match(doc.getText(), /flatten/);
      assert.deepEqual(p.got.map((m) => m.type === 'update' && m.documentVersion), [1, 2, 2]);
    });
  });
});
