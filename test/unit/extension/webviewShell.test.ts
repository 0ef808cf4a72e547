// The webview page: its bundle and stylesheet written in under the CSP nonce (linked when they could end their
// element), and the first view as a JSON data block the page reads back exactly.
import { strict as assert } from 'node:assert';
import { embeddable, jsonForHtml, shellHtml, type ShellParts } from '../../../src/extension/webviewShell';

const parts = (over: Partial<ShellParts> = {}): ShellParts => ({
  nonce: 'N0nce',
  cspSource: 'https://res.example',
  title: 'CNN Designer',
  loading: 'Loading…',
  script: { text: 'console.log(1 < 2)', href: 'https://res.example/dist/designer.js' },
  style: { text: 'body { color: red }', href: 'https://res.example/dist/designer.css' },
  ...over,
});

/** The text of the first element `tag` with the given attributes, as a browser's parser would end it. */
function element(html: string, open: string, tag: string): string | undefined {
  const at = html.indexOf(open);
  if (at < 0) return undefined;
  const start = at + open.length;
  return html.slice(start, html.indexOf(`</${tag}`, start));
}

describe('webview shell', () => {
  it('writes the bundle and the stylesheet into the page under the nonce, and lets nothing else run', () => {
    const html = shellHtml(parts());
    assert.equal(element(html, '<script nonce="N0nce">', 'script'), 'console.log(1 < 2)');
    assert.equal(element(html, '<style nonce="N0nce">', 'style'), 'body { color: red }');
    assert.doesNotMatch(html, /src=|<link/);
    const csp = /content="([^"]*)"/.exec(html)![1]!;
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.match(csp, /style-src https:\/\/res\.example 'nonce-N0nce'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
  });

  it('links a bundle that could end its element or open a comment, a stylesheet with a url(), and a file it could not read', () => {
    for (const text of ['a = "</script>"', 'a = "</SCRIPT "', 'x = "<!--"']) {
      const html = shellHtml(parts({ script: { text, href: 'https://res.example/dist/designer.js' } }));
      assert.match(html, /<script nonce="N0nce" src="https:\/\/res\.example\/dist\/designer\.js"><\/script>/, text);
      assert.ok(!html.includes(text), text);
    }
    for (const text of ['a::after { content: "</style>" }', '@font-face { src: url(codicon.ttf) }']) {
      assert.match(shellHtml(parts({ style: { text, href: 'h.css' } })), /<link rel="stylesheet" href="h\.css">/, text);
    }
    assert.match(shellHtml(parts({ script: { href: 'j.js' } })), /<script nonce="N0nce" src="j\.js"><\/script>/);
    assert.equal(embeddable('const a = 1; // ok', 'script'), true);
  });

  it('carries the initial data as JSON that nothing inside can end, read back exactly', () => {
    const initial = { documentVersion: 3, view: { name: '</script><script>alert(1)</script>', note: '<!-- x -->', n: [1, 2.5, null] } };
    const html = shellHtml(parts({ initial }));
    const block = element(html, '<script type="application/json" id="initial">', 'script');
    assert.ok(block !== undefined);
    assert.ok(!block.includes('<'), 'no < inside the block');
    assert.deepEqual(JSON.parse(block), initial);
    assert.equal(jsonForHtml('a<b'), '"a\\u003cb"');
    // Before the bundle, so the script finds it when it runs.
    assert.ok(html.indexOf('id="initial"') < html.indexOf('<script nonce='));
    assert.ok(!shellHtml(parts()).includes('id="initial"'));
  });

  it('writes the data attributes of <main>, escaped, and leaves out a name that is not one', () => {
    const html = shellHtml(parts({ dataset: { 'host-view-ms': '12', note: 'a"<b', 'Bad name': 'x', 'x onload': 'y' } }));
    assert.match(html, /<main id="app" aria-busy="true" data-host-view-ms="12" data-note="a&#34;&#60;b">/);
  });

  it('escapes the title and the loading line', () => {
    const html = shellHtml(parts({ title: 'a<b & "c"', loading: '<i>' }));
    assert.match(html, /<title>a&#60;b &#38; &#34;c&#34;<\/title>/);
    assert.match(html, /<p class="loading">&#60;i&#62;<\/p>/);
  });
});
