// Messages from the webview are untrusted: types, indices against the current layer count, paths, values.
import { strict as assert } from 'node:assert';
import { guardWebviewMessage, type GuardContext } from '../../../src/protocol/designerGuard';

const ctx: GuardContext = { layerCount: 3, layerTypes: ['conv2d', 'dense'], inputCounts: [0, 0, 2] };
const ok = (raw: unknown): void => assert.equal(typeof guardWebviewMessage(raw, ctx), 'object', JSON.stringify(raw));
const bad = (raw: unknown): void => assert.equal(typeof guardWebviewMessage(raw, ctx), 'string', JSON.stringify(raw));

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
    ok({ type: 'runCommand', command: 'cnnStudio.train' });
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
    assert.deepEqual(guardWebviewMessage({ type: 'setInputs', index: 2, from: [0], x: 1 }, ctx), { type: 'setInputs', index: 2, from: [0] });
    // Without input counts (an older host), nothing can be disconnected.
    assert.equal(typeof guardWebviewMessage({ type: 'disconnectInput', index: 2, element: 0 }, { layerCount: 3, layerTypes: [] }), 'string');
  });

  it('returns a fresh typed message, not the raw object', () => {
    const raw = { type: 'deleteLayer', index: 1, extra: 'ignored' };
    assert.deepEqual(guardWebviewMessage(raw, ctx), { type: 'deleteLayer', index: 1 });
  });
});
