// The webview page: strict CSP under a fresh nonce, its bundle and stylesheet linked from dist/, nothing inline;
// the host's data attributes on <main>, escaped.
import { strict as assert } from 'node:assert';
import { shellHtml, type ShellParts } from '../../../src/extension/webviewShell';

const parts = (over: Partial<ShellParts> = {}): ShellParts => ({
  nonce: 'N0nce',
  cspSource: 'https://res.example',
  title: 'CNN Designer',
  loading: 'Loading…',
  script: 'https://res.example/dist/designer.js',
  style: 'https://res.example/dist/designer.css',
  ...over,
});

describe('webview shell', () => {
  it('links the bundle under the nonce and the stylesheet from the webview origin, and lets nothing else run', () => {
    const html = shellHtml(parts());
    assert.match(html, /<script nonce="N0nce" src="https:\/\/res\.example\/dist\/designer\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/res\.example\/dist\/designer\.css">/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.doesNotMatch(html, /<style/);
    const csp = /content="([^"]*)"/.exec(html)![1]!;
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.match(csp, /style-src https:\/\/res\.example(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
  });

  it('writes the data attributes of <main>, escaped, and leaves out a name that is not one', () => {
    const html = shellHtml(parts({ dataset: { 'host-resolved-at': '12', note: 'a"<b', 'Bad name': 'x', 'x onload': 'y' } }));
    assert.match(html, /<main id="app" aria-busy="true" data-host-resolved-at="12" data-note="a&#34;&#60;b">/);
    assert.match(shellHtml(parts()), /<main id="app" aria-busy="true">/);
  });

  it('escapes the title, the loading line and the links', () => {
    const html = shellHtml(parts({ title: 'a<b & "c"', loading: '<i>', script: 'https://r/x.js?a="b"' }));
    assert.match(html, /<title>a&#60;b &#38; &#34;c&#34;<\/title>/);
    assert.match(html, /<p class="loading">&#60;i&#62;<\/p>/);
    assert.match(html, /src="https:\/\/r\/x\.js\?a=&#34;b&#34;"/);
  });
});
