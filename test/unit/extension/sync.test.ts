// Document sync: echo guard, broadcast to every ready panel of the document, clean-up when the last goes;
// edit intents applied in turn, and refused (with a fresh view for the panel) when made on another version;
// after a panel's handshake, views go to it as patches of the one it was sent last.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyTextEdit, intentEdit, type EditIntent, type TextEdit } from '../../../src/extension/editor/edits';
import { StaleIntentError, SyncRegistry, type PanelSink, type SyncedDocument } from '../../../src/extension/editor/sync';
import { buildView } from '../../../src/extension/editor/viewModel';
import { PROTOCOL_VERSION, type DesignerView, type HostMessage } from '../../../src/protocol/designer';
import { applyPatch } from '../../../src/protocol/designerPatch';

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
    assert.deepEqual(p.got.map(versionOf), [2, 3, 4, 5]);
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
      for (const q of [p, other]) assert.deepEqual(q.got, [{ type: 'update', documentVersion: 2, view: render('', doc.getText()) }], 'panels sent nothing before get the whole view');
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
      assert.deepEqual(p.got.map(versionOf), [1, 2, 2]);
      // The first went whole (the panel had been sent nothing), the others as patches of it.
      assert.deepEqual(p.got.map((m) => m.type), ['update', 'patch', 'patch']);
    });
  });

  describe('patches', () => {
    const real = (_key: string, text: string): DesignerView => buildView(text, 'm', 8e9);
    const LENET = readFileSync(join(__dirname, '../../../examples/lenet5.cnn.json'), 'utf8');

    /** The view a panel shows after taking its messages in order, as the webview does (main.ts). */
    function shown(messages: readonly HostMessage[], start?: { view: DesignerView; version: number }): { view: DesignerView; version: number } | undefined {
      let at = start;
      for (const m of messages) {
        if (m.type === 'init' || m.type === 'update') at = { view: m.view, version: m.documentVersion };
        else if (m.type === 'patch') {
          assert.equal(m.base, at?.version, 'a patch of the view the panel shows');
          at = { view: applyPatch(at!.view, JSON.parse(JSON.stringify(m.patch)) as typeof m.patch), version: m.documentVersion };
        }
      }
      return at;
    }

    it('after the handshake each change goes as a patch; applied in turn they give the views built anew', () => {
      const sync = new SyncRegistry(real).getOrCreate('k');
      const p = panel();
      sync.attach(p);
      assert.deepEqual(sync.ready(p, { protocolVersion: PROTOCOL_VERSION }, LENET, 1), { type: 'init', protocolVersion: PROTOCOL_VERSION, documentVersion: 1, view: real('', LENET) });
      let text = LENET;
      const edits: EditIntent[] = [
        { type: 'editField', path: ['layers', 7, 'units'], value: 11 },
        { type: 'insertLayer', index: 3, layerType: 'relu' },
        { type: 'editField', path: ['name'], value: 'LeNet' },
        { type: 'deleteLayer', index: 0 },
      ];
      edits.forEach((e, i) => {
        text = applyTextEdit(text, intentEdit(text, e));
        assert.equal(sync.changed(text, i + 2, 1), true);
      });
      assert.deepEqual(p.got.map((m) => m.type), ['patch', 'patch', 'patch', 'patch']);
      assert.deepEqual(shown(p.got, { view: real('', LENET), version: 1 }), { view: real('', text), version: 5 });
      // The units edit sent one row and one layer.
      const first = p.got[0]!;
      assert.ok(first.type === 'patch' && first.patch.rows.length === 1 && first.patch.layers.length === 1);
    });

    it('a panel ready later, or again after its page reloaded, starts from the whole view', () => {
      const sync = new SyncRegistry(real).getOrCreate('k');
      const [a, b] = [panel(), panel()];
      sync.attach(a);
      sync.attach(b);
      const init = sync.ready(a, { protocolVersion: PROTOCOL_VERSION }, LENET, 1);
      assert.ok(init.type === 'init');
      const text = LENET.replace('"units": 120', '"units": 100');
      sync.changed(text, 2, 1);
      // b never said ready: the whole view. a: a patch.
      assert.deepEqual([a.got.map((m) => m.type), b.got.map((m) => m.type)], [['patch'], ['update']]);
      // a's page reloads and says ready again: init with the whole view (it shows none), then patches of that.
      const again = sync.ready(a, { protocolVersion: PROTOCOL_VERSION }, text, 2);
      assert.ok(again.type === 'init');
      sync.changed(LENET, 3, 1);
      const last = a.got[a.got.length - 1]!;
      assert.ok(last.type === 'patch' && last.base === 2);
      assert.deepEqual(shown([again, last]), { view: real('', LENET), version: 3 });
      assert.deepEqual(shown(b.got), { view: real('', LENET), version: 3 });
      // A protocol mismatch: fatal, and nothing recorded as shown.
      assert.equal(sync.ready(a, { protocolVersion: PROTOCOL_VERSION + 1 }, LENET, 3).type, 'fatal');
      sync.changed(text, 4, 1);
      assert.equal(a.got[a.got.length - 1]!.type, 'update');
    });
  });
});

function versionOf(m: HostMessage): number | undefined {
  return m.type === 'update' || m.type === 'patch' ? m.documentVersion : undefined;
}
