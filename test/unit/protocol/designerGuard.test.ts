// Messages from the webview are untrusted: types, indices against the current layer count, paths, values,
// and the document version an edit intent was made on.
import { strict as assert } from 'node:assert';
import { withDocumentVersion } from '../../../src/protocol/designer';
import { guardWebviewMessage, type GuardContext } from '../../../src/protocol/designerGuard';

const V = 7;
const ctx: GuardContext = { documentVersion: V, layerCount: 3, layerTypes: ['conv2d', 'dense'], inputCounts: [0, 0, 2] };
const EDITS = new Set(['insertLayer', 'deleteLayer', 'duplicateLayer', 'moveLayer', 'editField', 'editInput', 'connectInput', 'disconnectInput', 'setInputs', 'addResidual']);
/** An edit intent made on the current version, as the webview sends it; other messages as they are. */
const current = (raw: unknown): unknown => {
  if (typeof raw !== 'object' || raw === null) return raw;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && EDITS.has(type) ? { ...raw, documentVersion: V } : raw;
};
const verdict = (raw: unknown): ReturnType<typeof guardWebviewMessage> => guardWebviewMessage(current(raw), ctx);
const ok = (raw: unknown): void => {
  const v = verdict(raw);
  assert.ok(typeof v === 'object' && v.type !== 'stale', JSON.stringify(raw));
};
const bad = (raw: unknown): void => assert.equal(typeof verdict(raw), 'string', JSON.stringify(raw));

describe('webview message guard', () => {
  it('accepts well-formed intents within the current layers', () => {
    ok({ type: 'ready', protocolVersion: 1 });
    ok({ type: 'insertLayer', index: 3, layerType: 'dense' });
    ok({ type: 'deleteLayer', index: 2 });
    ok({ type: 'duplicateLayer', index: 0 });
    ok({ type: 'moveLayer', from: 0, to: 2 });
    ok({ type: 'editField', path: ['layers', 1, 'filters'], value: 8 });
    ok({ type: 'editField', path: ['training', 'optimizer', 'schedule'], value: { type: 'step', stepSize: 2 } });
    ok({ type: 'editField', path: ['layers', 1, 'padding'] });
    ok({ type: 'editInput', shape: [32, 32, 3] });
    ok({ type: 'openAsText' });
    ok({ type: 'revealLayer', index: 2 });
    ok({ type: 'runCommand', command: 'cnnStudio.train' });
  });

  it('refuses a revealLayer without a whole non-negative index (one past the layers is checked when it runs)', () => {
    bad({ type: 'revealLayer', index: -1 });
    bad({ type: 'revealLayer', index: 1.5 });
    bad({ type: 'revealLayer', index: '2' });
    bad({ type: 'revealLayer' });
  });

  it('takes an exported image only as an SVG document or base64 PNG', () => {
    ok({ type: 'exportImage', format: 'svg', data: '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>' });
    ok({ type: 'exportImage', format: 'png', data: 'iVBORw0KGgo=' });
    bad({ type: 'exportImage', format: 'svg', data: '<script>alert(1)</script>' });
    bad({ type: 'exportImage', format: 'png', data: 'not base64!' });
    bad({ type: 'exportImage', format: 'gif', data: 'R0lGOD' });
    bad({ type: 'exportImage', format: 'png', data: '' });
    bad({ type: 'exportImage', format: 'png' });
  });

  it('refuses out-of-range indices and unknown types', () => {
    bad({ type: 'insertLayer', index: 4, layerType: 'dense' });
    bad({ type: 'insertLayer', index: 0, layerType: 'evil' });
    bad({ type: 'deleteLayer', index: 3 });
    bad({ type: 'deleteLayer', index: -1 });
    bad({ type: 'duplicateLayer', index: 1.5 });
    bad({ type: 'moveLayer', from: 0, to: 3 });
    bad({ type: 'editField', path: ['layers', 3, 'units'], value: 1 });
    bad({ type: 'editField', path: ['layers', 0], value: 1 });
  });

  it('refuses malformed messages, paths and values', () => {
    for (const raw of [null, 'x', 42, [], {}, { type: 'nope' }, { type: 'ready' }]) bad(raw);
    bad({ type: 'editField', path: [], value: 1 });
    bad({ type: 'editField', path: ['format'], value: 'x' });
    bad({ type: 'editField', path: ['training', '__proto__'], value: 1 });
    bad({ type: 'editField', path: ['training', { a: 1 }], value: 1 });
    bad({ type: 'editField', path: ['training', 'seed'], value: Number.NaN });
    bad({ type: 'editField', path: ['training', 'seed'], value: () => 1 });
    bad({ type: 'editField', path: ['training', 'x'], value: JSON.parse('{"__proto__": {"polluted": true}}') });
    bad({ type: 'editInput', shape: [32, 32] });
    bad({ type: 'editInput', shape: [32, 0, 3] });
    bad({ type: 'editInput', shape: ['32', 32, 3] });
    bad({ type: 'runCommand', command: 'workbench.action.terminal.new' });
  });

  it('checks the graph intents against the layers and their inputs', () => {
    ok({ type: 'connectInput', index: 2, from: -1 });
    ok({ type: 'connectInput', index: 2, from: 1 });
    bad({ type: 'connectInput', index: 2, from: 2 }); // itself
    bad({ type: 'connectInput', index: 1, from: 2 }); // a later layer
    bad({ type: 'connectInput', index: 0, from: -2 });
    bad({ type: 'connectInput', index: 3, from: 0 });
    ok({ type: 'disconnectInput', index: 2, element: 1 });
    bad({ type: 'disconnectInput', index: 2, element: 2 });
    bad({ type: 'disconnectInput', index: 1, element: 0 }); // layer 1 reads the previous layer: nothing to remove
    bad({ type: 'disconnectInput', index: 2, element: '0' });
    ok({ type: 'setInputs', index: 2, from: [1, -1, 0] });
    ok({ type: 'setInputs', index: 0, from: [] });
    bad({ type: 'setInputs', index: 2, from: [1, 1] });
    bad({ type: 'setInputs', index: 1, from: [1] });
    bad({ type: 'setInputs', index: 2, from: 'all' });
    bad({ type: 'setInputs', index: 0, from: [-1, -1] });
    ok({ type: 'addResidual', first: 0, last: 2 });
    ok({ type: 'addResidual', first: 1, last: 1 });
    bad({ type: 'addResidual', first: 2, last: 1 });
    bad({ type: 'addResidual', first: 0, last: 3 });
    assert.deepEqual(verdict({ type: 'setInputs', index: 2, from: [0], x: 1 }), { type: 'setInputs', index: 2, from: [0], documentVersion: V });
    // Without input counts (an older host), nothing can be disconnected.
    assert.equal(typeof guardWebviewMessage(current({ type: 'disconnectInput', index: 2, element: 0 }), { documentVersion: V, layerCount: 3, layerTypes: [] }), 'string');
  });

  it('returns a fresh typed message, not the raw object', () => {
    const raw = { type: 'deleteLayer', index: 1, extra: 'ignored' };
    assert.deepEqual(verdict(raw), { type: 'deleteLayer', index: 1, documentVersion: V });
  });

  it('finds an edit intent made on another document version stale as a whole, and one without a version malformed', () => {
    // Stale: its indices are not checked against today's layers (layer 5 is out of range now).
    for (const made of [V - 1, 1, V + 1]) {
      assert.deepEqual(guardWebviewMessage({ type: 'deleteLayer', index: 5, documentVersion: made }, ctx), { type: 'stale', intent: 'deleteLayer', documentVersion: made });
    }
    for (const version of ['7', -1, 7.5, null]) assert.equal(typeof guardWebviewMessage({ type: 'deleteLayer', index: 1, documentVersion: version }, ctx), 'string');
    assert.equal(typeof guardWebviewMessage({ type: 'deleteLayer', index: 1 }, ctx), 'string');
    // Commands edit nothing: they carry no version and are never stale.
    assert.deepEqual(guardWebviewMessage({ type: 'openAsText', documentVersion: V - 1 }, ctx), { type: 'openAsText' });
  });

  it('takes what the webview sends: edits stamped with the version of the view shown, commands as they are', () => {
    const sent = withDocumentVersion({ type: 'moveLayer', from: 0, to: 2 }, V);
    assert.deepEqual(sent, { type: 'moveLayer', from: 0, to: 2, documentVersion: V });
    assert.deepEqual(guardWebviewMessage(sent, ctx), sent);
    assert.deepEqual(withDocumentVersion({ type: 'runCommand', command: 'cnnStudio.train' }, V), { type: 'runCommand', command: 'cnnStudio.train' });
  });
});
