// The one Endpoint: replies, error replies, clean-up on dispose, unknown replies ignored, transfer lists,
// and the ready → init handshake's version check.
import { strict as assert } from 'node:assert';
import { Endpoint, EndpointDisposedError, type Envelope, type TransferList } from '../../../src/protocol/endpoint';
import { PROTOCOL_VERSION, handshake, type DesignerView } from '../../../src/protocol/designer';

type Msg = { readonly type: 'add'; readonly a: number; readonly b: number } | { readonly type: 'boom' } | { readonly type: 'slow' } | { readonly type: 'note'; readonly text: string };

function guard(raw: unknown): Msg | string {
  const m = raw as { type?: unknown } | null;
  return m && typeof m === 'object' && ['add', 'boom', 'slow', 'note'].includes(String(m.type)) ? (raw as Msg) : 'unknown message';
}

/** Two endpoints wired to each other, with a log of everything posted. */
function pair(handle: (msg: Msg) => unknown = () => undefined) {
  const posted: { from: 'a' | 'b'; env: Envelope; transfer?: TransferList }[] = [];
  const drops: string[] = [];
  const a: Endpoint<Msg, Msg> = new Endpoint({
    transport: { post: (env, transfer) => (posted.push({ from: 'a', env, transfer }), queueMicrotask(() => b.receive(env))) },
    handle: () => undefined,
    guard,
    onDrop: (r) => drops.push(r),
  });
  const b: Endpoint<Msg, Msg> = new Endpoint({
    transport: { post: (env, transfer) => (posted.push({ from: 'b', env, transfer }), queueMicrotask(() => a.receive(env))) },
    handle,
    guard,
    onDrop: (r) => drops.push(r),
  });
  return { a, b, posted, drops };
}

const handler = (msg: Msg): unknown => {
  switch (msg.type) {
    case 'add':
      return msg.a + msg.b;
    case 'boom':
      throw new Error('kaboom');
    case 'slow':
      return new Promise(() => undefined);
    case 'note':
      return undefined;
  }
};

describe('Endpoint', () => {
  it('replies to requests, sync or async', async () => {
    const { a } = pair(handler);
    assert.equal(await a.request<number>({ type: 'add', a: 2, b: 3 }), 5);
    const { a: a2 } = pair((m) => Promise.resolve(m.type));
    assert.equal(await a2.request<string>({ type: 'note', text: '' }), 'note');
  });

  it('turns a throwing handler into an error reply that rejects the caller', async () => {
    const { a } = pair(handler);
    await assert.rejects(a.request({ type: 'boom' }), /kaboom/);
    const { a: a2 } = pair(() => Promise.reject(new Error('async kaboom')));
    await assert.rejects(a2.request({ type: 'boom' }), /async kaboom/);
  });

  it('rejects requests the guard refuses, and drops such notifications', async () => {
    const { a, drops } = pair(handler);
    await assert.rejects(a.request({ type: 'nope' } as unknown as Msg), /unknown message/);
    a.notify({ type: 'nope' } as unknown as Msg);
    await new Promise((r) => setTimeout(r, 0));
    assert.ok(drops.includes('unknown message'));
  });

  it('rejects pending requests on dispose, and refuses new ones', async () => {
    const { a } = pair(handler);
    const pending = a.request({ type: 'slow' });
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(a.pendingCount, 1);
    a.dispose();
    await assert.rejects(pending, EndpointDisposedError);
    assert.equal(a.pendingCount, 0);
    await assert.rejects(a.request({ type: 'add', a: 1, b: 1 }), EndpointDisposedError);
  });

  it('rejects a request whose post throws, instead of hanging', async () => {
    const e = new Endpoint<Msg, Msg>({ transport: { post: () => { throw new Error('gone'); } }, handle: () => undefined, guard });
    await assert.rejects(e.request({ type: 'add', a: 1, b: 2 }), /gone/);
    assert.equal(e.pendingCount, 0);
  });

  it('ignores unknown and duplicate replies and malformed envelopes', async () => {
    const { a, drops } = pair(handler);
    a.receive({ kind: 'reply', id: 999, ok: true, value: 1 });
    a.receive({ kind: 'reply', id: 'x', ok: true });
    a.receive('hello');
    a.receive(null);
    const r = a.request<number>({ type: 'add', a: 1, b: 1 });
    assert.equal(await r, 2);
    a.receive({ kind: 'reply', id: 1, ok: true, value: 42 });
    assert.equal(a.pendingCount, 0);
    assert.equal(drops.filter((d) => d === 'not an envelope').length, 3);
  });

  it('passes transfer lists to the transport and delivers notifications', async () => {
    const seen: string[] = [];
    const { a, posted } = pair((m) => (m.type === 'note' ? void seen.push(m.text) : undefined));
    const buf = new Float32Array(4).buffer;
    a.notify({ type: 'note', text: 'hi' }, [buf]);
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(seen, ['hi']);
    assert.equal(posted[0]!.transfer?.[0], buf);
  });

  it('does not post replies after dispose', async () => {
    const { a, b, posted } = pair(handler);
    void a.request({ type: 'add', a: 1, b: 1 }).catch(() => undefined);
    b.dispose();
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(posted.filter((p) => p.from === 'b').length, 0);
  });
});

describe('designer handshake', () => {
  const view = { name: 'm', rows: [], layers: [], batchSize: 32, problems: [], editable: true } satisfies DesignerView;
  it('answers a matching ready with init', () => {
    assert.deepEqual(handshake({ protocolVersion: PROTOCOL_VERSION }, view, 7), { type: 'init', protocolVersion: PROTOCOL_VERSION, documentVersion: 7, view });
  });
  it('answers a version mismatch with fatal', () => {
    const reply = handshake({ protocolVersion: PROTOCOL_VERSION + 1 }, view, 7);
    assert.equal(reply.type, 'fatal');
  });
});
