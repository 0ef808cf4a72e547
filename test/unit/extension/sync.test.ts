// Document sync: echo guard, broadcast to every ready panel of the document, clean-up when the last goes.
import { strict as assert } from 'node:assert';
import { SyncRegistry, type PanelSink } from '../../../src/extension/editor/sync';
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
    assert.equal(sync.changed('v1', 1), true);
    assert.deepEqual(p1.got.map((m) => m.type === 'update' && m.view.name), ['v1']);
    assert.equal(p2.got.length, 1);
    assert.equal(early.got.length, 0);
  });

  it('ignores empty change events and the echo of its own edit', () => {
    const sync = new SyncRegistry(render).getOrCreate('k');
    const p = panel();
    sync.attach(p);
    assert.equal(sync.changed('v0', 0), false, 'dirty-flag change without content');
    sync.wrote('mine');
    assert.equal(p.got.length, 1);
    assert.equal(sync.changed('mine', 1), false, 'echo of our own edit');
    assert.equal(p.got.length, 1);
    assert.equal(sync.changed('theirs', 1), true);
    assert.equal(p.got.length, 2);
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
});
