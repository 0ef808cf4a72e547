// The HTML of every webview, as a pure function of its parts (webviewHtml.ts supplies them; unit-tested
// without VS Code): strict CSP with a fresh nonce, nothing inline, nothing remote; the bundle and its
// stylesheet are linked from dist/. Linked, not written into the page: VS Code creates the page only once
// the extension's HTML has crossed to the workbench and been parsed there, and a page carrying the
// designer's 400 kB bundle (and DenseNet-121's 220 kB view) started about 70 ms later than a linked one,
// more than the two fetches it saved (measured side by side, issue 21).
export interface ShellParts {
  readonly nonce: string;
  /** The webview's own origin (Webview.cspSource), the only one linked resources and fonts may come from. */
  readonly cspSource: string;
  readonly title: string;
  readonly loading: string;
  /** Webview URIs of the bundle and its stylesheet. */
  readonly script: string;
  readonly style: string;
  /** `data-*` attributes of the page's <main> (the host's timings, for the e2e's record). */
  readonly dataset?: Readonly<Record<string, string>>;
}

export function shellHtml(parts: ShellParts): string {
  const { nonce, cspSource } = parts;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const data = Object.entries(parts.dataset ?? {})
    .filter(([k]) => /^[a-z][a-z0-9-]*$/.test(k))
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(parts.style)}">
<title>${esc(parts.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"${data}><p class="loading">${esc(parts.loading)}</p></main>
<script nonce="${nonce}" src="${esc(parts.script)}"></script>
</body>
</html>`;
}
